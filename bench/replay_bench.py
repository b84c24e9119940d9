#!/usr/bin/env python3
"""Replays a support-traffic stream with drift through `trainops cycle` (issue 13).

For each weekly window: the production model's accuracy on that week (scored before
its labels are used), the alerts, whether the policy retrained and promoted. Side by
side, in the same run and with the same learner and settings:
  - never retraining (the first model forever),
  - retraining after every window on the training data plus all feedback so far.
Also: the label-free accuracy estimate against the true accuracy, and, for every
promotion, the promoted model against the one it replaced on the following week.

Usage: bench/replay_bench.py [--replay ../shared/data/replay] [--binary build/trainops]
                             [--out bench/work/replay] [--json results.json]
Only the files given are used; the stream's own windows are scored, never trained on
before they are scored. The test set is carved from initial_train.csv (15%, by hash).
"""
import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, ok=(0,), **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode not in ok:
        sys.stderr.write(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}\n")
        sys.exit(1)
    return p


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, rows, columns):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def carve(rows, share, salt):
    """Deterministic split by a hash of the text: (kept, carved)."""
    kept, carved = [], []
    for r in rows:
        h = int(hashlib.sha256((salt + r["text"]).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (carved if h < share else kept).append(r)
    return kept, carved


SPEC = """name: replay
data:
  train: {train}
  test: test.csv
  text_column: text
  label_column: intent
oos_label: oos
seed: 1
threads: 2
"""


def monitor(binary, spec, model, window):
    p = run([binary, "monitor", "--task", spec, "--traffic", window, "--model", model, "--no-record", "--json", "-",
             "--quiet"])
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--replay", default=os.path.join(HERE, "..", "..", "shared", "data", "replay"))
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "build", "trainops"))
    ap.add_argument("--out", default=os.path.join(HERE, "work", "replay"))
    ap.add_argument("--json", default="")
    ap.add_argument("--skip-baselines", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    replay = os.path.abspath(args.replay)
    if not os.path.isdir(replay):
        print(f"replay_bench: {replay} is absent; nothing to do")
        return 0
    events = json.load(open(os.path.join(replay, "events.json")))
    windows = sorted(f for f in os.listdir(os.path.join(replay, "windows")) if f.endswith(".csv"))
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    initial = read_csv(os.path.join(replay, "initial_train.csv"))
    train, test = carve(initial, 0.15, "replay-test")
    write_csv(os.path.join(out, "train.csv"), train, ["text", "intent"])
    write_csv(os.path.join(out, "test.csv"), test, ["text", "intent"])
    spec = os.path.join(out, "task.yaml")
    open(spec, "w").write(SPEC.format(train="train.csv"))

    t0 = time.time()
    run([binary, "train", "--task", spec, "--out", os.path.join(out, "runs", "initial"), "--quiet"])
    initial_model = os.path.join(out, "runs", "initial", "model.bin")
    run([binary, "release", "--task", spec, "--candidate", initial_model, "--quiet"])

    # The policy: one `trainops cycle` per window.
    weeks = []
    for i, name in enumerate(windows, start=1):
        path = os.path.join(replay, "windows", name)
        p = run([binary, "cycle", "--task", spec, "--traffic", path, "--json", "-", "--quiet"], ok=(0, 1))
        c = json.loads(p.stdout)
        json.dump(c, open(os.path.join(out, f"cycle-{i:02d}.json"), "w"), indent=1)
        fb = c.get("feedback_accuracy") or {}
        est = c.get("estimated_accuracy") or {}
        weeks.append({
            "week": i, "window": name, "accuracy": fb.get("value"), "estimated": est.get("value"),
            "estimate_reliable": est.get("reliable"), "alerts": c["alerts"], "triggered": c["triggered"],
            "triggers": [t["name"] for t in c["triggers"] if t.get("ready")], "retrained": c["retrained"],
            "promoted": c["promoted"], "production_before": c["model"], "production_after": c["production"],
            "candidate": c["candidate"], "decision": c["decision"], "exit": p.returncode,
        })
        print(f"week {i:2d}: acc {fb.get('value', 0):.3f} est {est.get('value', 0):.3f} alerts {c['alerts']} "
              f"retrained {c['retrained']} promoted {c['promoted']} ({c['decision']})", flush=True)
    policy_seconds = time.time() - t0

    # Promoted models against the ones they replaced, on the following week.
    registry_models = os.path.join(out, ".trainops", "models")
    def model_file(model_id):
        for f in os.listdir(registry_models):
            if f.startswith(model_id):
                return os.path.join(registry_models, f)
        raise SystemExit(f"model {model_id} not in {registry_models}")
    promotions = []
    for w in weeks:
        if w["promoted"] and w["week"] < len(windows):
            nxt = os.path.join(replay, "windows", windows[w["week"]])
            new = monitor(binary, spec, model_file(w["production_after"]), nxt)["feedback_accuracy"]["value"]
            old = monitor(binary, spec, model_file(w["production_before"]), nxt)["feedback_accuracy"]["value"]
            promotions.append({"week": w["week"], "next_week": w["week"] + 1, "new": new, "old": old})

    baselines = {"never": [], "every": []}
    if not args.skip_baselines:
        for i, name in enumerate(windows, start=1):
            path = os.path.join(replay, "windows", name)
            baselines["never"].append(monitor(binary, spec, initial_model, path)["feedback_accuracy"]["value"])
        # Retrain after every window: training data plus every labelled row so far.
        model = initial_model
        feedback = []
        for i, name in enumerate(windows, start=1):
            path = os.path.join(replay, "windows", name)
            baselines["every"].append(monitor(binary, spec, model, path)["feedback_accuracy"]["value"])
            feedback += [r for r in read_csv(path) if r["intent"]]
            if i == len(windows):
                break
            d = os.path.join(out, "every", f"after-{i:02d}")
            os.makedirs(d)
            write_csv(os.path.join(d, "train.csv"), train + feedback, ["text", "intent"])
            shutil.copy(os.path.join(out, "test.csv"), os.path.join(d, "test.csv"))
            open(os.path.join(d, "task.yaml"), "w").write(SPEC.format(train="train.csv"))
            # The same learner and settings; the data check's minimum examples per label would
            # refuse the thin new labels, which the cycle also trains on (docs/monitoring.md).
            run([binary, "train", "--task", os.path.join(d, "task.yaml"), "--out", os.path.join(d, "run"), "--quiet",
                 "--allow-data-errors"])
            model = os.path.join(d, "run", "model.bin")

    def mean(xs):
        xs = [x for x in xs if x is not None]
        return sum(xs) / len(xs) if xs else float("nan")

    stable = events["stable_until"]
    result = {
        "weeks": weeks, "promotions": promotions, "baselines": baselines, "events": events,
        "policy_mean": mean([w["accuracy"] for w in weeks]),
        "never_mean": mean(baselines["never"]), "every_mean": mean(baselines["every"]),
        "retrains": sum(w["retrained"] for w in weeks), "promoted": sum(w["promoted"] for w in weeks),
        "stable_triggers": sum(w["triggered"] for w in weeks if w["week"] <= stable),
        "stable_alerts": sum(len(w["alerts"]) for w in weeks if w["week"] <= stable),
        "estimate_error_stable": max(abs(w["estimated"] - w["accuracy"]) for w in weeks if w["week"] <= stable),
        "events_flagged": {k: bool(weeks[v - 1]["alerts"]) for k, v in events["events"].items()},
        "new_domain_retrained": weeks[events["events"]["new_domain"] - 1]["retrained"],
        "worse_promotions": sum(p["new"] < p["old"] - 0.02 for p in promotions),
        "policy_seconds": policy_seconds,
    }
    print(json.dumps({k: v for k, v in result.items() if k not in ("weeks", "baselines", "promotions", "events")},
                     indent=1))
    if args.json:
        json.dump(result, open(args.json, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
