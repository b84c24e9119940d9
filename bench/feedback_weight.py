#!/usr/bin/env python3
"""How much should a feedback row weigh in a cycle's retrain? (issue 23; docs/monitoring.md,
"Feedback that teaches"). Chooses `drift.feedback_weight` and `drift.balance_share` on
validation data only: rows carved from the windows a retrain already has, never a later
window.

For each public replay stream and each week with an injected event (events.json), a
retrain at the end of that week sees the initial training data plus every label of weeks
1..e. Week e's labelled rows are cut into 3 folds (by a hash of the text); each fold is held out
once as validation while the retrain trains on everything else, with feedback rows weighted as
`trainops cycle` weighs them (drift/retrain_data.cc):
  - each feedback row: feedback_weight;
  - the rows of a label only feedback has: raised so the label's total weight reaches
    balance_share x the median rows per training label, at most max_row_weight (10) a row;
  - the out-of-scope label's rows: 1.
The score of a setting is its accuracy on the held-out carve (the traffic as it is now),
averaged over the event weeks of both streams. The same learner and spec settings as the
replay bench (linear model, seed 1, 2 threads).

Usage: python3 bench/feedback_weight.py [--weights 1 2 3 5] [--shares 0 0.5] [--folds 3]
                                        [--results bench/RESULTS.md]
"""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

from bench_lib import read_rows, write_rows, write_section

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")
BINARY = os.path.join(HERE, "..", "build", "trainops")
MAX_ROW_WEIGHT = 10

SPEC = """name: weight
data:
  train: train.csv
  text_column: text
  label_column: intent
  weight_column: weight
oos_label: oos
seed: 1
threads: 2
"""


def hashed(text, salt):
    return int(hashlib.sha256((salt + text).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def message_key(text):
    """Close to check/text_key.h's DuplicateKey: case, punctuation and spacing ignored,
    digits masked."""
    import re
    return re.sub(r"[0-9]+", "0", re.sub(r"[^\w]", "", text.lower()))


def carve_validation(rows, share=0.1, seed=1):
    """As the cycle carves validation when a feedback row trains as copies: a stratified
    share of each label's distinct messages, each once; returns (train rows, validation)."""
    by_label = {}
    for r in rows:
        by_label.setdefault(r["intent"], {}).setdefault(message_key(r["text"]), []).append(r)
    chosen = set()
    for label, keys in by_label.items():
        ordered = sorted(keys, key=lambda k: hashed(k, f"valid{seed}"))
        take = int(share * len(ordered) + 0.5)
        take = min(max(take, 1), len(ordered) - 1) if len(ordered) >= 2 else 0
        chosen.update((label, k) for k in ordered[:take])
    train = [r for r in rows if (r["intent"], message_key(r["text"])) not in chosen]
    validation = [r for r in rows if (r["intent"], message_key(r["text"])) in chosen]
    return train, validation


def copies(weight):
    """How many times an oversampled row is written: its weight rounded half up (as the
    cycle's std::lround), at least once."""
    return max(1, int(weight + 0.5))


def weights_for(initial, feedback, feedback_weight, share):
    counts = {}
    for r in initial:
        counts[r["intent"]] = counts.get(r["intent"], 0) + 1
    median = statistics.median(counts.values())
    fb_counts = {}
    for r in feedback:
        fb_counts[r["intent"]] = fb_counts.get(r["intent"], 0) + 1
    w = {}
    for label, n in fb_counts.items():
        if label == "oos":  # the out-of-scope label keeps weight 1, as in the cycle
            w[label] = 1
            continue
        x = feedback_weight
        if label not in counts and n * x < share * median:
            x = min(MAX_ROW_WEIGHT, share * median / n)
        w[label] = x
    return w


def main():
    global BINARY
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", type=float, nargs="+", default=[1, 2, 3, 5])
    ap.add_argument("--shares", type=float, nargs="+", default=[0, 0.5])
    ap.add_argument("--folds", type=int, default=3,
                    help="the event week's labelled rows are cut into this many folds by a hash of the text; each is "
                         "held out once")
    ap.add_argument("--out", default=os.path.join(HERE, "work", "feedback_weight"))
    ap.add_argument("--binary", default=BINARY)
    ap.add_argument("--results", default="")
    ap.add_argument("--section", default="feedback_weight", help="the generated section of --results to replace")
    ap.add_argument("--oversample", action="store_true",
                    help="instead of weights, repeat each feedback row round(weight) times (half up; weight 1 each), "
                         "with validation carved from the distinct messages first, as the cycle does: the "
                         "alternative to class-balanced weighting, scored the same way")
    args = ap.parse_args()
    BINARY = os.path.abspath(args.binary)
    streams = [s for s in ("replay", "replay_banking") if os.path.isdir(os.path.join(SHARED, s))]
    if not streams:
        print("feedback_weight: ../shared/data/replay* absent; nothing to do")
        return 0
    t0 = time.time()
    scores = {}  # (weight, share) -> list of accuracies
    points = []
    for stream in streams:
        folder = os.path.join(SHARED, stream)
        events = json.load(open(os.path.join(folder, "events.json")))
        windows = sorted(f for f in os.listdir(os.path.join(folder, "windows")) if f.endswith(".csv"))
        initial = read_rows(os.path.join(folder, "initial_train.csv"))
        for event, week in sorted(events["events"].items(), key=lambda kv: kv[1]):
            seen, fold_scores = [], {}
            for name in windows[:week - 1]:
                seen += [r for r in read_rows(os.path.join(folder, "windows", name)) if r["intent"]]
            latest = [r for r in read_rows(os.path.join(folder, "windows", windows[week - 1])) if r["intent"]]
            fold_of = lambda r: min(args.folds - 1, int(hashed(r["text"], "fw-fold") * args.folds))
            points.append(f"{stream} week {week} ({event}): {len(seen)} labelled rows of earlier weeks, "
                          f"{len(latest)} of this week in {args.folds} folds")
            for fold, fw, share in [(f, w, s) for f in range(args.folds) for w in args.weights for s in args.shares]:
                if True:
                    validation = [r for r in latest if fold_of(r) == fold]
                    feedback = seen + [r for r in latest if fold_of(r) != fold]
                    d = os.path.join(args.out, stream, f"w{week}-f{fold}-fw{fw}-s{share}")
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                    w = weights_for(initial, feedback, fw, share)
                    rows = [{"text": r["text"], "intent": r["intent"], "weight": "1"} for r in initial]
                    spec = SPEC
                    if args.oversample:
                        fit, carved = carve_validation(initial + feedback)
                        fb_keys = {(r["intent"], r["text"]) for r in feedback}
                        rows = []
                        for r in fit:
                            n = copies(w[r["intent"]]) if (r["intent"], r["text"]) in fb_keys else 1
                            rows += [{"text": r["text"], "intent": r["intent"], "weight": "1"}] * n
                        write_rows(os.path.join(d, "carved_validation.csv"), ["text", "intent", "weight"],
                                   [{"text": r["text"], "intent": r["intent"], "weight": "1"} for r in carved])
                        spec = SPEC.replace("  train: train.csv\n", "  train: train.csv\n  validation: carved_validation.csv\n")
                    else:
                        rows += [{"text": r["text"], "intent": r["intent"], "weight": f"{w[r['intent']]:g}"}
                                 for r in feedback]
                    write_rows(os.path.join(d, "train.csv"), ["text", "intent", "weight"], rows)
                    write_rows(os.path.join(d, "validation.csv"), ["text", "intent"], validation)
                    open(os.path.join(d, "task.yaml"), "w").write(spec)
                    run([BINARY, "train", "--task", os.path.join(d, "task.yaml"), "--out", os.path.join(d, "run"),
                         "--quiet", "--allow-data-errors"])
                    ev = json.loads(run([BINARY, "eval", "--model", os.path.join(d, "run", "model.bin"), "--data",
                                         os.path.join(d, "validation.csv"), "--text-column", "text",
                                         "--label-column", "intent", "--json", "-", "--quiet", "--resamples", "0"]))
                    acc = ev["accuracy"] if isinstance(ev["accuracy"], float) else ev["accuracy"]["value"]
                    fold_scores.setdefault((fw, share), []).append(acc)
                    shutil.rmtree(d)  # hundreds of runs: keep the scores, not the models and checkpoints
                    print(f"{stream} week {week} fold {fold} fw {fw:g} share {share:g}: {acc:.4f}", flush=True)
            for k, v in fold_scores.items():
                scores.setdefault(k, []).append(statistics.mean(v))
    table = sorted(((statistics.mean(v), k) for k, v in scores.items()), reverse=True)
    best = table[0][1]
    print(f"best: feedback_weight {best[0]:g}, balance_share {best[1]:g} ({table[0][0]:.4f})")
    if args.results:
        title = "Oversampling instead of weights" if args.oversample else "Choosing the feedback weight on validation data"
        lines = ["", f"## {title} (issue 23)", "",
                 f"Command: `python3 {' '.join(['bench/feedback_weight.py'] + sys.argv[1:])}` "
                 f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {time.time() - t0:.0f} s).",
                 "A retrain at the end of each event week of both public streams sees the initial training data and",
                 f"every label so far; that week's labelled rows are cut into {args.folds} folds by a hash of the text and",
                 "each fold is held out once as validation (never trained on). Accuracy on the held-out rows, mean over",
                 "the folds and then over the event weeks:", ""]
        lines += [f"- {p}" for p in points]
        lines += ["", "| feedback_weight | balance_share | mean validation accuracy % | per point |",
                  "| ---: | ---: | ---: | --- |"]
        for m, (fw, share) in table:
            lines.append(f"| {fw:g} | {share:g} | {100 * m:.1f} | "
                         + ", ".join(f"{100 * a:.1f}" for a in scores[(fw, share)]) + " |")
        lines += ["", f"Chosen defaults: `drift.feedback_weight: {best[0]:g}`, `drift.balance_share: {best[1]:g}`.", ""]
        if args.oversample:
            lines[-2] = ("Each feedback row repeated round(weight) times (weight 1 each) instead of weighted, the "
                         "model's validation rows carved first from the distinct messages (10% of each label's), as "
                         "`trainops cycle` does.")
        write_section(args.results, "feedback_oversample" if args.oversample else args.section,
                      "bench/feedback_weight.py", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
