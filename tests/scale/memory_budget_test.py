#!/usr/bin/env python3
"""training.memory_mb is a budget for the whole process (issue 26, item 14).

Trains with default settings but a 128 MiB budget (the default 4 GiB binds only on files of
gigabytes) on a synthetic file of N rows and of 10N rows whose vocabulary keeps growing
with the rows (order numbers and shuffled words, as real traffic), one thread each, and
checks from the child's getrusage and run.json:
  1. 10x the rows cost at most 1.5x the peak memory;
  2. both runs peak within the budget, and run.json records the plan: the feature cap it
     derived from training.memory_mb (no model.max_features given), the n-grams seen and
     kept, the planned and the measured peak;
  3. both runs learn.
Before the budget covered the model, the 10N run kept every one of its ~800,000 n-grams and
peaked at about 3x the N run.
Usage: memory_budget_test.py TRAINOPS_BINARY WORK_DIR
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The same growing-vocabulary rows, and the same measurement (the child's getrusage).
from streaming_memory_test import run, write_rows  # noqa: E402

BUDGET_MB = 128


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    small, large = 40000, 400000
    write_rows(os.path.join(work, "small.csv"), small, 4)
    write_rows(os.path.join(work, "large.csv"), large, 5)
    write_rows(os.path.join(work, "valid.csv"), 2000, 3)
    for name in ("small", "large"):
        with open(os.path.join(work, f"{name}.yaml"), "w", encoding="utf-8") as f:
            f.write(f"name: {name}\ndata:\n  train: {name}.csv\n  validation: valid.csv\n"
                    "  text_column: text\n  label_column: label\ntraining:\n  epochs: 1\n")
    budget = ["--memory-mb", str(BUDGET_MB)]
    peak_small, run_small = run(binary, os.path.join(work, "small.yaml"), os.path.join(work, "r_small"), budget)
    peak_large, run_large = run(binary, os.path.join(work, "large.yaml"), os.path.join(work, "r_large"), budget)
    print(f"peak MiB (budget {BUDGET_MB}): {small} rows {peak_small:.1f}, {large} rows {peak_large:.1f} "
          f"({peak_large / peak_small:.2f}x)")
    for rows, peak, r in ((small, peak_small, run_small), (large, peak_large, run_large)):
        m = r["memory"]
        print(f"  {rows} rows: {json.dumps(m)}")
        assert m["budget_mb"] == BUDGET_MB, m
        assert m["feature_cap_from"] == "training.memory_mb", m
        assert 0 < m["features_kept"] <= m["feature_cap"], m
        assert m["features_kept"] <= m["features_seen"], m
        assert m["planned_peak_mb"] <= BUDGET_MB, m
        assert abs(m["measured_peak_mb"] - peak) <= 2, (m, peak)
        assert peak <= BUDGET_MB, f"{rows} rows peaked at {peak:.1f} MiB, over the {BUDGET_MB} MiB budget"
        acc = r["chosen_checkpoint"]["validation_accuracy"]
        assert acc > 0.5, f"{rows} rows did not learn: accuracy {acc}"
    assert run_large["memory"]["features_seen"] > run_large["memory"]["features_kept"], "the cap never bound"
    assert peak_large <= 1.5 * peak_small, f"10x the rows took {peak_large / peak_small:.2f}x the memory"
    shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
