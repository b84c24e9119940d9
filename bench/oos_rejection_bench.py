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
    ("dev oos"): training never saw them either, and 80 rows are less noisy than 20. Both
    models are also scored on the shared folder's clinc150/val.csv (3,000 in-scope + 100
    oos rows), which nothing here trains or selects on.
  * fastText under the same rule, side by side: the same in-scope rows, the same kind of
    seeded stratified 10% validation split, the benchmark's fixed parameters
    (intent_bench.FASTTEXT_FIXED, 2 threads); the threshold on its top probability is the
    highest one that keeps validation in-scope accuracy within 2 points of its value
    without rejection (the product's accuracy_drop rule).
  * scikit-learn's TF-IDF word+char logistic regression (sklearn_baseline.py's settings),
    likewise: same rows, same validation split, same rule on its top probability.

Usage: /usr/bin/python3 bench/oos_rejection_bench.py [--trainops build/trainops]
           [--work bench/work/oos] [--data-dir ../shared/data] [--threads 2] [--seed 1]
           [--train-arg=--ensemble=none ...] [--trainops-only]
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
sys.path.insert(0, HERE)
import intent_bench  # noqa: E402  (FASTTEXT_FIXED: the benchmark's fastText parameters)
import prepare_splits  # noqa: E402  (the benchmark's split and fastText text format)
import sklearn_baseline  # noqa: E402  (imports scikit-learn only when a pipeline is built)


def run(argv):
    print("+ " + " ".join(argv), file=sys.stderr)
    # fastText redraws a progress line on stderr hundreds of times; keep only trainops'.
    quiet = subprocess.DEVNULL if argv[0] == "fasttext" else None
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=quiet)


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


def split_validation(rows, fraction, seed):
    """Seeded stratified split, as prepare_splits does it (per label, sorted)."""
    groups = {}
    for i, (_, label) in enumerate(rows):
        groups.setdefault(label, []).append(i)
    kept, taken = prepare_splits.stratified_split(groups, fraction, seed)
    return [rows[i] for i in kept], [rows[i] for i in taken]


def write_ft(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for text, label in rows:
            f.write(f"__label__{label} {prepare_splits.one_line(text)}\n")


def fasttext_top(model, rows, work, name):
    txt = os.path.join(work, name + ".txt")
    with open(txt, "w", encoding="utf-8") as f:
        for text, _ in rows:
            f.write(prepare_splits.one_line(text) + "\n")
    out = subprocess.run(["fasttext", "predict-prob", model, txt, "1"], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    if len(out) != len(rows):
        sys.exit(f"fasttext predict-prob gave {len(out)} lines for {len(rows)} texts")
    top = []
    for line in out:
        label, prob = line.split(" ")[:2]
        top.append((label[len("__label__"):], float(prob)))
    return top


def rejection_metrics(rows, top, threshold, oos_label="oos"):
    in_scope = [(l, p) for (_, l), p in zip(rows, top) if l != oos_label]
    oos = [p for (_, l), p in zip(rows, top) if l == oos_label]
    correct = sum(1 for l, (pl, pp) in in_scope if pp >= threshold and pl == l)
    rejected = sum(1 for pl, pp in oos if pp < threshold)
    return {"in_scope_accuracy": correct / len(in_scope) if in_scope else None,
            "oos_recall": rejected / len(oos) if oos else None,
            "in_scope_rows": len(in_scope), "oos_rows": len(oos), "threshold": threshold}


def fasttext_same_rule(rows, evals, work, threads, seed, max_drop=0.02):
    """fastText trained on `rows` (in-scope only), threshold by the accuracy_drop rule."""
    os.makedirs(work, exist_ok=True)
    train, valid = split_validation(rows, 0.1, seed)
    write_ft(os.path.join(work, "train.ft"), train)
    model = os.path.join(work, "model")
    run(["fasttext", "supervised", "-input", os.path.join(work, "train.ft"), "-output", model,
         *intent_bench.FASTTEXT_FIXED, "-thread", str(threads), "-seed", str(seed)])
    threshold, base = pick_threshold(valid, fasttext_top(model + ".bin", valid, work, "valid"), max_drop)
    result = {"fasttext_args": " ".join(intent_bench.FASTTEXT_FIXED), "threshold": threshold,
              "validation_in_scope_accuracy_without_rejection": base}
    for name, eval_rows in evals.items():
        top = fasttext_top(model + ".bin", eval_rows, work, name)
        result[name] = rejection_metrics(eval_rows, top, threshold)
        result[name]["without_rejection"] = rejection_metrics(eval_rows, top, 0.0)["in_scope_accuracy"]
    return result


def pick_threshold(valid, top, max_drop=0.02):
    """accuracy_drop rule: the highest validation score that keeps in-scope accuracy within
    max_drop of its value without rejection (rejected rows count as wrong)."""
    base = rejection_metrics(valid, top, 0.0)["in_scope_accuracy"]
    for t in sorted({p for _, p in top}, reverse=True):
        if rejection_metrics(valid, top, t)["in_scope_accuracy"] >= base - max_drop - 1e-12:
            return t, base
    return 0.0, base


def sklearn_same_rule(rows, evals, seed):
    """The benchmark's logistic regression on the same rows and split, same rule."""
    train, valid = split_validation(rows, 0.1, seed)
    model = sklearn_baseline.build_pipeline("logreg")
    model.fit([t for t, _ in train], [l for _, l in train])

    def top(eval_rows):
        probs = model.predict_proba([t for t, _ in eval_rows])
        return [(model.classes_[p.argmax()], float(p.max())) for p in probs]

    threshold, base = pick_threshold(valid, top(valid))
    result = {"params": "sklearn_baseline.build_pipeline()", "threshold": threshold,
              "validation_in_scope_accuracy_without_rejection": base}
    for name, eval_rows in evals.items():
        t = top(eval_rows)
        result[name] = rejection_metrics(eval_rows, t, threshold)
        result[name]["without_rejection"] = rejection_metrics(eval_rows, t, 0.0)["in_scope_accuracy"]
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trainops", default=os.path.join(REPO, "build", "trainops"))
    p.add_argument("--work", default=os.path.join(HERE, "work", "oos"))
    p.add_argument("--data-dir", default=os.path.normpath(os.path.join(REPO, "..", "shared", "data")))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--train-arg", action="append", default=[], metavar="ARG",
                   help="an extra argument for trainops train (repeat for each), e.g. --train-arg=--ensemble=none")
    p.add_argument("--trainops-only", action="store_true", help="skip the fastText and scikit-learn rows")
    a = p.parse_args()
    trainops = os.path.abspath(a.trainops)
    os.makedirs(a.work, exist_ok=True)
    run(["/usr/bin/python3", os.path.join(HERE, "prepare_splits.py"), "--data-dir", a.data_dir, "--work", a.work,
         "--datasets", "clinc150"])
    d = os.path.join(a.work, "clinc150")
    rest = read_rows(os.path.join(d, "train.csv")) + read_rows(os.path.join(d, "valid.csv"))
    write_rows(os.path.join(d, "train_in_scope.csv"), [r for r in rest if r[1] != "oos"])
    write_rows(os.path.join(d, "dev_oos.csv"), [r for r in rest if r[1] == "oos"])
    with open(os.path.join(a.data_dir, "clinc150", "val.csv"), newline="", encoding="utf-8") as f:
        shared_val = [(r["text"], r["intent"]) for r in csv.DictReader(f)]
    write_rows(os.path.join(d, "shared_val.csv"), shared_val)
    results = {"trainops": trainops, "seed": a.seed, "threads": a.threads, "train_args": a.train_arg}
    common = ["--text-column", "text", "--label-column", "label", "--oos-label", "oos", "--threads",
              str(a.threads), "--seed", str(a.seed), "--quiet", *a.train_arg]
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
        entry["shared_val"] = evaluate(trainops, model, os.path.join(d, "shared_val.csv"), a.threads)
        results[name] = entry
    in_scope = [r for r in rest if r[1] != "oos"]
    if a.trainops_only:
        print(json.dumps(results, indent=2))
        return
    evals = {"test": read_rows(os.path.join(d, "test.csv")), "dev_oos": [r for r in rest if r[1] == "oos"],
             "shared_val": shared_val}
    results["fasttext_no_oos"] = fasttext_same_rule(in_scope, evals, os.path.join(a.work, "runs", "fasttext_no_oos"),
                                                    a.threads, a.seed)
    results["sklearn_no_oos"] = sklearn_same_rule(in_scope, evals, a.seed)
    text = json.dumps(results, indent=2)
    with open(os.path.join(a.work, "oos_results.json"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
