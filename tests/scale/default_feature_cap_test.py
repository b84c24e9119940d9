#!/usr/bin/env python3
"""Without model.max_features, a run keeps at most the default cap of features (issue 26,
item 14; src/train/memory_plan.h, kDefaultFeatureCap = 262,144): a file whose n-grams
outnumber it trains on the 262,144 most frequent, says so in its output, and run.json's
`memory` names the default as the cap's source. A cap the user gives above the default is
kept as given, and a file with fewer n-grams keeps them all.

The rows are made of random eight-letter words (about 40 new n-grams a row), so 12,000 of
them hold several hundred thousand n-grams while training in seconds.
Usage: default_feature_cap_test.py TRAINOPS_BINARY WORK_DIR
"""
import json
import os
import random
import shutil
import subprocess
import sys

DEFAULT_CAP = 262144


def write_rows(path, rows, seed):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write("text,label\n")
        for _ in range(rows):
            label = rng.choice(["refund", "sizing"])
            words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(6)]
            words.insert(rng.randrange(7), label)  # the label's own word: something to learn
            f.write(f"{' '.join(words)},{label}\n")


def train(binary, work, name, data, extra):
    out = os.path.join(work, name)
    cmd = [binary, "train", "--data", data, "--validation", os.path.join(work, "valid.csv"), "--text-column", "text",
           "--label-column", "label", "--threads", "1", "--epochs", "1", "--no-registry", "--out", out] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stderr}")
    with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
        return json.load(f)["memory"], p.stdout + p.stderr


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    write_rows(os.path.join(work, "large.csv"), 12000, 1)
    write_rows(os.path.join(work, "small.csv"), 300, 2)
    write_rows(os.path.join(work, "valid.csv"), 400, 3)

    m, output = train(binary, work, "default", os.path.join(work, "large.csv"), [])
    print("default:", json.dumps(m))
    assert m["features_seen"] > DEFAULT_CAP, f"the file has too few n-grams to test the cap: {m}"
    assert m["feature_cap"] == DEFAULT_CAP and m["features_kept"] == DEFAULT_CAP, m
    assert m["feature_cap_from"] == "default", m
    assert m["budget_mb"] == 4096, m
    said = f"kept the {DEFAULT_CAP} most frequent of {m['features_seen']} n-grams, the default cap"
    assert said in output, f"the run did not say it capped the features ({said!r}):\n{output}"

    more = DEFAULT_CAP + 20000
    m, output = train(binary, work, "chosen", os.path.join(work, "large.csv"), ["--max-features", str(more)])
    print("chosen:", json.dumps(m))
    assert m["feature_cap"] == more and m["features_kept"] == more, m
    assert m["feature_cap_from"] == "model.max_features", m
    assert "the default cap" not in output, output

    m, _ = train(binary, work, "small", os.path.join(work, "small.csv"), [])
    print("small:", json.dumps(m))
    assert m["features_kept"] == m["features_seen"] < DEFAULT_CAP, m
    shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
