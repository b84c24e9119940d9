"""trainops.train / resume / check_data: the CLI's training from Python, parameters by
their spec names, logging, Ctrl-C, and errors."""
import json
import logging
import os
import signal
import threading
import time

import pytest

import trainops
from conftest import read_csv, write_csv


def test_train_writes_the_run_like_the_cli(tmp_path, example, caplog):
    caplog.set_level(logging.INFO, logger="trainops")
    out = tmp_path / "run"
    model = trainops.train(data=example["train.csv"], text_column="text", label_column="intent",
                           validation=example["validation.csv"], out=out, epochs=3, learning_rate=0.3, threads=1,
                           record=False)
    for name in ("model.bin", "run.json", "metrics.jsonl"):
        assert (out / name).exists(), name
    assert (out / "checkpoints").is_dir()
    run = json.loads((out / "run.json").read_text())
    assert model.run["hyperparameters"] == run["hyperparameters"]
    assert run["hyperparameters"]["epochs"] == 3
    assert model.check_data is not None and "errors" in json.dumps(model.check_data)
    assert model.path == str(out / "model.bin")
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("checkpoint 1:") for m in messages), messages
    assert any("check-data" in m for m in messages)


def test_without_out_nothing_is_left_behind(tmp_path, example, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    model = trainops.train(data=example["train.csv"], text_column="text", label_column="intent", epochs=2,
                           threads=1)
    assert model.path is None and model.predict("refund please")[0][0] in model.labels
    assert os.listdir(tmp_path) == []


def test_parameter_spellings(tmp_path, example):
    for i, params in enumerate([{"epochs": 2}, {"training.epochs": 2}, {"training_epochs": 2}]):
        model = trainops.train(data=example["train.csv"], text_column="text", label_column="intent",
                               out=tmp_path / f"r{i}", threads=1, record=False, **params)
        assert model.run["hyperparameters"]["epochs"] == 2
    model = trainops.train(data=example["train.csv"], text_column="text", label_column="intent",
                           out=tmp_path / "lr", threads=1, record=False, epochs=2, lr=0.25, word_ngrams=1,
                           model="linear")
    assert model.run["hyperparameters"]["learning_rate"] == 0.25
    assert model.run["hyperparameters"]["word_ngrams"] == 1


def test_bad_parameters(tmp_path, example):
    common = dict(data=example["train.csv"], text_column="text", label_column="intent", record=False)
    with pytest.raises(TypeError, match="unknown parameter 'epoch'"):
        trainops.train(out=tmp_path / "a", epoch=3, **common)
    with pytest.raises(ValueError, match="epochs"):
        trainops.train(out=tmp_path / "b", epochs=0, **common)
    with pytest.raises(ValueError, match="learning_rate"):
        trainops.train(out=tmp_path / "c", learning_rate=float("inf"), **common)
    with pytest.raises(ValueError, match="model.type"):
        trainops.train(out=tmp_path / "d", model="forest", **common)
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_bad_data(tmp_path, example):
    with pytest.raises(trainops.InputError, match="intentt"):
        trainops.train(data=example["train.csv"], text_column="text", label_column="intentt", out=tmp_path / "a",
                       record=False)
    with pytest.raises(ValueError, match="missing.csv"):
        trainops.train(data=tmp_path / "missing.csv", text_column="text", label_column="intent",
                       out=tmp_path / "b", record=False)
    rows = read_csv(example["train.csv"])
    rows[5]["text"] = ""
    bad = write_csv(tmp_path / "empty_text.csv", rows, ["text", "intent"])
    with pytest.raises(ValueError, match="empty_text.csv"):
        trainops.train(data=bad, text_column="text", label_column="intent", out=tmp_path / "c", record=False)
    with pytest.raises(ValueError, match="--text-column|text_column"):
        trainops.train(data=example["train.csv"], out=tmp_path / "d")


def test_train_from_task_and_registry_record(tmp_path, example_task):
    out = tmp_path / "run"
    model = trainops.train(task=example_task, out=out, epochs=2)
    assert model.training is not None
    assert model.training["model_id"] == model.id
    assert model.training["model_status"] == "candidate"
    assert os.path.exists(model.training["registry"])


def _interrupt_on_first_checkpoint():
    class Interrupter(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("checkpoint 1:"):
                signal.raise_signal(signal.SIGINT)  # Ctrl-C, delivered while training runs

    return Interrupter()


def test_ctrl_c_stops_training_and_resume_finishes_it(tmp_path, example):
    out = tmp_path / "run"
    handler = _interrupt_on_first_checkpoint()
    logger = logging.getLogger("trainops")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with pytest.raises(KeyboardInterrupt, match="resume"):
            trainops.train(data=example["train.csv"], text_column="text", label_column="intent", out=out,
                           epochs=6, patience=0, threads=1, record=False)
    finally:
        logger.removeHandler(handler)
    assert not (out / "model.bin").exists()
    assert (out / "checkpoints").is_dir()
    model = trainops.resume(out, record=False)
    assert (out / "model.bin").exists()
    uninterrupted = trainops.train(data=example["train.csv"], text_column="text", label_column="intent",
                                   out=tmp_path / "whole", epochs=6, patience=0, threads=1, record=False)
    assert model.id == uninterrupted.id  # one thread: resuming gives the same model


def test_signal_during_long_training_interrupts_promptly(tmp_path, example):
    main = threading.main_thread().ident
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(main, signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            trainops.train(data=example["train.csv"], text_column="text", label_column="intent",
                           out=tmp_path / "long", epochs=10000, patience=0, threads=1, record=False)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 30


def test_check_data(example, tmp_path):
    report = trainops.check_data(data=example["train.csv"], text_column="text", label_column="intent",
                                 label_error_folds=0)
    assert report["has_errors"] is False
    assert "summary" in report
    rows = read_csv(example["train.csv"])
    rows[3]["text"] = ""
    bad = write_csv(tmp_path / "empty_text.csv", rows, ["text", "intent"])
    found = trainops.check_data(data=bad, text_column="text", label_column="intent", label_error_folds=0)
    assert found["has_errors"] is True
    assert "empty_text.csv:5" in str(found["findings"])
    with pytest.raises(TypeError, match="unknown options"):
        trainops.check_data(data=bad, text_column="text", label_column="intent", foldz=3)
    with pytest.raises(trainops.InputError):
        trainops.check_data(data=bad, text_column="nope", label_column="intent")
