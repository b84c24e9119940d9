#!/usr/bin/env python3
"""Release-gate targets of issue 6, on the shared datasets (run bench/run_bench.sh first,
or at least bench/prepare_splits.py, so that bench/work/<dataset>/ has the seeded
train/valid/test splits carved from the training files):

  1. a candidate trained on a tenth of the training data is blocked against a full-data
     production model (exit code 1 from `trainops gate`, with a failing regression gate);
  2. candidates that differ from production only by their random seed pass the regression
     gate in at least 19 of 20 seeds (no false blocks from noise);
  3. a gate run on 10,000 test rows with 1,000 behavioural cases takes under 10 seconds.

Usage: /usr/bin/python3 bench/gate_bench.py [--datasets banking77 clinc150 bitext] [--seeds 20]
Writes bench/work/gate/results.json and prints a Markdown table for bench/RESULTS.md.
"""
import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(args, check=True):
    started = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if check and p.returncode not in (0, 1):
        sys.exit(f"command failed ({p.returncode}): {' '.join(args)}\n{p.stderr}")
    return p, seconds


def write_spec(path, train, valid, test, seed, behaviour=None):
    lines = [
        f"name: gate-bench-{os.path.basename(os.path.dirname(path))}",
        "data:",
        f"  train: {train}",
        f"  validation: {valid}",
        f"  test: {test}",
        "  text_column: text",
        "  label_column: label",
        f"seed: {seed}",
        "threads: 2",
        "gates:",
        "  regression: {baseline: production, tolerance: 0.01, label_tolerance: 0.05, alpha: 0.05}",
    ]
    if behaviour:
        lines.append(f"  behaviour: {{file: {behaviour}, min_pass_rate: {{mft: 0.5, inv: 0.5, dir: 0.5}}}}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def tenth(src, dst, seed):
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    by_label = {}
    for r in body:
        by_label.setdefault(r[1], []).append(r)
    rng = random.Random(seed)
    keep = []
    for label in sorted(by_label):
        group = by_label[label]
        rng.shuffle(group)
        keep.extend(group[: max(2, round(len(group) / 10))])
    with open(dst, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(keep)
    return len(keep)


def regression_status(report):
    gates = [g for g in report["gates"] if g["kind"] == "regression"]
    return all(g["status"] != "FAIL" for g in gates), gates


def bench_dataset(trainops, work, name, seeds):
    src = os.path.join(HERE, "work", name)
    if not os.path.exists(os.path.join(src, "train.csv")):
        sys.exit(f"{src}/train.csv missing: run bench/run_bench.sh (or bench/prepare_splits.py) first")
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    spec = os.path.join(d, "task.yaml")
    write_spec(spec, os.path.join(src, "train.csv"), os.path.join(src, "valid.csv"), os.path.join(src, "test.csv"), 1)
    train = [trainops, "--quiet", "train", "--task", spec, "--allow-data-errors"]
    p, prod_seconds = run(train + ["--out", os.path.join(d, "production")])
    if p.returncode:
        sys.exit(p.stderr)
    p, _ = run([trainops, "--quiet", "release", "--task", spec, "--candidate", os.path.join(d, "production/model.bin")])
    if p.returncode:
        sys.exit(f"first release failed: {p.stdout}{p.stderr}")

    n_tenth = tenth(os.path.join(src, "train.csv"), os.path.join(d, "train_tenth.csv"), 7)
    run(train + ["--data", os.path.join(d, "train_tenth.csv"), "--out", os.path.join(d, "tenth")])
    p, gate_seconds = run([trainops, "--quiet", "gate", "--task", spec, "--candidate", os.path.join(d, "tenth/model.bin"),
                           "--json", os.path.join(d, "tenth_gate.json")])
    report = json.load(open(os.path.join(d, "tenth_gate.json")))
    _, gates = regression_status(report)
    tenth_result = {
        "rows": n_tenth, "exit_code": p.returncode, "blocked": p.returncode == 1,
        "gates": {g["name"].split(" (")[0]: {"status": g["status"], "value": g["value"], "detail": g["detail"]} for g in gates},
        "gate_seconds": round(gate_seconds, 2),
    }

    passes, seed_rows = 0, []
    for s in range(2, 2 + seeds):
        out = os.path.join(d, f"seed{s}")
        run(train + ["--seed", str(s), "--out", out])
        p, _ = run([trainops, "--quiet", "gate", "--task", spec, "--candidate", os.path.join(out, "model.bin"),
                    "--json", os.path.join(out, "gate.json")])
        ok, gates = regression_status(json.load(open(os.path.join(out, "gate.json"))))
        passes += ok
        seed_rows.append({"seed": s, "passed": ok,
                          "accuracy_change": next((g["value"] for g in gates if g["name"].startswith("accuracy")), None),
                          "failed": [g["name"] for g in gates if g["status"] == "FAIL"]})
        shutil.rmtree(os.path.join(out, "checkpoints"), ignore_errors=True)
    return {"dataset": name, "production_train_seconds": round(prod_seconds, 1), "tenth": tenth_result,
            "seeds": {"runs": seeds, "passed": passes, "rows": seed_rows}}


def bench_gate_speed(trainops, work):
    """10,000 test rows (CLINC150 train+test rows: timing only, no metric is read) and
    1,000 behavioural cases against a production baseline."""
    src = os.path.join(HERE, "work", "clinc150")
    d = os.path.join(work, "speed")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    rows = []
    for part in ("test.csv", "train.csv"):
        with open(os.path.join(src, part), newline="") as f:
            rows.extend(list(csv.reader(f))[1:])
    rows = rows[:10000]
    test = os.path.join(d, "test10k.csv")
    with open(test, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    rng = random.Random(11)
    cases = []
    for i, (text, label) in enumerate(rng.sample(rows, 1000)):
        kind = ("mft", "inv", "dir")[i % 3]
        if kind == "mft":
            cases.append({"type": "mft", "text": text, "label": label})
        elif kind == "inv":
            cases.append({"type": "inv", "text": text})
        else:
            cases.append({"type": "dir", "text": text, "append": " " + text, "label": label, "expect": "up"})
    behaviour = os.path.join(d, "behaviour.jsonl")
    with open(behaviour, "w") as f:
        for c in cases:
            f.write(json.dumps(c) + "\n")
    spec = os.path.join(d, "task.yaml")
    write_spec(spec, os.path.join(src, "train.csv"), os.path.join(src, "valid.csv"), test, 1, behaviour)
    train = [trainops, "--quiet", "train", "--task", spec, "--allow-data-errors"]
    run(train + ["--out", os.path.join(d, "a")])
    run([trainops, "--quiet", "promote", os.path.join(d, "a/model.bin"), "--task", spec, "--force", "--reason",
         "benchmark baseline"])
    run(train + ["--seed", "2", "--out", os.path.join(d, "b")])
    p, seconds = run([trainops, "--quiet", "gate", "--task", spec, "--candidate", os.path.join(d, "b/model.bin"),
                      "--json", os.path.join(d, "gate.json")])
    report = json.load(open(os.path.join(d, "gate.json")))
    return {"test_rows": report["eval"]["n"], "behaviour_cases": len(cases), "wall_seconds": round(seconds, 2),
            "exit_code": p.returncode, "baseline": report["baseline"] is not None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", nargs="*", default=["banking77", "clinc150", "bitext"])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--trainops", default=os.path.join(REPO, "build", "trainops"))
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    work = os.path.join(HERE, "work", "gate")
    os.makedirs(work, exist_ok=True)
    results = {"datasets": [bench_dataset(args.trainops, work, n, args.seeds) for n in args.datasets]}
    if not args.skip_speed:
        results["speed"] = bench_gate_speed(args.trainops, work)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print("| dataset | tenth-data candidate | its accuracy change | seed-only candidates passing |")
    print("|---|---|---|---|")
    for r in results["datasets"]:
        acc = r["tenth"]["gates"].get("accuracy no worse than baseline", {}).get("value")
        print(f"| {r['dataset']} | {'blocked' if r['tenth']['blocked'] else 'NOT blocked'} (exit {r['tenth']['exit_code']}) "
              f"| {acc:+.4f} | {r['seeds']['passed']} of {r['seeds']['runs']} |")
    if "speed" in results:
        s = results["speed"]
        print(f"\ngate on {s['test_rows']} test rows with {s['behaviour_cases']} behavioural cases and a baseline: "
              f"{s['wall_seconds']} s wall (exit {s['exit_code']})")


if __name__ == "__main__":
    main()
