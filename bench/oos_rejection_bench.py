#!/usr/bin/python3
"""Out-of-scope rejection on CLINC150 (issue 4): reproduces the numbers in bench/RESULTS.md.

Protocol (nothing is tuned on anything but the shared training file):
  * bench/prepare_splits.py carves a seeded, stratified 20% holdout of CLINC150's train.csv
    (in-scope and `oos` rows): our **test**. The rest is train + valid.
  * no-oos: training sees the in-scope rows of train + valid only (oos rows dropped); the
    product carves its own seeded 10% validation split from them and picks the threshold
    with the default rule (no oos in validation -> accuracy_drop, 2 points).
  * with-oos: training sees train.csv with `oos` as a class and valid.csv as validation
    (default rule -> balanced, since validation has oos rows).
  * Reported on test: in-scope accuracy and out-of-scope recall at the model's threshold
    (CLINC150's definitions). For the no-oos model also on the 80 oos rows of train + valid
    ("dev oos"): training never saw them either, and 80 rows are less noisy than 20.

Usage: /usr/bin/python3 bench/oos_rejection_bench.py [--trainops build/trainops]
           [--work bench/work/oos] [--data-dir ../shared/data] [--threads 2] [--seed 1]
Prints one JSON document (also written to <work>/oos_results.json).
"""

import argparse
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(argv):
    print("+ " + " ".join(argv), file=sys.stderr)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", "label"])
        w.writerows(rows)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["text"], r["label"]) for r in csv.DictReader(f)]


def evaluate(trainops, model, data, threads):
    out = subprocess.run([trainops, "eval", "--model", model, "--data", data, "--json", "-", "--resamples", "0",
                          "--threads", str(threads), "--quiet"], check=True, capture_output=True, text=True)
    j = json.loads(out.stdout)
    o = j["oos"]
    return {"in_scope_accuracy": o["in_scope_accuracy"], "oos_recall": o["oos_recall"],
            "oos_precision": o["oos_precision"], "overall_accuracy": o["overall_accuracy"],
            "in_scope_rows": o["in_scope_rows"], "oos_rows": o["oos_rows"], "threshold": o["threshold"],
            "score": o.get("score", "probability"),
            "without_rejection": {k: o["without_rejection"][k] for k in ("in_scope_accuracy", "oos_recall")}
            if "without_rejection" in o else None}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trainops", default=os.path.join(REPO, "build", "trainops"))
    p.add_argument("--work", default=os.path.join(HERE, "work", "oos"))
    p.add_argument("--data-dir", default=os.path.normpath(os.path.join(REPO, "..", "shared", "data")))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    trainops = os.path.abspath(a.trainops)
    os.makedirs(a.work, exist_ok=True)
    run(["/usr/bin/python3", os.path.join(HERE, "prepare_splits.py"), "--data-dir", a.data_dir, "--work", a.work,
         "--datasets", "clinc150"])
    d = os.path.join(a.work, "clinc150")
    rest = read_rows(os.path.join(d, "train.csv")) + read_rows(os.path.join(d, "valid.csv"))
    write_rows(os.path.join(d, "train_in_scope.csv"), [r for r in rest if r[1] != "oos"])
    write_rows(os.path.join(d, "dev_oos.csv"), [r for r in rest if r[1] == "oos"])
    results = {"trainops": trainops, "seed": a.seed, "threads": a.threads}
    common = ["--text-column", "text", "--label-column", "label", "--oos-label", "oos", "--threads",
              str(a.threads), "--seed", str(a.seed), "--quiet"]
    for name, extra in (("no_oos", ["--data", os.path.join(d, "train_in_scope.csv")]),
                        ("with_oos", ["--data", os.path.join(d, "train.csv"), "--validation",
                                      os.path.join(d, "valid.csv")])):
        out = os.path.join(a.work, "runs", name)
        if os.path.exists(out):
            subprocess.run(["rm", "-rf", out], check=True)
        run([trainops, "train", *extra, "--out", out, *common])
        model = os.path.join(out, "model.bin")
        with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
            rejection = json.load(f)["rejection"]
        entry = {"rejection": {k: rejection.get(k) for k in ("rule", "score", "threshold",
                                                              "validation_in_scope_accuracy",
                                                              "validation_oos_recall", "validation_oos_rows")},
                 "test": evaluate(trainops, model, os.path.join(d, "test.csv"), a.threads)}
        if name == "no_oos":
            entry["dev_oos"] = evaluate(trainops, model, os.path.join(d, "dev_oos.csv"), a.threads)
        results[name] = entry
    text = json.dumps(results, indent=2)
    with open(os.path.join(a.work, "oos_results.json"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
