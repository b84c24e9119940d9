"""gate, release, promote and rollback from Python on a copy of the example task."""
import pytest

import trainops


def test_release_promote_rollback(tmp_path, example_task):
    first = trainops.train(task=example_task, out=tmp_path / "r1")
    released = trainops.release(example_task, first.path)
    assert released["gate"]["passed"] is True, released["gate"]["verdict"]
    assert released["promotion"]["to_status"] == "production"
    assert released["promotion"]["model_id"] == first.id

    second = trainops.train(task=example_task, out=tmp_path / "r2", seed=7)
    report = trainops.gate(example_task, second, baseline="production")
    assert isinstance(report["passed"], bool)
    assert {g["name"] for g in report["report"]["gates"]} if "gates" in report["report"] else report["report"]
    assert report["compared_with_production"] is True
    if not report["passed"]:
        with pytest.raises(trainops.CheckFailedError):
            trainops.promote(second.id, task=example_task)
        return
    promoted = trainops.promote(second.id, task=example_task, reason="better")
    assert promoted["to_status"] == "production"
    back = trainops.rollback(example_task, reason="test rollback")
    assert back["model_id"] == first.id and back["to_status"] == "production"


def test_promote_refuses_without_gate(tmp_path, example_task):
    model = trainops.train(task=example_task, out=tmp_path / "r", epochs=2)
    with pytest.raises(trainops.CheckFailedError):
        trainops.promote(model.id, task=example_task)
    with pytest.raises(trainops.InputError):
        trainops.promote("/etc/hostname", task=example_task, force=True, reason="no")
