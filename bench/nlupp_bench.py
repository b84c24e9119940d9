#!/usr/bin/python3
"""Multi-label bench (issue 25): NLU++ hotels, the dataset's "large" regime.

For k = 0, 2, ..., 18: the test set is folds k and k+1, the other 18 folds are training
data, and a validation carve (a seeded 10% of those 18 folds, the same rows for every
system) is taken out of them; each system trains on the other 90% and may use the carve
for early stopping and thresholds. Scored on the held-out pair: micro-F1 over intents
(a message with no intent counts: predicting none for it is right) and exact-set accuracy;
the table gives the mean over the 10 splits.

Systems, in the same run:
  trainops          `trainops train` (task.multi_label: true, default settings otherwise;
                    --allow-data-errors, because NLU++ itself has four labels under the
                    pre-train check's 10 examples and three texts annotated twice with
                    different sets) then `trainops predict`; wall time of the whole train
                    process.
  logreg            one-vs-rest LogisticRegression(C=10) on TF-IDF word 1-2 + char_wb 2-5
                    (sublinear tf), one global threshold tuned on the carve for micro-F1;
                    fit time in-process (vectorize + fit), as the issue measured it.
  logreg_0.5        the same model at threshold 0.5.
  fasttext          fasttext supervised -loss ova -epoch 25 -lr 0.5 -wordNgrams 2, threshold
                    0.5 (predict-prob -1 0.5); trained on the same 90%; fastText skips rows
                    without a label, so it never sees the messages with no intent.

  /usr/bin/python3 bench/nlupp_bench.py --binary build/trainops [--data DIR] [--results bench/RESULTS.md]
      [--splits 0,2,...] [--json OUT]

Writes the "nlupp" section of bench/RESULTS.md. Needs ../shared/data/nlupp_hotels,
python3-sklearn and the fasttext binary (Debian packages).
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import bench_lib
from bench_lib import HERE, REPO

DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data", "nlupp_hotels")
VALIDATION_SHARE = 0.1
SEED = 42
TARGET_MICRO_F1 = 0.770
TARGET_EXACT = 0.55
TIME_SHARE = 0.1  # training at most a tenth of the logistic regression's time


def read_fold(data, k):
    with open(os.path.join(data, f"fold{k:02d}.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"text": r["text"], "intents": r["intents"]}) + "\n")


def fasttext_line(row):
    text = " ".join(row["text"].replace("\n", " ").split())
    labels = " ".join("__label__" + x for x in row["intents"])
    return (labels + " " + text).strip() + "\n"


def scores(gold, predicted):
    """Micro-F1 over (message, intent) decisions and exact-set accuracy."""
    tp = fp = fn = exact = 0
    for g, p in zip(gold, predicted):
        g, p = set(g), set(p)
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
        exact += g == p
    micro = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return micro, exact / len(gold)


def run_trainops(binary, work, train, valid, test):
    spec = os.path.join(work, "task.yaml")
    with open(spec, "w", encoding="utf-8") as f:
        f.write("name: nlupp_hotels\n"
                "data:\n  train: train.jsonl\n  validation: valid.jsonl\n"
                "  text_column: text\n  label_column: intents\n"
                "task:\n  multi_label: true\n"
                "threads: 2\n")
    out = os.path.join(work, "run")
    measured = bench_lib.timed_run([binary, "train", "--task", spec, "--out", out, "--allow-data-errors",
                                    "--no-registry"],
                                   os.path.join(work, "train.log"), cwd=work)
    if measured["exit_code"] != 0:
        raise SystemExit(f"trainops train failed: see {os.path.join(work, 'train.log')}")
    pred = os.path.join(work, "pred.csv")
    subprocess.run([binary, "predict", "--model", os.path.join(out, "model.bin"), "--data",
                    os.path.join(work, "test.jsonl"), "--output", pred], check=True, capture_output=True)
    import csv
    with open(pred, encoding="utf-8", newline="") as f:
        predicted = [[x for x in row["labels"].split("|") if x] for row in csv.DictReader(f)]
    return predicted, measured["wall_seconds"], os.path.getsize(os.path.join(out, "model.bin"))


def run_logreg(train, valid, test):
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    import warnings
    warnings.filterwarnings("ignore")
    start = time.perf_counter()
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    texts = [r["text"] for r in train]
    x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    binarizer = MultiLabelBinarizer()
    y = binarizer.fit_transform([r["intents"] for r in train])
    model = OneVsRestClassifier(LogisticRegression(C=10, max_iter=1000), n_jobs=1).fit(x, y)
    fit_seconds = time.perf_counter() - start

    def probabilities(rows):
        t = [r["text"] for r in rows]
        return model.predict_proba(hstack([words.transform(t), chars.transform(t)]).tocsr())

    def decide(p, threshold):
        return [[binarizer.classes_[j] for j in np.nonzero(row >= threshold)[0]] for row in p]

    pv = probabilities(valid)
    best, best_t = -1, 0.5
    for t in np.arange(0.05, 0.951, 0.01):
        micro, _ = scores([r["intents"] for r in valid], decide(pv, t))
        if micro > best:
            best, best_t = micro, float(t)
    pt = probabilities(test)
    return decide(pt, best_t), decide(pt, 0.5), fit_seconds, best_t


def run_fasttext(work, train, test):
    with open(os.path.join(work, "train.ft"), "w", encoding="utf-8") as f:
        for r in train:
            f.write(fasttext_line(r))
    with open(os.path.join(work, "test.txt"), "w", encoding="utf-8") as f:
        for r in test:
            f.write(" ".join(r["text"].replace("\n", " ").split()) + "\n")
    model = os.path.join(work, "ft")
    measured = bench_lib.timed_run(["fasttext", "supervised", "-input", os.path.join(work, "train.ft"), "-output",
                                    model, "-loss", "ova", "-epoch", "25", "-lr", "0.5", "-wordNgrams", "2",
                                    "-thread", "2", "-seed", str(SEED)],
                                   os.path.join(work, "fasttext.log"))
    out = subprocess.run(["fasttext", "predict-prob", model + ".bin", os.path.join(work, "test.txt"), "-1", "0.5"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    predicted = []
    for line in out:
        parts = line.split()
        predicted.append([parts[i][len("__label__"):] for i in range(0, len(parts), 2)])
    for suffix in (".bin", ".vec"):  # hundreds of MB a split
        if os.path.exists(model + suffix):
            os.remove(model + suffix)
    # predict-prob prints an empty line for a text with no label over the threshold.
    while len(predicted) < len(test):
        predicted.append([])
    return predicted, measured["wall_seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "trainops"))
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--json", default=os.path.join(HERE, "work", "nlupp.json"))
    ap.add_argument("--splits", default=",".join(str(k) for k in range(0, 20, 2)))
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"{args.data}: no NLU++ hotels folds here (../shared/data/nlupp_hotels); pass --data")
    binary = os.path.abspath(args.binary)
    if not shutil.which("fasttext"):
        sys.exit("fasttext is not installed: apt-get install fasttext (a bench tool, not a product dependency)")
    folds = [read_fold(args.data, k) for k in range(20)]
    work_root = args.work or tempfile.mkdtemp(prefix="nlupp_bench_")
    per_split = []
    for k in [int(x) for x in args.splits.split(",")]:
        test = folds[k] + folds[k + 1]
        pool = [r for j in range(20) if j not in (k, k + 1) for r in folds[j]]
        order = list(range(len(pool)))
        random.Random(SEED + k).shuffle(order)
        take = round(VALIDATION_SHARE * len(pool))
        valid_ids = set(order[:take])
        valid = [pool[i] for i in sorted(valid_ids)]
        train = [pool[i] for i in range(len(pool)) if i not in valid_ids]
        work = os.path.join(work_root, f"split{k:02d}")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        write_jsonl(os.path.join(work, "train.jsonl"), train)
        write_jsonl(os.path.join(work, "valid.jsonl"), valid)
        write_jsonl(os.path.join(work, "test.jsonl"), test)
        gold = [r["intents"] for r in test]
        row = {"split": k, "train": len(train), "validation": len(valid), "test": len(test)}
        # Each system starts with no other system's writes pending: fastText's model file
        # (hundreds of MB) was still being written back when the next split's trainops
        # run synced its own files, and that run paid for it (0.2 s -> 0.7 s).
        os.sync()
        predicted, seconds, size = run_trainops(binary, work, train, valid, test)
        row["trainops"] = dict(zip(("micro_f1", "exact"), scores(gold, predicted)), seconds=seconds, model_bytes=size)
        os.sync()
        tuned, half, fit_seconds, threshold = run_logreg(train, valid, test)
        row["logreg"] = dict(zip(("micro_f1", "exact"), scores(gold, tuned)), seconds=fit_seconds, threshold=threshold)
        row["logreg_0.5"] = dict(zip(("micro_f1", "exact"), scores(gold, half)), seconds=fit_seconds)
        os.sync()
        ft, ft_seconds = run_fasttext(work, train, test)
        row["fasttext"] = dict(zip(("micro_f1", "exact"), scores(gold, ft)), seconds=ft_seconds)
        per_split.append(row)
        print(f"split {k:2d}: " + "  ".join(
            f"{s} {row[s]['micro_f1']:.3f}/{row[s]['exact']:.3f} {row[s]['seconds']:.2f}s"
            for s in ("trainops", "logreg", "logreg_0.5", "fasttext")), flush=True)

    systems = ("trainops", "logreg", "logreg_0.5", "fasttext")
    mean = {s: {m: sum(r[s][m] for r in per_split) / len(per_split) for m in ("micro_f1", "exact", "seconds")}
            for s in systems}
    command = "/usr/bin/python3 bench/nlupp_bench.py --binary " + bench_lib.rel(binary)
    if args.splits != ",".join(str(k) for k in range(0, 20, 2)):
        command += " --splits " + args.splits
    t = mean["trainops"]
    time_limit = TIME_SHARE * mean["logreg"]["seconds"]
    reached = {
        "micro_f1": t["micro_f1"] >= TARGET_MICRO_F1,
        "exact": t["exact"] >= TARGET_EXACT,
        "time": t["seconds"] <= time_limit,
    }
    result = {"when": bench_lib.now(), "command": command, "machine": bench_lib.machine_info(),
              "splits": per_split, "mean": mean, "targets": reached}
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)

    def mark(ok):
        return "reached" if ok else "**missed**"
    lines = ["## Multi-label: NLU++ hotels (issue 25)", "",
             f"Run {result['when']} with `{command}` ({len(per_split)} splits of the \"large\" regime: train on 18 "
             "folds minus a seeded 10% validation carve, test on the held-out pair; means over the splits). "
             "Micro-F1 over intents and exact-set accuracy on the test pairs; time is trainops' whole `train` "
             "process (reading, pre-train check, features, training, calibration, thresholds, writing), the "
             "logistic regression's in-process vectorize + fit, fastText's whole `supervised` process.", "",
             "| system | micro-F1 | exact set | train seconds |", "|---|---:|---:|---:|"]
    names = {"trainops": "trainops (defaults, per-label thresholds)",
             "logreg": "TF-IDF word+char one-vs-rest LR, C=10, global threshold tuned on validation",
             "logreg_0.5": "the same LR at threshold 0.5",
             "fasttext": "fastText -loss ova -epoch 25 -lr 0.5 -wordNgrams 2, threshold 0.5"}
    for s in systems:
        lines.append(f"| {names[s]} | {100 * mean[s]['micro_f1']:.1f}% | {100 * mean[s]['exact']:.1f}% | "
                     f"{mean[s]['seconds']:.2f} |")
    lines += ["",
              f"Targets: micro-F1 >= {100 * TARGET_MICRO_F1:.1f}%: {mark(reached['micro_f1'])} "
              f"({100 * t['micro_f1']:.1f}%); exact >= {100 * TARGET_EXACT:.0f}%: {mark(reached['exact'])} "
              f"({100 * t['exact']:.1f}%); training <= a tenth of the LR's {mean['logreg']['seconds']:.2f} s "
              f"({time_limit:.2f} s): {mark(reached['time'])} ({t['seconds']:.2f} s).", "",
              "Per split (micro-F1 / exact):", "",
              "| test folds | trainops | LR tuned | LR 0.5 | fastText |", "|---|---|---|---|---|"]
    for r in per_split:
        lines.append(f"| {r['split']},{r['split'] + 1} | " + " | ".join(
            f"{100 * r[s]['micro_f1']:.1f} / {100 * r[s]['exact']:.1f}" for s in systems) + " |")
    bench_lib.write_section(args.results, "nlupp", "bench/nlupp_bench.py", lines)
    print(json.dumps(mean, indent=2))
    if not args.work:  # a temporary folder of this run's own (--work folders are kept)
        shutil.rmtree(work_root, ignore_errors=True)
    print(json.dumps(reached))


if __name__ == "__main__":
    main()
