#!/usr/bin/python3
"""Cross-validated accuracy of trainops (defaults) and scikit-learn on the training splits.

Why: our holdout (bench/prepare_splits.py's test.csv) has 723 Bitext rows, where one row is
0.14 points; two systems a couple of rows apart there are not told apart. K-fold
cross-validation over the **train + valid** splits (test.csv is never read) scores every
one of those rows once per repeat, and repeats with other fold seeds average out how the
folds happen to fall. This is also how the defaults were chosen (bench/RESULTS.md, "Defaults"):
on validation data carved from the training files, never on the holdout.

Per repeat r (fold seed = --seed + r) and fold f: the held-out fold is scored; trainops
trains on the other folds with a stratified 10% of them as its validation split
(checkpoint selection and calibration only); scikit-learn (sklearn_baseline.py's pipeline)
fits on the same rows trainops trains on plus that validation split, as in the main
benchmark, where it never needs one. One trainops thread, so runs are bit-identical.

Usage: /usr/bin/python3 bench/cv_bench.py [--datasets bitext] [--folds 5] [--repeats 4]
           [--systems trainops sklearn linear_svc] [--trainops build/trainops] [--work bench/work]
           [--trainops-arg=--epochs=30 ...]
Needs the splits from bench/prepare_splits.py in <work>/<dataset>/. Prints a JSON summary
(also written to <work>/cv/cv_results.json).
"""

import argparse
import collections
import csv
import json
import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import sklearn_baseline  # noqa: E402  (imports scikit-learn only when a pipeline is built)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["text"], r["label"]) for r in csv.DictReader(f)]


def write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", "label"])
        w.writerows(rows)


def stratified_folds(rows, k, seed):
    """Fold index per row: each label's rows are shuffled and dealt round-robin, with the
    dealing continuing across labels so fold sizes stay within one row of each other."""
    by_label = collections.defaultdict(list)
    for i, (_, label) in enumerate(rows):
        by_label[label].append(i)
    rng = random.Random(seed)
    fold = [0] * len(rows)
    offset = 0
    for label in sorted(by_label):
        idx = by_label[label]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = (j + offset) % k
        offset += len(idx)
    return fold


def run_trainops(trainops, work, train, valid, test, seed, extra_args=()):
    for name, rows in (("train", train), ("valid", valid), ("test", test)):
        write_rows(os.path.join(work, f"{name}.csv"), rows)
    out = os.path.join(work, "out")
    subprocess.run([trainops, "train", "--data", os.path.join(work, "train.csv"), "--validation",
                    os.path.join(work, "valid.csv"), "--text-column", "text", "--label-column", "label",
                    "--out", out, "--threads", "1", "--seed", str(seed), "--quiet", "--no-registry",
                    "--allow-data-errors", *extra_args], check=True)
    pred = os.path.join(work, "pred.csv")
    subprocess.run([trainops, "predict", "--model", os.path.join(out, "model.bin"), "--data",
                    os.path.join(work, "test.csv"), "--text-column", "text", "--threshold", "0",
                    "--output", pred], check=True)
    with open(pred, newline="", encoding="utf-8") as f:
        return [r["label"] for r in csv.DictReader(f)]


def run_sklearn(train, test, classifier):
    model = sklearn_baseline.build_pipeline(classifier)
    model.fit([t for t, _ in train], [l for _, l in train])
    return list(model.predict([t for t, _ in test]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", nargs="+", default=["bitext"])
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=4)
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--systems", nargs="+", default=["trainops", "sklearn"], choices=["trainops", "sklearn", "linear_svc"])
    p.add_argument("--trainops-arg", action="append", default=[], metavar="ARG",
                   help="an extra argument for trainops train (repeat for each), e.g. --trainops-arg=--epochs=30")
    p.add_argument("--trainops", default=os.path.join(REPO, "build", "trainops"))
    p.add_argument("--work", default=os.path.join(HERE, "work"))
    a = p.parse_args()
    trainops = os.path.abspath(a.trainops)
    results = {"folds": a.folds, "repeats": a.repeats, "seed": a.seed, "trainops_args": a.trainops_arg,
               "datasets": {}}
    for dataset in a.datasets:
        split_dir = os.path.join(a.work, dataset)
        if not os.path.exists(os.path.join(split_dir, "train.csv")):
            sys.exit(f"{split_dir}/train.csv: missing; run bench/prepare_splits.py first")
        rows = read_rows(os.path.join(split_dir, "train.csv")) + read_rows(os.path.join(split_dir, "valid.csv"))
        errors = {s: 0 for s in a.systems}
        per_repeat = {s: [] for s in a.systems}
        scored = 0
        for r in range(a.repeats):
            fold = stratified_folds(rows, a.folds, a.seed + r)
            repeat_errors = {s: 0 for s in a.systems}
            for f in range(a.folds):
                test = [row for row, g in zip(rows, fold) if g == f]
                rest = [row for row, g in zip(rows, fold) if g != f]
                inner = stratified_folds(rest, 10, a.seed + 1000 * (r + 1) + f)
                train = [row for row, g in zip(rest, inner) if g != 0]
                valid = [row for row, g in zip(rest, inner) if g == 0]
                gold = [l for _, l in test]
                scored += len(test)
                for system in a.systems:
                    if system == "trainops":
                        work = os.path.join(a.work, "cv", dataset, f"r{r}f{f}")
                        shutil.rmtree(work, ignore_errors=True)
                        os.makedirs(work)
                        got = run_trainops(trainops, work, train, valid, test, seed=1, extra_args=a.trainops_arg)
                        shutil.rmtree(work, ignore_errors=True)
                    else:
                        got = run_sklearn(train + valid, test, "linear_svc" if system == "linear_svc" else "logreg")
                    wrong = sum(g != p for g, p in zip(gold, got))
                    repeat_errors[system] += wrong
                print(f"cv_bench: {dataset} repeat {r} fold {f}: " +
                      ", ".join(f"{s} {repeat_errors[s]} errors so far" for s in a.systems), file=sys.stderr)
            for s in a.systems:
                errors[s] += repeat_errors[s]
                per_repeat[s].append(repeat_errors[s])
        results["datasets"][dataset] = {
            "rows": len(rows), "predictions": scored,
            "systems": {s: {"errors": errors[s], "accuracy": 1 - errors[s] / scored,
                            "errors_per_repeat": per_repeat[s]} for s in a.systems}}
    text = json.dumps(results, indent=2)
    os.makedirs(os.path.join(a.work, "cv"), exist_ok=True)
    with open(os.path.join(a.work, "cv", "cv_results.json"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
