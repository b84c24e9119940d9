#!/usr/bin/python3
"""Carves the benchmark's train/valid/test splits from the shared training files.

Every system in the benchmark (fastText, scikit-learn, trainops) reads exactly these
files, so differences in the results come from the systems and not from the data.
The shared folder's own test sets are kept outside this machine on purpose: our "test"
is a seeded, stratified 20% holdout of each training file, and "valid" is a seeded,
stratified 10% of the remaining 80%. Nothing here is tuned on the test split.

Only the standard library is used, so the split does not move when scikit-learn's
version does. Output per dataset, in <work>/<dataset>/:
  train.csv valid.csv test.csv   columns text,label (RFC 4180 quoting, UTF-8)
  train.ft  valid.ft  test.ft    fastText format: "__label__<label> <text>", one line each
  test.txt  valid.txt            text only (what fastText predict reads)
  split.json                     seed, fractions, counts, sha256 of every file
Rows keep their order from the source file inside each split.

Usage: /usr/bin/python3 bench/prepare_splits.py [--data-dir D] [--work W]
                                               [--datasets banking77 clinc150 bitext]
"""

import argparse
import collections
import csv
import hashlib
import json
import os
import random
import re
import sys

SEED = 20261124
TEST_FRACTION = 0.20
VALID_FRACTION = 0.10

# dataset name -> (folder under the shared data dir, text column, label column)
DATASETS = {
    "banking77": ("banking77", "text", "category"),
    "clinc150": ("clinc150", "text", "intent"),  # "oos" stays as an ordinary class
    "bitext": ("bitext", "instruction", "intent"),
}

_WHITESPACE = re.compile(r"\s+")


def default_data_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "shared", "data"))


def read_rows(path, text_column, label_column):
    """Returns [(line, text, label)]; line is the 1-based physical line the row starts on."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for column in (text_column, label_column):
            if column not in (reader.fieldnames or []):
                sys.exit(f"{path}:1: no column \"{column}\" in header {reader.fieldnames}; "
                         "check the dataset table in bench/prepare_splits.py")
        start_line = 2
        for record in reader:
            text, label = record[text_column], record[label_column]
            if not label.strip():
                sys.exit(f"{path}:{start_line}: column \"{label_column}\": empty label")
            rows.append((start_line, text, label.strip()))
            start_line = reader.line_num + 1
    return rows


def stratified_split(indices_by_label, fraction, seed):
    """Splits each label's indices; returns (kept, taken) as sorted index lists.

    Per label, round(n * fraction) rows are taken (at least 1 when the label has 2 or
    more rows, and never all of them), so every label is present on both sides. Labels
    are visited in sorted order with one generator, which makes the split a function of
    the seed and the file content only.
    """
    rng = random.Random(seed)
    kept, taken = [], []
    for label in sorted(indices_by_label):
        idx = list(indices_by_label[label])
        rng.shuffle(idx)
        n = len(idx)
        k = int(n * fraction + 0.5)
        if n >= 2:
            k = min(max(k, 1), n - 1)
        else:
            k = 0
        taken.extend(idx[:k])
        kept.extend(idx[k:])
    return sorted(kept), sorted(taken)


def by_label(rows, indices):
    groups = collections.defaultdict(list)
    for i in indices:
        groups[rows[i][2]].append(i)
    return groups


def one_line(text):
    # fastText reads one example per line and splits on whitespace only.
    return _WHITESPACE.sub(" ", text).strip()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_split(out_dir, name, rows, indices):
    csv_path = os.path.join(out_dir, f"{name}.csv")
    ft_path = os.path.join(out_dir, f"{name}.ft")
    txt_path = os.path.join(out_dir, f"{name}.txt")
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["text", "label"])
        for i in indices:
            writer.writerow([rows[i][1], rows[i][2]])
    with open(ft_path, "w", encoding="utf-8") as ft, open(txt_path, "w", encoding="utf-8") as txt:
        for i in indices:
            text = one_line(rows[i][1])
            ft.write(f"__label__{rows[i][2]} {text}\n")
            txt.write(f"{text}\n")
    return [csv_path, ft_path, txt_path]


def prepare(dataset, data_dir, work_dir, seed):
    folder, text_column, label_column = DATASETS[dataset]
    source = os.path.join(data_dir, folder, "train.csv")
    rows = read_rows(source, text_column, label_column)
    for line, text, label in rows:
        if not one_line(text):
            sys.exit(f"{source}:{line}: column \"{text_column}\": empty text")
        if any(c.isspace() for c in label):
            sys.exit(f"{source}:{line}: column \"{label_column}\": label \"{label}\" contains "
                     "whitespace, which the fastText format cannot carry")

    all_indices = range(len(rows))
    rest, test = stratified_split(by_label(rows, all_indices), TEST_FRACTION, seed)
    train, valid = stratified_split(by_label(rows, rest), VALID_FRACTION, seed)

    out_dir = os.path.join(work_dir, dataset)
    os.makedirs(out_dir, exist_ok=True)
    files = []
    for name, indices in (("train", train), ("valid", valid), ("test", test)):
        files += write_split(out_dir, name, rows, indices)

    def label_counts(indices):
        return dict(sorted(collections.Counter(rows[i][2] for i in indices).items()))

    manifest = {
        "dataset": dataset,
        "source": os.path.abspath(source),
        "source_sha256": sha256(source),
        "text_column": text_column,
        "label_column": label_column,
        "seed": seed,
        "test_fraction": TEST_FRACTION,
        "valid_fraction_of_rest": VALID_FRACTION,
        "method": "per label (sorted), random.Random(seed).shuffle, take round(n*fraction); "
                  "holdout first, then validation from the rest with a fresh Random(seed)",
        "rows": {"source": len(rows), "train": len(train), "valid": len(valid), "test": len(test)},
        "labels": len({r[2] for r in rows}),
        "label_counts": {"train": label_counts(train), "valid": label_counts(valid),
                         "test": label_counts(test)},
        "files": {os.path.basename(p): sha256(p) for p in files},
    }
    with open(os.path.join(out_dir, "split.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR", default_data_dir()))
    parser.add_argument("--work", default=os.environ.get("BENCH_WORK", os.path.join(here, "work")))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for dataset in args.datasets:
        m = prepare(dataset, args.data_dir, args.work, args.seed)
        r = m["rows"]
        print(f"prepare_splits: {dataset}: {r['source']} rows, {m['labels']} labels -> "
              f"train {r['train']}, valid {r['valid']}, test {r['test']} (seed {m['seed']})")


if __name__ == "__main__":
    main()
