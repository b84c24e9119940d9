"""Builds the extension module trainops._trainops with CMake (pyproject.toml has the
metadata). scikit-build-core is not in Debian 12, so setuptools' build_ext runs CMake here:
configure <checkout>/build-python (TRAINOPS_PYTHON_BUILD_DIR overrides it), build the
`_trainops` target only, and copy the module into the wheel. The build folder stays, so
installing again after a change rebuilds only what changed. CMAKE_CXX_COMPILER_LAUNCHER
(e.g. ccache) in the environment is honoured by CMake itself.
"""
import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("TRAINOPS_PYTHON_BUILD_DIR", os.path.join(ROOT, "build-python"))
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        configure = [
            "cmake", "-S", ROOT, "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DTRAINOPS_BUILD_TESTS=OFF",
            "-DTRAINOPS_BUILD_BENCHMARKS=OFF",
            "-DTRAINOPS_PYTHON=ON",
            # The interpreter running this build (the venv's, made from Debian's python3):
            # the module's ABI tag and headers must be its own.
            f"-DPython3_EXECUTABLE={sys.executable}",
        ]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", build_dir, "--target", "_trainops", "-j", jobs], check=True)
        built = glob.glob(os.path.join(build_dir, "python", "trainops", "_trainops*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one _trainops*.so in {build_dir}/python/trainops, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


setup(
    ext_modules=[Extension("trainops._trainops", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    # setuptools' own build folder: not build/, which is the CMake build of the README.
    options={"build": {"build_base": os.path.join("build-python", "setuptools")},
             "egg_info": {"egg_base": "build-python"}},
)
