"""Model: loading, predict, predict_proba, save, pickle, errors, concurrent predict."""
import os
import pickle
import threading

import numpy as np
import pytest

import trainops
from conftest import read_csv


def test_labels_and_identity(small_model, example):
    assert len(small_model.labels) == 11
    assert "returns" in small_model.labels
    assert len(small_model.id) == 32
    loaded = trainops.load_model(small_model.path)
    assert loaded.id == small_model.id
    assert loaded.labels == small_model.labels
    assert loaded.info["labels"] == small_model.labels


def test_predict_shapes(small_model):
    one = small_model.predict("I want to send these boots back for a refund")
    assert isinstance(one, list) and len(one) == 1
    label, confidence = one[0]
    assert label in small_model.labels and 0 < confidence <= 1
    many = small_model.predict(["where is my order?", "do you have these in size 10?"], k=3)
    assert len(many) == 2 and all(len(answer) == 3 for answer in many)
    for answer in many:
        confidences = [c for _, c in answer]
        assert confidences == sorted(confidences, reverse=True)
        assert len({label for label, _ in answer}) == 3
    assert small_model.predict([]) == []


def test_predict_proba_matches_predict(small_model, example):
    texts = [r["text"] for r in read_csv(example["test.csv"])[:200]]
    probs = small_model.predict_proba(texts)
    assert probs.shape == (len(texts), len(small_model.labels)) and probs.dtype == np.float64
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    answers = small_model.predict(texts)
    for row, answer in zip(probs, answers):
        assert small_model.labels[int(np.argmax(row))] == answer[0][0]
        assert row.max() == pytest.approx(answer[0][1], abs=1e-6)


def test_threshold_rejects_with_oos_label(tmp_path, example):
    # CLINC-style: a model with an out-of-scope label answers it below the threshold.
    rows = read_csv(example["train.csv"])
    path = tmp_path / "train.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write("text,intent\n")
        for r in rows:
            f.write('"{}",{}\n'.format(r["text"].replace('"', '""'), r["intent"]))
    model = trainops.train(data=str(path), text_column="text", label_column="intent", epochs=3, threads=1,
                           oos_label="product_care")
    assert model.oos_label == "product_care"
    strict = model.predict("zzzz qqqq", threshold=1.0)
    assert strict[0][0] == "product_care"
    never = model.predict("zzzz qqqq", threshold=0)
    assert never[0][0] == model.labels[int(np.argmax(model.predict_proba("zzzz qqqq")[0]))]


def test_bad_texts_raise_value_errors(small_model):
    with pytest.raises(ValueError, match=r"texts\[1\]: the text is empty"):
        small_model.predict(["fine", "   "])
    with pytest.raises(trainops.InputError):
        small_model.predict_proba([""])
    with pytest.raises(TypeError, match=r"texts\[0\]: expected str"):
        small_model.predict([3])
    with pytest.raises(ValueError, match="UTF-8"):
        small_model.predict(["bad \udcff surrogate"])
    with pytest.raises(ValueError, match="k=0"):
        small_model.predict(["x"], k=0)


def test_corrupt_and_missing_model_files(tmp_path, small_model):
    with pytest.raises(trainops.InputError, match="nope.bin"):
        trainops.load_model(tmp_path / "nope.bin")
    foreign = tmp_path / "foreign.bin"
    foreign.write_text("text,label\nhello,greeting\n")
    with pytest.raises(trainops.CorruptFileError, match="foreign.bin"):
        trainops.load_model(foreign)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(small_model.to_bytes()[: len(small_model.to_bytes()) // 2])
    with pytest.raises(ValueError, match="truncated.bin"):
        trainops.load_model(truncated)
    flipped = bytearray(small_model.to_bytes())
    flipped[len(flipped) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(trainops.CorruptFileError):
        trainops.load_model(damaged)


def test_save_round_trip_and_no_silent_overwrite(tmp_path, small_model):
    target = tmp_path / "copy.bin"
    small_model.save(target)
    assert trainops.load_model(target).id == small_model.id
    small_model.save(target)  # same bytes: nothing to do
    other = tmp_path / "other.bin"
    other.write_text("precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        small_model.save(other)
    assert other.read_text() == "precious"
    small_model.save(other, overwrite=True)
    assert trainops.load_model(other).id == small_model.id
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp")]
    with pytest.raises(trainops.InputError, match="is a folder"):
        small_model.save(tmp_path)


def test_pickle_round_trip(small_model):
    texts = ["where is my parcel", "refund my money", "these run small"]
    clone = pickle.loads(pickle.dumps(small_model))
    assert clone.id == small_model.id
    assert clone.predict(texts, k=2) == small_model.predict(texts, k=2)
    np.testing.assert_array_equal(clone.predict_proba(texts), small_model.predict_proba(texts))


def test_threads_predict_at_once(small_model, example):
    texts = [r["text"] for r in read_csv(example["test.csv"])]
    expected = small_model.predict(texts, k=2, threads=1)
    results, errors = {}, []

    def work(i):
        try:
            for _ in range(3):
                results[i] = small_model.predict(texts, k=2, threads=1 + i % 2)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(results[i] == expected for i in range(8))


def test_evaluate_in_memory_model(small_model, example):
    report = trainops.Model(small_model.to_bytes()).evaluate(example["test.csv"])
    assert 0.5 < report["accuracy"] <= 1
    assert report["model"] == "<model in memory>"
    assert report["n"] == len(read_csv(example["test.csv"]))
