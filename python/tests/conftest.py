"""Shared fixtures of the Python tests. ctest runs them with PYTHONPATH=<build>/python (the
build's own module), TRAINOPS_BINARY (the CLI of the same build) and TRAINOPS_SOURCE_DIR."""
import csv
import os
import shutil
import subprocess

import pytest

SOURCE_DIR = os.environ.get("TRAINOPS_SOURCE_DIR",
                            os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
EXAMPLE = os.path.join(SOURCE_DIR, "examples", "awesomeshoes")
SHARED = os.path.normpath(os.path.join(SOURCE_DIR, "..", "shared", "data"))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, rows, columns):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def cli():
    binary = os.environ.get("TRAINOPS_BINARY") or shutil.which("trainops")
    if not binary or not os.path.exists(binary):
        pytest.skip("no trainops binary (set TRAINOPS_BINARY; ctest does)")

    def run(*args, check=True):
        result = subprocess.run([binary, *args], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"trainops {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    return run


@pytest.fixture(scope="session")
def example():
    """The example task's files (checked in: examples/awesomeshoes)."""
    return {name: os.path.join(EXAMPLE, name) for name in ("task.yaml", "train.csv", "validation.csv", "test.csv")}


@pytest.fixture(scope="session")
def example_task(tmp_path_factory, example):
    """A copy of the example task in its own folder, so registry writes stay in the test."""
    folder = tmp_path_factory.mktemp("task")
    for name in ("task.yaml", "train.csv", "validation.csv", "test.csv", "behaviour.yaml"):
        shutil.copy(os.path.join(EXAMPLE, name), folder / name)
    return folder / "task.yaml"


@pytest.fixture(scope="session")
def small_model(tmp_path_factory, example):
    """One model of the example data, trained once for the inference tests."""
    import trainops
    out = tmp_path_factory.mktemp("small") / "run"
    return trainops.train(data=example["train.csv"], validation=example["validation.csv"], text_column="text",
                          label_column="intent", out=str(out), epochs=4, threads=1, record=False)


def shared_dataset(name):
    folder = os.path.join(SHARED, name)
    if not os.path.isdir(folder):
        pytest.skip(f"{folder} is absent (the shared public datasets live next to the project)")
    return folder
