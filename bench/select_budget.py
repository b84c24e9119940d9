#!/usr/bin/env python3
"""The label-budget experiment of issue 13: does labelling what `trainops select` picks
teach the model more than labelling as many random messages?

On ../shared/data/replay (CLINC150 traffic with a new domain from window 7): train the
first production model on initial_train.csv, then spend a budget of 40 labels on window 7
two ways: (a) the rows `trainops select` picks, (b) 40 uniform random rows. Each way
retrains on initial_train.csv plus the 40 labelled rows and is evaluated on windows 8-10
(`trainops eval --json`, accuracy); both arms run with several seeds (select's seed only
moves its random share). Nothing here looks at windows 8-10 before the evaluation, and the
selection sees window 7 without its intent column.

Writes the table to stdout and into bench/RESULTS.md between the select-budget markers.
Standard library only:  python3 bench/select_budget.py [--seeds 5] [--budget 40]
"""

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REPLAY = os.path.join(os.path.dirname(REPO), "shared", "data", "replay")
BIN = os.path.join(REPO, "build", "trainops")
BEGIN, END = "<!-- select-budget:begin -->", "<!-- select-budget:end -->"
EVAL_WINDOWS = ["w08", "w09", "w10"]


def run(args):
    result = subprocess.run([BIN] + args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"trainops {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rows(path, fields, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def spec(folder, train_csv):
    # The validation rows are carved from the training file (training.validation_split,
    # stratified and seeded); labels with a single example stay in train. A label seen only
    # in the 40 picked rows has one or two examples, so the minimum-examples check is a
    # finding, not a reason to refuse training.
    path = os.path.join(folder, "task.yaml")
    with open(path, "w") as f:
        f.write(f"name: replay-select\n"
                f"data: {{train: {json.dumps(train_csv)}, text_column: text, label_column: intent}}\n"
                f"training: {{validation_split: 0.1}}\n"
                f"checks: {{min_examples_per_label: 1, label_error_folds: 0}}\n"
                f"seed: 42\nthreads: 2\n")
    return path


def train(folder, extra_rows, initial_rows):
    os.makedirs(folder, exist_ok=True)
    train_csv = os.path.join(folder, "train.csv")
    write_rows(train_csv, ["text", "intent"], initial_rows + extra_rows)
    task = spec(folder, train_csv)
    run(["train", "--task", task, "--out", os.path.join(folder, "run"), "--quiet"])
    return task, os.path.join(folder, "run", "model.bin")


def accuracy(task, model):
    out = {}
    for w in EVAL_WINDOWS:
        report = json.loads(run(["eval", "--task", task, "--model", model, "--data",
                                 os.path.join(REPLAY, "windows", w + ".csv"), "--json", "-", "--quiet"]))
        out[w] = report["accuracy"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--window", default="w07")
    parser.add_argument("--no-results", action="store_true", help="do not touch bench/RESULTS.md")
    a = parser.parse_args()
    if not os.path.isdir(REPLAY):
        sys.exit(f"{REPLAY} not found: the experiment needs ../shared/data/replay")
    started = time.time()
    work = tempfile.mkdtemp(prefix="select_budget_")
    initial = [{"text": r["text"], "intent": r["intent"]} for r in read_rows(os.path.join(REPLAY, "initial_train.csv"))]
    window = read_rows(os.path.join(REPLAY, "windows", a.window + ".csv"))
    known = {r["intent"] for r in initial}
    by_id = {r["id"]: r for r in window}
    # What select sees: the window without its labels.
    unlabelled = os.path.join(work, a.window + "_unlabelled.csv")
    write_rows(unlabelled, ["id", "created_at", "text"], window)

    base_task, base_model = train(os.path.join(work, "initial"), [], initial)
    base = accuracy(base_task, base_model)

    arms = {"select": [], "random": []}
    new_label_rows = {"select": [], "random": []}
    for seed in range(1, a.seeds + 1):
        out = os.path.join(work, f"select_{seed}.csv")
        run(["select", "--task", base_task, "--traffic", unlabelled, "--model", base_model,
             "--budget", str(a.budget), "--seed", str(seed), "--output", out, "--quiet"])
        picks = [by_id[r["id"]] for r in read_rows(out)]
        randoms = random.Random(seed).sample(window, a.budget)
        for arm, rows in (("select", picks), ("random", randoms)):
            assert len(rows) == a.budget
            labelled = [{"text": r["text"], "intent": r["intent"]} for r in rows]
            new_label_rows[arm].append(sum(r["intent"] not in known for r in rows))
            task, model = train(os.path.join(work, f"{arm}_{seed}"), labelled, initial)
            arms[arm].append(accuracy(task, model))
            print(f"seed {seed} {arm}: {arms[arm][-1]}", file=sys.stderr)

    def mean_acc(acc):
        return statistics.mean(acc[w] for w in EVAL_WINDOWS)

    base_mean = mean_acc(base)
    lines = [BEGIN, "## Label budget: `trainops select` vs random picks (issue 13)", "",
             f"`python3 bench/select_budget.py --seeds {a.seeds} --budget {a.budget}` on ../shared/data/replay: "
             f"the first model trains on initial_train.csv (6,300 rows, 90 intents, validation carved with "
             f"`validation_split: 0.1`); {a.budget} rows of {a.window} (the first week of the new domain, seen "
             f"without its labels) are labelled and added to the training data, and the retrained model is "
             f"evaluated on {', '.join(EVAL_WINDOWS)} (`trainops eval --json`, accuracy). select: "
             f"`trainops select --budget {a.budget} --seed S` (default random share 0.1); random: "
             f"{a.budget} uniform rows, seed S; S = 1..{a.seeds}. Same learner and settings for every model.", "",
             "| model | " + " | ".join(EVAL_WINDOWS) + " | mean | gain (points) | picked rows of intents the model lacked |",
             "| --- | " + " | ".join("---:" for _ in EVAL_WINDOWS) + " | ---: | ---: | ---: |",
             f"| initial model (no new labels) | " + " | ".join(f"{100 * base[w]:.1f}" for w in EVAL_WINDOWS) +
             f" | {100 * base_mean:.1f} | 0.0 | - |"]
    gains = {}
    for arm in ("select", "random"):
        per_window = {w: statistics.mean(acc[w] for acc in arms[arm]) for w in EVAL_WINDOWS}
        means = [mean_acc(acc) for acc in arms[arm]]
        gains[arm] = 100 * (statistics.mean(means) - base_mean)
        spread = statistics.stdev(means) * 100 if len(means) > 1 else 0.0
        lines.append(f"| {arm}, mean of {a.seeds} seeds | " + " | ".join(f"{100 * per_window[w]:.1f}" for w in EVAL_WINDOWS) +
                     f" | {100 * statistics.mean(means):.1f} (sd {spread:.1f}) | {gains[arm]:+.1f} | "
                     f"{statistics.mean(new_label_rows[arm]):.1f} of {a.budget} |")
    diff = gains["select"] - gains["random"]
    per_seed = [100 * (mean_acc(s) - mean_acc(r)) for s, r in zip(arms["select"], arms["random"])]
    verdict = "met" if diff >= 2 else "missed"
    lines += ["", f"select gains **{diff:+.1f} points** more than random picks on {', '.join(EVAL_WINDOWS)} "
              f"(per seed: {', '.join(f'{d:+.1f}' for d in per_seed)}); target at least +2 points: **{verdict}**. "
              f"Wall time {time.time() - started:.0f} s on 2 shared cores.", END]
    section = "\n".join(lines) + "\n"
    print(section)
    if not a.no_results:
        path = os.path.join(HERE, "RESULTS.md")
        text = open(path, encoding="utf-8").read()
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + section.rstrip("\n") + text[text.index(END) + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n" + section
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
