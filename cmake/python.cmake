# The Python extension module trainops._trainops (src/python/) and the package around it
# (python/trainops/), laid out in <build>/python/ so that PYTHONPATH=<build>/python imports
# the build's own module; pyproject.toml/setup.py build this same target for `pip install`.

# Debian's interpreter, whose python3-numpy, python3-sklearn and python3-pytest the tests
# use, not another python3 earlier on the PATH (pyenv, conda). A venv made from it (pip
# install) passes its own executable.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module)
find_package(pybind11 CONFIG)
if(NOT Python3_FOUND OR NOT pybind11_FOUND)
  message(FATAL_ERROR "The Python module needs python3-dev and pybind11-dev (bash scripts/setup.sh installs "
                      "them); or configure with -DTRAINOPS_PYTHON=OFF to build without it")
endif()

file(GLOB python_binding_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/python/*.cc)
# NO_EXTRAS: no link-time optimisation over every stage library (minutes of linking for no
# measurable gain: the hot loops are inside the libraries already optimised).
pybind11_add_module(_trainops MODULE NO_EXTRAS ${python_binding_sources})
target_link_libraries(_trainops PRIVATE trainops_lib)
target_include_directories(_trainops PRIVATE ${CMAKE_SOURCE_DIR}/src)
set_target_properties(_trainops PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/python/trainops
                                           CXX_VISIBILITY_PRESET hidden)

# The pure-Python part of the package, next to the module.
file(GLOB python_package_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/python/trainops/*.py)
set(python_package_outputs "")
foreach(src IN LISTS python_package_sources)
  get_filename_component(name ${src} NAME)
  set(dst ${CMAKE_BINARY_DIR}/python/trainops/${name})
  add_custom_command(OUTPUT ${dst} COMMAND ${CMAKE_COMMAND} -E copy_if_different ${src} ${dst} DEPENDS ${src})
  list(APPEND python_package_outputs ${dst})
endforeach()
add_custom_target(trainops_python_package ALL DEPENDS ${python_package_outputs})
add_dependencies(_trainops trainops_python_package)

if(TRAINOPS_BUILD_TESTS)
  # One ctest entry per test file (python/tests/test_*.py), so they run in parallel with
  # the C++ tests. The sanitizer builds load their runtime first: Python itself is not
  # instrumented (and leaks by design at exit, so LeakSanitizer is off there).
  set(python_test_env "PYTHONPATH=${CMAKE_BINARY_DIR}/python" "TRAINOPS_BINARY=$<TARGET_FILE:trainops>"
                      "TRAINOPS_SOURCE_DIR=${CMAKE_SOURCE_DIR}" "PYTHONDONTWRITEBYTECODE=1")
  if(TRAINOPS_SANITIZE)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE asan_runtime
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libubsan.so OUTPUT_VARIABLE ubsan_runtime
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND python_test_env "LD_PRELOAD=${asan_runtime}:${ubsan_runtime}" "ASAN_OPTIONS=detect_leaks=0")
  elseif(TRAINOPS_TSAN)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libtsan.so OUTPUT_VARIABLE tsan_runtime
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND python_test_env "LD_PRELOAD=${tsan_runtime}"
         "TSAN_OPTIONS=halt_on_error=1 suppressions=${CMAKE_SOURCE_DIR}/scripts/tsan.supp")
  endif()
  file(GLOB python_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/python/tests/test_*.py)
  foreach(test_file IN LISTS python_tests)
    get_filename_component(test_name ${test_file} NAME_WE)
    add_test(NAME python.${test_name}
             COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider ${test_file}
             WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
    set_tests_properties(python.${test_name} PROPERTIES ENVIRONMENT "${python_test_env}" TIMEOUT 900)
  endforeach()
  # The README's install command on this checkout: a venv from Debian's interpreter and
  # `pip install --no-build-isolation --no-index .` (which builds the module itself in
  # build-python/), then the package imported from the venv.
  # Not in the sanitizer builds: it builds the ordinary module, which they do not test.
  if(NOT TRAINOPS_SANITIZE AND NOT TRAINOPS_TSAN)
    add_test(NAME python.install COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/check_python_install.sh
                                         ${CMAKE_BINARY_DIR}/python-install-check)
    # Long (a whole build of the module): started first so it overlaps the rest.
    set_tests_properties(python.install PROPERTIES TIMEOUT 2400 COST 10000)
  endif()
endif()
