"""Python and the CLI give the same answers: the same model from the same settings, the
same predictions on every row, the same evaluation."""
import csv
import io
import json
import os
import random

import pytest

import trainops
from conftest import read_csv, shared_dataset, write_csv


def _cli_predictions(cli, model_path, data, top_k=2):
    result = cli("predict", "--model", model_path, "--data", data, "--top-k", str(top_k))
    rows = list(csv.reader(io.StringIO(result.stdout)))
    return rows[1:]


def _assert_same_predictions(cli, model, data, texts):
    cli_rows = _cli_predictions(cli, model.path, data)
    py_rows = model.predict(texts, k=2)
    assert len(cli_rows) == len(py_rows) == len(texts)
    for i, (cli_row, answer) in enumerate(zip(cli_rows, py_rows)):
        assert [cli_row[0], cli_row[2]] == [answer[0][0], answer[1][0]], f"row {i}"
        assert float(cli_row[1]) == pytest.approx(answer[0][1], abs=1e-6), f"row {i}"
        assert float(cli_row[3]) == pytest.approx(answer[1][1], abs=1e-6), f"row {i}"


def test_same_model_and_predictions_as_the_cli(tmp_path, cli, example):
    cli("train", "--data", example["train.csv"], "--validation", example["validation.csv"], "--text-column", "text",
        "--label-column", "intent", "--epochs", "4", "--threads", "1", "--no-registry", "--quiet",
        "--out", str(tmp_path / "cli"))
    from_cli = trainops.load_model(tmp_path / "cli" / "model.bin")
    from_python = trainops.train(data=example["train.csv"], validation=example["validation.csv"], text_column="text",
                                 label_column="intent", epochs=4, threads=1, out=tmp_path / "py", record=False)
    # One thread is bit-for-bit reproducible: the same bytes, whichever front end trained.
    assert from_python.id == from_cli.id
    texts = [r["text"] for r in read_csv(example["test.csv"])]
    _assert_same_predictions(cli, from_cli, example["test.csv"], texts)


def test_evaluate_matches_eval_json(tmp_path, cli, small_model, example):
    out = tmp_path / "eval.json"
    cli("eval", "--model", small_model.path, "--data", example["test.csv"], "--json", str(out), "--quiet")
    from_cli = json.loads(out.read_text())
    from_python = small_model.evaluate(example["test.csv"])
    assert from_python.keys() == from_cli.keys()
    for key in from_cli:
        assert from_python[key] == from_cli[key], key


def test_banking77_predictions_agree_on_every_row(tmp_path, cli):
    folder = shared_dataset("banking77")
    rows = read_csv(os.path.join(folder, "train.csv"))
    random.Random(7).shuffle(rows)
    train = write_csv(tmp_path / "train.csv", rows[:6000], ["text", "category"])
    test = write_csv(tmp_path / "test.csv", rows[6000:8000], ["text", "category"])
    cli("train", "--data", str(train), "--text-column", "text", "--label-column", "category", "--epochs", "5",
        "--no-registry", "--quiet", "--allow-data-errors", "--out", str(tmp_path / "run"))
    model = trainops.load_model(tmp_path / "run" / "model.bin")
    _assert_same_predictions(cli, model, str(test), [r["text"] for r in rows[6000:8000]])
