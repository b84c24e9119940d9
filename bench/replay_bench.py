#!/usr/bin/env python3
"""Replays support-traffic streams with drift through `trainops cycle` (issues 13 and 23).

For each weekly window: the production model's accuracy on that week (scored before
its labels are used), the alerts, whether the policy retrained and promoted. Side by
side, in the same run and with the same learner and settings:
  - never retraining (the first model forever),
  - retraining after every window on the training data plus all feedback so far.
Also: the label-free accuracy estimate against the true accuracy, and, for every
promotion, the promoted model against the one it replaced on the following week.

With --label-budget N, each stream is replayed twice more, as a team with a labelling
budget would run the loop: the windows arrive without labels, and the labels of N messages
of window w arrive with window w+1 (`cycle --feedback`). Arm "select": the N messages
`cycle --label-budget N` picked; arm "random": N uniformly random messages of the window
(seeded), fed the same way. Both arms are scored by the production model's accuracy on
each week's full labels (which neither arm sees).

Usage: bench/replay_bench.py [--replay ../shared/data/replay --replay ../shared/data/replay_banking]
                             [--label-budget 40] [--binary build/trainops]
                             [--out bench/work/replay] [--json results.json] [--results bench/RESULTS.md]
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

from bench_lib import read_rows, write_rows, write_section

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, ok=(0,), **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode not in ok:
        sys.stderr.write(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}\n")
        sys.exit(1)
    return p


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
seed: {seed}
threads: 1
"""


EVENT_SIGNAL = {"prior_shift": "predicted_label_mix", "new_domain": "unknown_labels", "typos": "oov_share",
                "oos_surge": "rejection_rate"}


def monitor(binary, spec, model, window):
    p = run([binary, "monitor", "--task", spec, "--traffic", window, "--model", model, "--no-record", "--json", "-",
             "--quiet"])
    return json.loads(p.stdout)


def model_file(out, model_id):
    registry_models = os.path.join(out, ".trainops", "models")
    for f in os.listdir(registry_models):
        if f.startswith(model_id):
            return os.path.join(registry_models, f)
    raise SystemExit(f"model {model_id} not in {registry_models}")


def strip_labels(rows):
    return [{**r, "intent": ""} for r in rows]


def prepare(replay, out, initial_model=None):
    """The stream's test carve, first model and production release in `out`. With
    `initial_model`, that model file is released instead of training one, so that every arm
    of a comparison starts from the same model."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    initial = read_rows(os.path.join(replay, "initial_train.csv"))
    train, test = carve(initial, 0.15, "replay-test")
    write_rows(os.path.join(out, "train.csv"), ["text", "intent"], train)
    write_rows(os.path.join(out, "test.csv"), ["text", "intent"], test)
    spec = os.path.join(out, "task.yaml")
    open(spec, "w").write(SPEC.format(train="train.csv", seed=SEED) + SPEC_EXTRA)
    if initial_model:
        os.makedirs(os.path.join(out, "runs", "initial"))
        shutil.copy(initial_model, os.path.join(out, "runs", "initial", "model.bin"))
    else:
        run([BINARY, "train", "--task", spec, "--out", os.path.join(out, "runs", "initial"), "--quiet"])
    initial_model = os.path.join(out, "runs", "initial", "model.bin")
    run([BINARY, "release", "--task", spec, "--candidate", initial_model, "--quiet"])
    return spec, initial_model, train, test


def false_alarms(spec, initial_model, test, out, count):
    """Windows of 200 rows drawn (with replacement) from the held-out test split, i.e.
    traffic from the training distribution, monitored with the first model. Any alert in
    such a window is a false alarm."""
    import random
    rng = random.Random(20261201)
    fa = {"windows": count, "any_alert": 0, "by_signal": {}, "estimate_errors": []}
    fa_dir = os.path.join(out, "stable_windows")
    os.makedirs(fa_dir, exist_ok=True)
    for k in range(count):
        rows = [test[rng.randrange(len(test))] for _ in range(200)]
        path = os.path.join(fa_dir, "window.csv")
        write_rows(path, ["text", "intent"], rows)
        m = monitor(BINARY, spec, initial_model, path)
        fa["any_alert"] += bool(m["alerts"])
        for a in m["alerts"]:
            fa["by_signal"][a] = fa["by_signal"].get(a, 0) + 1
        fa["estimate_errors"].append(m["estimated_accuracy"]["value"] - m["feedback_accuracy"]["value"])
    errs = [abs(e) for e in fa["estimate_errors"]]
    fa["estimate_mean_abs_error"] = sum(errs) / len(errs) if errs else None
    fa["estimate_within_3_points"] = sum(e <= 0.03 for e in errs) / len(errs) if errs else None
    print(f"false alarms: {fa['any_alert']} of {fa['windows']} stable windows {fa['by_signal']}; estimate mean abs "
          f"error {fa['estimate_mean_abs_error']}, within 3 points in {fa['estimate_within_3_points']}", flush=True)
    return fa


def week_record(i, name, c, rc, accuracy):
    est = c.get("estimated_accuracy") or {}
    return {
        "week": i, "window": name, "accuracy": accuracy, "estimated": est.get("value"),
        "estimate_reliable": est.get("reliable"), "alerts": c["alerts"], "triggered": c["triggered"],
        "triggers": [t["name"] for t in c["triggers"] if t.get("ready")], "retrained": c["retrained"],
        "recovery": c.get("recovery", False), "promoted": c["promoted"], "production_before": c["model"],
        "production_after": c["production"], "candidate": c["candidate"], "decision": c["decision"], "exit": rc,
        "superseded": len((c.get("training") or {}).get("data_policy", {}).get("superseded_rows", [])),
        "left_out": (c.get("training") or {}).get("data_policy", {}).get("conflicting_left_out_count", 0),
        # A promotion without a retrain: the production model's rejection threshold moved to
        # the one its served traffic's feedback supports (drift.threshold_refresh).
        "threshold_refresh": bool((c.get("threshold_refresh") or {}).get("promoted")),
        "threshold": (c.get("threshold_refresh") or {}).get("best_threshold"),
    }


def run_policy(replay, windows, spec, out):
    """One `trainops cycle` per window, all labels in the window (as agents label all)."""
    weeks = []
    for i, name in enumerate(windows, start=1):
        path = os.path.join(replay, "windows", name)
        p = run([BINARY, "cycle", "--task", spec, "--traffic", path, "--json", "-", "--quiet"], ok=(0, 1))
        c = json.loads(p.stdout)
        json.dump(c, open(os.path.join(out, f"cycle-{i:02d}.json"), "w"), indent=1)
        fb = c.get("feedback_accuracy") or {}
        weeks.append(week_record(i, name, c, p.returncode, fb.get("value")))
        w = weeks[-1]
        print(f"week {i:2d}: acc {w['accuracy'] or 0:.3f} est {w['estimated'] or 0:.3f} alerts {c['alerts']} "
              f"retrained {c['retrained']}{' (recovery)' if w['recovery'] else ''} promoted {c['promoted']}"
              f"{' (threshold ' + format(w['threshold'], '.3f') + ')' if w['threshold_refresh'] else ''} "
              f"({c['decision']})", flush=True)
    return weeks


def run_budget(replay, windows, spec, out, budget, arm, seed):
    """The loop with a labelling budget: window w arrives without labels; the labels of
    `budget` of its messages arrive with window w+1. arm "select": the messages the cycle
    picked (--label-budget); arm "random": uniform picks."""
    import random
    rng = random.Random(seed)
    weeks = []
    feedback_file = None
    for i, name in enumerate(windows, start=1):
        path = os.path.join(replay, "windows", name)
        rows = read_rows(path)
        unlabelled = os.path.join(out, f"traffic-{i:02d}.csv")
        write_rows(unlabelled, list(rows[0].keys()), strip_labels(rows))
        cmd = [BINARY, "cycle", "--task", spec, "--traffic", unlabelled, "--json", "-", "--quiet"]
        if feedback_file:
            cmd += ["--feedback", feedback_file]
        selection = os.path.join(out, f"selection-{i:02d}.csv")
        if arm == "select":
            cmd += ["--label-budget", str(budget), "--selection", selection]
        p = run(cmd, ok=(0, 1))
        c = json.loads(p.stdout)
        json.dump(c, open(os.path.join(out, f"cycle-{i:02d}.json"), "w"), indent=1)
        # The production model of this week, scored on every label of the week.
        accuracy = monitor(BINARY, spec, model_file(out, c["model"]), path)["feedback_accuracy"]["value"]
        weeks.append(week_record(i, name, c, p.returncode, accuracy))
        by_id = {r["id"]: r for r in rows}
        if arm == "select":
            picked = [by_id[r["id"]] for r in read_rows(selection)]
        else:
            picked = rng.sample(rows, min(budget, len(rows)))
        feedback_file = os.path.join(out, f"labels-{i:02d}.csv")
        write_rows(feedback_file, list(rows[0].keys()), picked)
        w = weeks[-1]
        print(f"  [{arm}] week {i:2d}: acc {accuracy:.3f} alerts {c['alerts']} retrained {c['retrained']}"
              f"{' (recovery)' if w['recovery'] else ''} promoted {c['promoted']}"
              f"{' (threshold)' if w['threshold_refresh'] else ''}", flush=True)
    return weeks


def promotions_of(replay, windows, spec, out, weeks):
    """Promoted models against the ones they replaced, on the following week."""
    promotions = []
    for w in weeks:
        if w["promoted"] and w["week"] < len(windows):
            nxt = os.path.join(replay, "windows", windows[w["week"]])
            new = monitor(BINARY, spec, model_file(out, w["production_after"]), nxt)["feedback_accuracy"]["value"]
            old = monitor(BINARY, spec, model_file(out, w["production_before"]), nxt)["feedback_accuracy"]["value"]
            promotions.append({"week": w["week"], "next_week": w["week"] + 1, "new": new, "old": old})
    return promotions


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float("nan")


def run_stream(replay, args):
    events = json.load(open(os.path.join(replay, "events.json")))
    windows = sorted(f for f in os.listdir(os.path.join(replay, "windows")) if f.endswith(".csv"))
    stream = os.path.basename(replay.rstrip("/"))
    out = os.path.join(os.path.abspath(args.out), stream)
    print(f"== {stream}: {len(windows)} windows", flush=True)
    t0 = time.time()
    spec, initial_model, train, test = prepare(replay, out)
    fa = false_alarms(spec, initial_model, test, out, args.false_alarm_windows)
    weeks = run_policy(replay, windows, spec, out)
    policy_seconds = time.time() - t0
    promotions = promotions_of(replay, windows, spec, out, weeks)

    baselines = {"never": [], "every": []}
    if not args.skip_baselines:
        for i, name in enumerate(windows, start=1):
            path = os.path.join(replay, "windows", name)
            baselines["never"].append(monitor(BINARY, spec, initial_model, path)["feedback_accuracy"]["value"])
        # Retrain after every window: training data plus every labelled row so far.
        model = initial_model
        feedback = []
        for i, name in enumerate(windows, start=1):
            path = os.path.join(replay, "windows", name)
            baselines["every"].append(monitor(BINARY, spec, model, path)["feedback_accuracy"]["value"])
            feedback += [r for r in read_rows(path) if r["intent"]]
            if i == len(windows):
                break
            d = os.path.join(out, "every", f"after-{i:02d}")
            os.makedirs(d)
            write_rows(os.path.join(d, "train.csv"), ["text", "intent"], train + feedback)
            shutil.copy(os.path.join(out, "test.csv"), os.path.join(d, "test.csv"))
            open(os.path.join(d, "task.yaml"), "w").write(SPEC.format(train="train.csv", seed=SEED))
            # The same learner and settings; the data check's minimum examples per label would
            # refuse the thin new labels, which the cycle also trains on (docs/monitoring.md).
            run([BINARY, "train", "--task", os.path.join(d, "task.yaml"), "--out", os.path.join(d, "run"), "--quiet",
                 "--allow-data-errors"])
            model = os.path.join(d, "run", "model.bin")

    budget = {}
    if args.label_budget:
        arm_out = os.path.join(out, "budget-select")
        spec_b, _, _, _ = prepare(replay, arm_out, initial_model)
        budget["select"] = run_budget(replay, windows, spec_b, arm_out, args.label_budget, "select", seed=0)
        # The random arm's picks vary with its seed: its expected accuracy is the mean over seeds.
        budget["random_seeds"] = []
        for k in range(args.random_seeds):
            arm_out = os.path.join(out, f"budget-random-{k}")
            spec_b, _, _, _ = prepare(replay, arm_out, initial_model)
            budget["random_seeds"].append(run_budget(replay, windows, spec_b, arm_out, args.label_budget, "random",
                                                     seed=20261206 + k))
        budget["random"] = [dict(w, accuracy=mean([run[i]["accuracy"] for run in budget["random_seeds"]]),
                                 retrained=sum(run[i]["retrained"] for run in budget["random_seeds"]) / args.random_seeds,
                                 triggered=any(run[i]["triggered"] for run in budget["random_seeds"]))
                            for i, w in enumerate(budget["random_seeds"][0])]

    # Checkpoints are a few dozen MB per run and the comparison makes about 80 runs per
    # stream: only the models are kept.
    for root, dirs, _ in os.walk(out):
        for d in list(dirs):
            if d == "checkpoints":
                shutil.rmtree(os.path.join(root, d), ignore_errors=True)
                dirs.remove(d)
    stable = events["stable_until"]
    result = {
        "stream": stream, "replay": replay, "weeks": weeks, "promotions": promotions, "baselines": baselines,
        "events": events, "policy_mean": mean([w["accuracy"] for w in weeks]),
        "never_mean": mean(baselines["never"]), "every_mean": mean(baselines["every"]),
        "retrains": sum(w["retrained"] for w in weeks), "promoted": sum(w["promoted"] for w in weeks),
        "threshold_refreshes": sum(w["threshold_refresh"] for w in weeks),
        "recoveries": sum(w["retrained"] and w["recovery"] for w in weeks),
        "failed_cycles": sum(w["exit"] not in (0, 1) for w in weeks),
        "stable_triggers": sum(w["triggered"] for w in weeks if w["week"] <= stable),
        "stable_alerts": sum(len(w["alerts"]) for w in weeks if w["week"] <= stable),
        "estimate_error_stable": max(abs(w["estimated"] - w["accuracy"]) for w in weeks if w["week"] <= stable),
        # Each event by the signal that sees it, in its first week.
        "events_flagged": {k: EVENT_SIGNAL.get(k, "") in weeks[v - 1]["alerts"] if k in EVENT_SIGNAL
                           else bool(weeks[v - 1]["alerts"]) for k, v in events["events"].items()},
        "new_domain_retrained": weeks[events["events"]["new_domain"] - 1]["retrained"],
        "worse_promotions": sum(p["new"] < p["old"] - 0.02 for p in promotions),
        "policy_seconds": policy_seconds,
        "false_alarms": fa,
        "label_budget": args.label_budget,
        "budget": budget,
    }
    if budget:
        result["budget_select_mean"] = mean([w["accuracy"] for w in budget["select"]])
        result["budget_random_mean"] = mean([w["accuracy"] for w in budget["random"]])
        result["budget_random_means"] = [mean([w["accuracy"] for w in run]) for run in budget["random_seeds"]]
        result["budget_stable_triggers"] = {arm: sum(w["triggered"] for w in budget[arm] if w["week"] <= stable)
                                            for arm in ("select", "random")}
        result["budget_retrains"] = {arm: sum(w["retrained"] for w in budget[arm]) for arm in ("select", "random")}
    print(json.dumps({k: v for k, v in result.items()
                      if k not in ("weeks", "baselines", "promotions", "events", "false_alarms", "budget")},
                     indent=1), flush=True)
    return result


BINARY = os.path.join(HERE, "..", "build", "trainops")
SEED = 1  # --seed: the training seed of every arm's spec
SPEC_EXTRA = ""  # --spec-extra: YAML appended to the policy's spec (not the every-window baseline's)


def main():
    global BINARY, SPEC_EXTRA, SEED
    ap = argparse.ArgumentParser()
    ap.add_argument("--replay", action="append", default=[],
                    help="a stream folder (repeat for several; default: ../shared/data/replay and replay_banking)")
    ap.add_argument("--binary", default=BINARY)
    ap.add_argument("--out", default=os.path.join(HERE, "work", "replay"))
    ap.add_argument("--json", default="")
    ap.add_argument("--results", default="", help="write the tables into this RESULTS.md (generated sections)")
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--label-budget", type=int, default=0,
                    help="also replay each stream with this many labels per window (select vs random)")
    ap.add_argument("--random-seeds", type=int, default=3,
                    help="with --label-budget: seeds of the random arm (its accuracy is the mean over them)")
    ap.add_argument("--false-alarm-windows", type=int, default=300,
                    help="stable windows drawn from the held-out test split to measure false alarms")
    ap.add_argument("--spec-extra", default="",
                    help="YAML appended to the policy's task spec, e.g. 'drift:\\n  feedback_as: weights\\n'")
    ap.add_argument("--seed", type=int, default=1,
                    help="training seed of every arm (the first model's too); the loop's outcome moves by about a "
                         "point with it, so compare settings over several")
    ap.add_argument("--extra-seeds", default="",
                    help="comma-separated training seeds to rerun the policy and both baselines with (no label "
                         "budget, no false-alarm windows), reported as a seed-sensitivity table, e.g. 2,3")
    args = ap.parse_args()
    SEED = args.seed
    BINARY = os.path.abspath(args.binary)
    SPEC_EXTRA = args.spec_extra.replace("\\n", "\n")
    shared = os.path.join(HERE, "..", "..", "shared", "data")
    replays = [os.path.abspath(r) for r in (args.replay or [os.path.join(shared, "replay"),
                                                            os.path.join(shared, "replay_banking")])]
    results = []
    for replay in replays:
        if not os.path.isdir(replay):
            print(f"replay_bench: {replay} is absent; skipped")
            continue
        r = run_stream(replay, args)
        r["seeds"] = [seed_summary(r, args.seed)]
        for seed in [int(x) for x in args.extra_seeds.split(",") if x.strip()]:
            SEED = seed
            again = argparse.Namespace(**{**vars(args), "label_budget": 0, "false_alarm_windows": 0,
                                          "out": os.path.join(os.path.abspath(args.out), f"seed-{seed}")})
            r["seeds"].append(seed_summary(run_stream(replay, again), seed))
        SEED = args.seed
        results.append(r)
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)
    if args.results and results:
        write_results(args.results, results, " ".join(["bench/replay_bench.py"] + sys.argv[1:]))
    return 0


def seed_summary(r, seed):
    return {"seed": seed, "policy_mean": r["policy_mean"], "every_mean": r["every_mean"], "never_mean": r["never_mean"],
            "retrains": r["retrains"], "worse_promotions": r["worse_promotions"],
            "stable_triggers": r["stable_triggers"], "failed_cycles": r["failed_cycles"]}


def seed_lines(r):
    """The same comparison with other training seeds: a different seed changes every
    model (the first one too), so it shows how much of a difference is noise."""
    seeds = r.get("seeds", [])
    if len(seeds) < 2 or any(x["every_mean"] != x["every_mean"] for x in seeds):  # NaN: --skip-baselines
        return []
    lines = [f"Training seed sensitivity (`--extra-seeds`; the first row is the table above; the policy and both "
             "baselines rerun with the spec's seed changed, no label budget):", "",
             "| seed | policy % | retrain every window % | never retrain % | policy - every | retrains | "
             "worse promotions | stable-week triggers |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for x in seeds:
        lines.append(f"| {x['seed']} | {pct(x['policy_mean'])} | {pct(x['every_mean'])} | {pct(x['never_mean'])} | "
                     f"{100 * (x['policy_mean'] - x['every_mean']):+.1f} | {x['retrains']} | {x['worse_promotions']} | "
                     f"{x['stable_triggers']} |")
    diffs = [x["policy_mean"] - x["every_mean"] for x in seeds]
    ahead = sum(d >= 0 for d in diffs)
    lines += ["", f"Mean over {len(seeds)} seeds: policy - every window {100 * mean(diffs):+.2f} points "
              f"(policy at least equal in {ahead} of {len(seeds)}).", ""]
    return lines


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}"


def stream_lines(r):
    ev = {v: k for k, v in r["events"]["events"].items()}
    n = len(r["weeks"])
    lines = ["", f"### Stream `{r['stream']}` ({n} weekly windows; events: "
             + ", ".join(f"{k} in week {v}" for k, v in r["events"]["events"].items()) + ")", "",
             "| week | event | policy: accuracy % | estimated % | alerts | retrained | promoted | never retrain % | "
             "retrain every window % |",
             "| ---: | --- | ---: | ---: | --- | --- | --- | ---: | ---: |"]
    never, every = r["baselines"]["never"], r["baselines"]["every"]
    for i, w in enumerate(r["weeks"]):
        retrained = ("yes (recovery)" if w["recovery"] else "yes") if w["retrained"] else "no"
        lines.append(f"| {w['week']} | {ev.get(w['week'], 'stable' if w['week'] <= r['events']['stable_until'] else '')} | "
                     f"{pct(w['accuracy'])} | {pct(w['estimated'])}{'' if w['estimate_reliable'] else ' (unreliable)'} | "
                     f"{', '.join(w['alerts']) or '-'} | {retrained} | "
                     f"{('yes (threshold)' if w['threshold_refresh'] else 'yes') if w['promoted'] else 'no'} | "
                     f"{pct(never[i] if i < len(never) else None)} | "
                     f"{pct(every[i] if i < len(every) else None)} |")
    lines += ["", f"Mean production accuracy: policy **{pct(r['policy_mean'])}%**, never retraining {pct(r['never_mean'])}%, "
              f"retraining after every window {pct(r['every_mean'])}% ({n - 1} retrains). Policy: {r['retrains']} retrains "
              f"({r['recoveries']} of them recovery), {r['promoted']} promotions ({r['threshold_refreshes']} of them a threshold "
              f"refresh, no training), {r['failed_cycles']} failed cycles.", ""]
    for p in r["promotions"]:
        lines.append(f"- promoted after week {p['week']}: on week {p['next_week']} the new model scores {pct(p['new'])}%, "
                     f"the one it replaced {pct(p['old'])}%")
    data = [f"week {w['week']}: {w['superseded']} superseded, {w['left_out']} conflicting left out"
            for w in r["weeks"] if w["superseded"] or w["left_out"]]
    if data:
        lines += ["", "Data policy of the retrains: " + "; ".join(data) + "."]
    fa = r["false_alarms"]
    if fa["windows"]:
        lines += ["", f"False alarms of the defaults: {fa['any_alert']} of {fa['windows']} stable windows raised any alert "
                  f"({fa['by_signal'] or 'none'}); windows of 200 rows drawn with replacement from the held-out test split "
                  f"and monitored with the first model. Label-free estimate on those windows: mean absolute error "
                  f"{pct(fa['estimate_mean_abs_error'])} points, within 3 points in {pct(fa['estimate_within_3_points'])}% "
                  f"of windows; on the stable weeks of the stream, largest error {pct(r['estimate_error_stable'])} points."]
    lines.append("")
    targets = [
        ("mean accuracy at least that of retraining after every window with all labels",
         r["policy_mean"] >= r["every_mean"]),
        ("at most 6 retrains", r["retrains"] <= 6),
        ("0 promoted models worse than the one they replaced (next week, beyond 2 points)", r["worse_promotions"] == 0),
        ("no trigger in the stable weeks", r["stable_triggers"] == 0),
        ("every injected drift flagged in its first week", all(r["events_flagged"].values())),
        ("no cycle failed", r["failed_cycles"] == 0),
    ]
    if r.get("budget"):
        b = r["budget"]
        seeds = len(b["random_seeds"])
        lines += [f"With a label budget of {r['label_budget']} per window (window w arrives unlabelled; the labels of "
                  f"{r['label_budget']} of its messages arrive with window w+1; accuracy = the production model on the "
                  f"week's full labels). Select: the messages `cycle --label-budget {r['label_budget']}` picked; random: "
                  f"{r['label_budget']} uniform messages, mean over {seeds} seeds (retrains: how many of the seeds "
                  "retrained that week):", "",
                  "| week | select: accuracy % | retrained | random: accuracy % | retrained |",
                  "| ---: | ---: | --- | ---: | --- |"]
        for s_w, r_w in zip(b["select"], b["random"]):
            recovery = " (recovery)" if s_w["recovery"] else ""
            lines.append(f"| {s_w['week']} | {pct(s_w['accuracy'])} | {'yes' + recovery if s_w['retrained'] else 'no'} | "
                         f"{pct(r_w['accuracy'])} | {round(r_w['retrained'] * seeds)} of {seeds} |")
        gain = r["budget_select_mean"] - r["budget_random_mean"]
        lines += ["", f"Mean accuracy: select **{pct(r['budget_select_mean'])}%** ({r['budget_retrains']['select']} retrains), "
                  f"random {pct(r['budget_random_mean'])}% (per seed: "
                  f"{', '.join(pct(m) for m in r['budget_random_means'])}): {100 * gain:+.1f} points.", ""]
        targets.append((f"with --label-budget {r['label_budget']}: at least +2 points over {r['label_budget']} random labels",
                        gain >= 0.02))
        targets.append(("with the label budget: no trigger in the stable weeks (either arm)",
                        sum(r["budget_stable_triggers"].values()) == 0))
    lines += ["Targets:", ""]
    lines += [f"- {'reached' if ok else '**missed**'}: {name}" for name, ok in targets]
    lines += [""]
    lines += seed_lines(r)
    return lines


def write_results(path, results, command):
    """Replaces the generated section of bench/RESULTS.md (or appends it)."""
    lines = ["", "## The weekly loop on two replay streams (issues 13 and 23)", "",
             f"Command: `{command}` (trainops commit {git_commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).",
             "Streams: `../shared/data/replay` (CLINC150) and `../shared/data/replay_banking` (BANKING77), weekly windows",
             "with drift injected at known weeks (events.json). The test data for the gates is 15% of initial_train.csv",
             "carved by a hash of the text; the rest trains the first model. Accuracy of a week = the production model's",
             "accuracy on that week's labels, scored before the week's labels are used. Same learner and settings for",
             f"every column (linear model, seed {SEED}, one thread so that every run is bit-reproducible), every arm starting",
             "from the same first model; \"retrain every window\" trains on the training data plus every label so far,",
             "unweighted, without a gate (a cron job); the policy is `trainops cycle` with the spec's defaults."]
    for r in results:
        lines += stream_lines(r)
    write_section(path, "replay", "bench/replay_bench.py", lines)


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=HERE).stdout.strip()
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
