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


def test_cycle_and_select_on_a_week_of_traffic(tmp_path, example_task):
    import os
    import shutil
    from conftest import EXAMPLE
    model = trainops.train(task=example_task, out=tmp_path / "r1")
    assert trainops.release(example_task, model)["promotion"] is not None
    week = os.path.join(EXAMPLE, "traffic", "week-2026-11-02.csv")
    local = tmp_path / "week.csv"
    shutil.copy(week, local)
    picks = trainops.select(example_task, traffic=local, budget=20)
    assert len(picks["picks"]) == 20
    assert picks["model_id"] == model.id
    assert all("reason" in p and "score" in p and "text" in p for p in picks["picks"])
    report = trainops.cycle(example_task, traffic=local, work_dir=tmp_path / "cycles")
    assert report["production"] and isinstance(report["triggered"], bool)
    assert "signals" in report
    with pytest.raises(TypeError, match="budget"):
        trainops.select(example_task, traffic=local)
