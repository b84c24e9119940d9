#!/usr/bin/python3
"""Benchmark of `trainops check-data` on the shared datasets (issue 5 targets).

1. label_errors: flip 5% and 10% of the labels of BANKING77's and Bitext's training files
   at random (seeded), run check-data, and measure the precision of the top 5% of rows in
   the label_errors ranking (slots the ranking does not fill count as misses), side by side
   with cleanlab's self-confidence ranking (scikit-learn TF-IDF + logistic regression,
   5-fold out-of-fold probabilities) and, with --baseline-trainops, an earlier build.
2. leakage: carve a seeded 80/20 train/test split, plant 100 test rows into train after
   case, punctuation and spacing changes, and count how many of them the leakage check
   reports; on the untouched split (and CLINC150 train vs val) every leakage finding must
   be a true duplicate (same normalized text, or shingle Jaccard >= 0.9 recomputed here).
3. scale: a synthetic 1,000,000-row file (800k train, 200k test) checked with
   --label-error-folds 0 and 2 threads; wall time and peak memory.

Usage: /usr/bin/python3 bench/check_data_bench.py [--trainops build/trainops] [--skip-scale]
       [--only label_errors|leakage|scale] [--baseline-trainops OLD] [--noise 0.05 0.1]
       [--datasets banking77 bitext clinc150] [--flip-seeds 7] [--repeats 3]
Writes its work files under bench/work/check_data/ and prints a Markdown section.
"""
import argparse
import csv
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
WORK = os.path.join(HERE, "work", "check_data")
csv.field_size_limit(10**8)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    return header, rows


def write_rows(path, header, rows):
    """Writes CSV and returns the physical start line of every row."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    starts = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        prev = reader.line_num
        for _ in reader:
            starts.append(prev + 1)
            prev = reader.line_num
    return starts


def run_check(trainops, args, json_out):
    cmd = [trainops, "check-data", "--threads", "2", "--json", json_out] + args
    start = time.time()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.time() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"check-data failed ({proc.returncode}): {proc.stderr}\n{' '.join(cmd)}")
    with open(json_out) as f:
        return json.load(f), seconds, " ".join(cmd)


def flip_labels(rows, li, noise, seed):
    """Flips round(noise * rows) labels to another label drawn at random; returns their indices."""
    labels = sorted({r[li] for r in rows})
    rng = random.Random(seed)
    flipped = set(rng.sample(range(len(rows)), round(noise * len(rows))))
    for i in flipped:  # set order, as the runs recorded before the 10% setting
        rows[i][li] = rng.choice([l for l in labels if l != rows[i][li]])
    return flipped


def cleanlab_self_confidence(texts, labels, folds=5, seed=0):
    """cleanlab's default ranking (find_label_issues(..., rank_by="self_confidence")):
    out-of-fold probabilities from TF-IDF + logistic regression, rows ranked by the
    probability of their given label, lowest first. Returns row indices in rank order."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    classes = sorted(set(labels))
    y = np.array([classes.index(l) for l in labels])
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    probs = cross_val_predict(model, texts, y, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                              method="predict_proba")
    self_confidence = probs[np.arange(len(y)), y]  # the one line of cleanlab's score
    return list(np.argsort(self_confidence, kind="stable"))


def precision_at(ranked, flipped, k):
    """Flipped rows among the first k of a ranking; unfilled slots count as misses."""
    return sum(1 for r in ranked[:k] if r in flipped) / k


def label_error_bench(binaries, name, path, text_col, label_col, noise, repeats, seed=7):
    header, rows = read_rows(path)
    ti, li = header.index(text_col), header.index(label_col)
    rows = [r for r in rows if r[ti].strip() and r[li].strip()]
    flipped = flip_labels(rows, li, noise, seed)
    tag = f"{name}_{round(noise * 100)}pct_seed{seed}"
    out = os.path.join(WORK, f"{tag}_flipped.csv")
    starts = write_rows(out, header, rows)
    row_of_line = {line: i for i, line in enumerate(starts)}
    k = round(0.05 * len(rows))
    result = {"dataset": name, "noise": noise, "flip_seed": seed, "rows": len(rows), "flipped": len(flipped), "k": k}
    walls, cpus, cmds = {which: [] for which in binaries}, {which: [] for which in binaries}, {}
    # Interleaved repeats: the machine is shared, so the builds are timed under the same load.
    for _ in range(repeats):
        for which, trainops in binaries.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            _, seconds, cmds[which] = run_check(trainops, ["--data", out, "--text-column", text_col,
                                                           "--label-column", label_col],
                                                os.path.join(WORK, f"{tag}_{which}.json"))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            walls[which].append(seconds)
            cpus[which].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    for which in binaries:
        with open(os.path.join(WORK, f"{tag}_{which}.json")) as f:
            report = json.load(f)
        ranked = [row_of_line[f["rows"][0]["line"]] for f in report["findings"] if f["check"] == "label_errors"]
        result[which] = {"precision_at_5pct": precision_at(ranked, flipped, k),
                         "recall_at_5pct": sum(1 for r in ranked[:k] if r in flipped) / len(flipped),
                         "suspects": len(ranked),
                         "recall_all_suspects": sum(1 for r in ranked if r in flipped) / len(flipped),
                         "wall_seconds_median": statistics.median(walls[which]),
                         "cpu_seconds_median": statistics.median(cpus[which]),
                         "command": cmds[which]}
    start = time.time()
    ranked = cleanlab_self_confidence([r[ti] for r in rows], [r[li] for r in rows])
    result["cleanlab"] = {"precision_at_5pct": precision_at(ranked, flipped, k),
                          "seconds": time.time() - start}
    return result


def mutate(text, rng):
    """Case, punctuation and spacing changes that keep the words."""
    t = text
    choice = rng.randrange(4)
    if choice == 0:
        t = t.upper()
    elif choice == 1:
        t = t.lower()
    else:
        t = " ".join(w.capitalize() for w in t.split(" "))
    t = re.sub(r"[?!.,]", "", t) if rng.random() < 0.5 else t + rng.choice(["!!", "?", " ...", "."])
    t = t.replace(" ", "  ", 1) if rng.random() < 0.5 else t
    t = re.sub(r" (\w+)$", r" ,\1", t) if rng.random() < 0.3 else t
    return ("  " if rng.random() < 0.5 else "") + t + (" " if rng.random() < 0.5 else "")


def norm_key(text):
    t = unicodedata.normalize("NFKC", text).casefold()
    out = []
    for chunk in t.split():
        if any(c.isdigit() for c in chunk):
            out.append("0")
        else:
            out.append("".join(c for c in chunk if c.isalnum()))
    return " ".join(c for c in out if c)


def jaccard(a, b, k=5):
    sa = {a[i:i + k] for i in range(max(1, len(a) - k + 1))}
    sb = {b[i:i + k] for i in range(max(1, len(b) - k + 1))}
    return len(sa & sb) / len(sa | sb)


def confirm_leak(finding, texts_by_line):
    query = texts_by_line["test"][finding["rows"][0]["line"]]
    for r in finding["rows"][1:]:
        ref = texts_by_line["train"][r["line"]]
        a, b = norm_key(query), norm_key(ref)
        if a.replace(" ", "") == b.replace(" ", "") or jaccard(a, b) >= 0.9 - 1e-9:
            return True
    return False


def leakage_bench(trainops, name, train_path, test_path, text_col, label_col, plant, seed=11):
    header, rows = read_rows(train_path)
    ti = header.index(text_col)
    rows = [r for r in rows if r[ti].strip()]
    if test_path is None:
        rng = random.Random(seed)
        idx = list(range(len(rows)))
        rng.shuffle(idx)
        cut = int(0.8 * len(idx))
        train = [rows[i] for i in idx[:cut]]
        test = [rows[i] for i in idx[cut:]]
        test_header = header
    else:
        train = rows
        test_header, test = read_rows(test_path)
        test = [r for r in test if r[test_header.index(text_col)].strip()]
    planted_test_idx = []
    if plant:
        rng = random.Random(seed + 1)
        train_keys = {norm_key(r[ti]).replace(" ", "") for r in train}
        candidates = [i for i, r in enumerate(test) if norm_key(r[ti]).replace(" ", "") not in train_keys]
        planted_test_idx = rng.sample(candidates, plant)
        for i in planted_test_idx:
            r = list(test[i])
            r[ti] = mutate(r[ti], rng)
            train.insert(rng.randrange(len(train) + 1), r)
    tag = f"{name}_{'planted' if plant else 'untouched'}"
    train_file, test_file = os.path.join(WORK, f"{tag}_train.csv"), os.path.join(WORK, f"{tag}_test.csv")
    train_starts = write_rows(train_file, header, train)
    test_starts = write_rows(test_file, test_header, test)
    report, seconds, cmd = run_check(trainops, ["--data", train_file, "--test", test_file, "--text-column", text_col,
                                                "--label-column", label_col, "--label-error-folds", "0"],
                                     os.path.join(WORK, f"{tag}.json"))
    leaks = [f for f in report["findings"] if f["check"] == "leakage"]
    found_lines = {f["rows"][0]["line"] for f in leaks}
    result = {"dataset": name, "train_rows": len(train), "test_rows": len(test), "leak_findings": len(leaks),
              "normalized": sum(1 for f in leaks if f["kind"] == "normalized"),
              "near_duplicate": sum(1 for f in leaks if f["kind"] == "near_duplicate"),
              "seconds": seconds, "command": cmd}
    if plant:
        planted_lines = {test_starts[i] for i in planted_test_idx}
        result["planted"] = plant
        result["planted_found"] = len(planted_lines & found_lines)
    texts_by_line = {"train": {l: r[ti] for l, r in zip(train_starts, train)},
                     "test": {l: r[test_header.index(text_col)] for l, r in zip(test_starts, test)}}
    result["unconfirmed"] = sum(1 for f in leaks if not confirm_leak(f, texts_by_line))
    return result


WORDS = ("order delivery refund return size shoe boot sandal trainer payment card voucher discount parcel "
         "courier tracking exchange colour width heel sole lace stock restock invoice receipt address account "
         "password login email phone cancel change late lost damaged wrong missing charge twice bank klarna "
         "paypal gift wrap store warranty repair clean leather suede waterproof running hiking kids").split()


def scale_bench(trainops, rows=1_000_000, seed=3):
    rng = random.Random(seed)
    labels = [f"intent_{i:02d}" for i in range(40)]
    path_train, path_test = os.path.join(WORK, "scale_train.csv"), os.path.join(WORK, "scale_test.csv")
    n_train = int(rows * 0.8)
    def text():
        n = rng.randint(4, 18)
        return " ".join(rng.choice(WORDS) for _ in range(n)) + rng.choice(["", "?", "!", " #AS-%06d" % rng.randrange(10**6)])
    with open(path_train, "w", newline="") as ft, open(path_test, "w", newline="") as fs:
        wt, ws = csv.writer(ft, lineterminator="\n"), csv.writer(fs, lineterminator="\n")
        wt.writerow(["text", "label"])
        ws.writerow(["text", "label"])
        train_texts = []
        for i in range(n_train):
            t = text()
            if i < 2000:
                train_texts.append(t)
            wt.writerow([t, rng.choice(labels)])
        for i in range(rows - n_train):
            # 1 in 1000 test rows is a near copy of a train row.
            t = train_texts[rng.randrange(len(train_texts))].upper() + " ." if i % 1000 == 0 else text()
            ws.writerow([t, rng.choice(labels)])
    cmd = ["/usr/bin/time", "-f", "%e %M", trainops, "check-data", "--threads", "2", "--data", path_train, "--test",
           path_test, "--text-column", "text", "--label-column", "label", "--label-error-folds", "0",
           "--json", os.path.join(WORK, "scale.json")]
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall, rss = proc.stderr.strip().splitlines()[-1].split()
    with open(os.path.join(WORK, "scale.json")) as f:
        report = json.load(f)
    return {"rows": rows, "wall_seconds": float(wall), "peak_rss_mb": int(rss) // 1024,
            "leakage_seconds": report["summary"]["seconds"]["duplicates_and_leakage"],
            "leak_findings": sum(1 for f in report["findings"] if f["check"] == "leakage"),
            "planted": (rows - n_train + 999) // 1000, "command": " ".join(cmd[3:])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainops", default=os.path.join(HERE, "..", "build", "trainops"))
    ap.add_argument("--baseline-trainops", help="an earlier build to compare label-error rankings and times with")
    ap.add_argument("--noise", type=float, nargs="+", default=[0.05, 0.10], help="fractions of labels flipped")
    ap.add_argument("--repeats", type=int, default=3, help="timed check-data runs per build (median reported)")
    ap.add_argument("--datasets", nargs="+", choices=["banking77", "bitext", "clinc150"], default=["banking77", "bitext"],
                    help="datasets for label errors")
    ap.add_argument("--flip-seeds", type=int, nargs="+", default=[7],
                    help="seeds of the label flips (7 is the reported run; the settings were chosen on 1, 2 and 3)")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--only", choices=["label_errors", "leakage", "scale"])
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    results = {}
    if args.only in (None, "label_errors"):
        binaries = {"trainops": args.trainops}
        if args.baseline_trainops:
            binaries["baseline"] = args.baseline_trainops
        sets = {"banking77": (os.path.join(SHARED, "banking77", "train.csv"), "text", "category"),
                "bitext": (os.path.join(SHARED, "bitext", "train.csv"), "instruction", "intent"),
                "clinc150": (os.path.join(SHARED, "clinc150", "train.csv"), "text", "intent")}
        results["label_errors"] = [label_error_bench(binaries, name, *sets[name], noise=noise, repeats=args.repeats,
                                                     seed=seed)
                                   for name in args.datasets for noise in args.noise for seed in args.flip_seeds]
    if args.only in (None, "leakage"):
        b77 = os.path.join(SHARED, "banking77", "train.csv")
        results["leakage"] = [
            leakage_bench(args.trainops, "banking77", b77, None, "text", "category", plant=100),
            leakage_bench(args.trainops, "banking77", b77, None, "text", "category", plant=0),
            leakage_bench(args.trainops, "clinc150", os.path.join(SHARED, "clinc150", "train.csv"),
                          os.path.join(SHARED, "clinc150", "val.csv"), "text", "intent", plant=0),
            leakage_bench(args.trainops, "bitext", os.path.join(SHARED, "bitext", "train.csv"), None,
                          "instruction", "intent", plant=100),
        ]
    if args.only in (None, "scale") and not args.skip_scale:
        results["scale"] = scale_bench(args.trainops)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
