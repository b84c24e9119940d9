#!/usr/bin/python3
"""Runs the side-by-side intent-classification benchmark (issue 3, item 6).

For each dataset split by prepare_splits.py and each system, trains on train, predicts
valid and test, and scores the predictions with the same code (bench_lib), each
process under /usr/bin/time -v for wall time and peak RSS. Systems:
  fasttext            fasttext supervised, fixed parameters (FASTTEXT_FIXED below)
  fasttext_autotune   fasttext supervised -autotune-validation valid.ft
  sklearn             sklearn_baseline.py (TF-IDF word+char, logistic regression)
  sklearn_svc         sklearn_baseline.py --classifier linear_svc (the same features, LinearSVC)
  trainops            build/trainops train/predict/eval ("not built" if the binary is missing)
  trainops_ensemble   the same with --ensemble embedding (the embedding companion, docs/model.md)
Results are merged into <work>/results.json under "intent": rerunning a subset of
datasets or systems replaces only those entries, so trainops can be re-measured later
without repeating fastText's autotune.

Settings come from the environment (run_bench.sh documents them): BENCH_DATASETS,
BENCH_SYSTEMS, BENCH_AUTOTUNE_SECONDS, BENCH_THREADS, BENCH_WORK, TRAINOPS_BIN.
"""

import json
import os
import shutil
import sys

import bench_lib
from bench_lib import HERE, REPO

DATASETS = ["banking77", "clinc150", "bitext"]
SYSTEMS = ["fasttext", "fasttext_autotune", "sklearn", "sklearn_svc", "trainops", "trainops_ensemble"]
SEED = 1
FASTTEXT_FIXED = ["-epoch", "25", "-lr", "0.5", "-wordNgrams", "2"]


class Settings:
    def __init__(self):
        env = os.environ
        self.datasets = env.get("BENCH_DATASETS", " ".join(DATASETS)).split()
        self.systems = env.get("BENCH_SYSTEMS", " ".join(SYSTEMS)).split()
        self.autotune_seconds = int(env.get("BENCH_AUTOTUNE_SECONDS", "120"))
        self.threads = int(env.get("BENCH_THREADS", "2"))
        self.work = os.path.abspath(env.get("BENCH_WORK", os.path.join(HERE, "work")))
        self.trainops = os.path.abspath(env.get("TRAINOPS_BIN", os.path.join(REPO, "build", "trainops")))
        for name in self.datasets:
            if name not in DATASETS:
                sys.exit(f"intent_bench: BENCH_DATASETS: unknown dataset \"{name}\"; choose from {DATASETS}")
        for name in self.systems:
            if name not in SYSTEMS:
                sys.exit(f"intent_bench: BENCH_SYSTEMS: unknown system \"{name}\"; choose from {SYSTEMS}")


def fresh_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def strip_fasttext_label(line):
    first = line.split(" ", 1)[0]
    return first[len("__label__"):] if first.startswith("__label__") else first


AUTOTUNE_ATTEMPTS = 3
TIMER_GRACE_SECONDS = 20


def run_autotune(argv, log, settings, entry):
    """Runs fastText autotune, restarting it when its time budget is not enforced.

    fastText 0.9.2 starts the budget timer thread before it sets the flag the thread
    loops on (Autotune::startTimer). When the thread runs first, it exits at once,
    prints no "Progress:" line, and the search never stops. A busy machine makes this
    more likely. The watchdog kills such a run after TIMER_GRACE_SECONDS, and the run
    is started again. A hard cap guards against anything else that keeps it running.
    """
    hard_cap = max(1800, 10 * settings.autotune_seconds)

    def watchdog(elapsed):
        if elapsed > TIMER_GRACE_SECONDS:
            with open(log, encoding="utf-8", errors="replace") as f:
                if "Progress:" not in f.read():
                    return (f"no autotune progress line after {TIMER_GRACE_SECONDS} s: the fastText 0.9.2 "
                            "budget timer did not start (race in Autotune::startTimer)")
        if elapsed > hard_cap:
            return f"still running after {hard_cap} s"
        return None

    restarts = []
    for attempt in range(1, AUTOTUNE_ATTEMPTS + 1):
        run = bench_lib.timed_run(argv, log, watchdog=watchdog)
        if "killed" not in run or not run["killed"].startswith("no autotune progress"):
            break
        restarts.append(run["killed"])
        print(f"intent_bench: fastText autotune attempt {attempt}/{AUTOTUNE_ATTEMPTS} killed: {run['killed']}",
              flush=True)
    if restarts:
        entry["autotune_restarts"] = restarts
    return run


def parse_autotune_log(path):
    """Reads the trial count and the chosen arguments from a -verbose 3 autotune log."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().replace("\r", "\n").splitlines()
    trials = sum(1 for line in lines if line.startswith("Trial = "))
    chosen = {}
    if "Training again with best arguments" in lines:
        for line in lines[lines.index("Training again with best arguments") + 1:]:
            key, sep, value = line.partition(" = ")
            if not sep:
                break
            if key != "Best selected args":
                chosen[key.strip()] = value.strip()
    return {"autotune_trials": trials, "chosen_args": chosen}


def score(data_dir, split, predicted):
    truth = bench_lib.read_labels_csv(os.path.join(data_dir, f"{split}.csv"))
    return bench_lib.classification_metrics(truth, predicted)


def failed(entry, step, run):
    entry["status"] = "failed"
    entry["failed_step"] = step
    entry["error"] = f"{step} exited with {run['exit_code']}; see {run['log']}"
    if run.get("killed"):
        entry["error"] += f" (killed by the harness: {run['killed']})"
    return entry


def run_fasttext(data, out, settings, autotune):
    entry = {"status": "ok", "steps": {}}
    model = os.path.join(out, "model")
    argv = ["fasttext", "supervised", "-input", os.path.join(data, "train.ft"), "-output", model]
    if autotune:
        # -verbose 3 only adds each trial's arguments to the log, from which the chosen
        # ones (lr included, which "fasttext dump args" omits) are read back.
        argv += ["-autotune-validation", os.path.join(data, "valid.ft"),
                 "-autotune-duration", str(settings.autotune_seconds), "-verbose", "3"]
    else:
        argv += FASTTEXT_FIXED
    argv += ["-thread", str(settings.threads), "-seed", str(SEED)]
    log = os.path.join(out, "train.log")
    if autotune:
        run = run_autotune(argv, log, settings, entry)
    else:
        run = bench_lib.timed_run(argv, log)
    entry["steps"]["train"] = run
    if run["exit_code"] != 0:
        return failed(entry, "train", run)
    for split in ("test", "valid"):
        pred_path = os.path.join(out, f"pred_{split}.txt")
        run = bench_lib.timed_run(["fasttext", "predict", model + ".bin", os.path.join(data, f"{split}.txt")],
                                  os.path.join(out, f"predict_{split}.log"), stdout_path=pred_path)
        entry["steps"][f"predict_{split}"] = run
        if run["exit_code"] != 0:
            return failed(entry, f"predict_{split}", run)
        entry[split] = score(data, split, [strip_fasttext_label(l) for l in bench_lib.read_lines(pred_path)])
    entry["model_bytes"] = os.path.getsize(model + ".bin")
    if autotune:
        entry.update(parse_autotune_log(os.path.join(out, "train.log")))
    return entry


def run_sklearn(data, out, settings, classifier="logreg"):
    entry = {"status": "ok", "steps": {}}
    script = os.path.join(HERE, "sklearn_baseline.py")
    model = os.path.join(out, "model.pkl")
    # lbfgs fits the multinomial model in one process; numpy/BLAS threads are the only
    # parallelism, so they get the same cap as the other systems.
    threads = str(settings.threads)
    env = {"OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    report = os.path.join(out, "train_report.json")
    run = bench_lib.timed_run(["/usr/bin/python3", script, "train", "--classifier", classifier,
                               "--train", os.path.join(data, "train.csv"),
                               "--out", model, "--report", report], os.path.join(out, "train.log"), env=env)
    entry["steps"]["train"] = run
    if run["exit_code"] != 0:
        return failed(entry, "train", run)
    with open(report, encoding="utf-8") as f:
        entry["train_report"] = json.load(f)
    for split in ("test", "valid"):
        pred_path = os.path.join(out, f"pred_{split}.csv")
        report = os.path.join(out, f"predict_{split}_report.json")
        run = bench_lib.timed_run(["/usr/bin/python3", script, "predict", "--model", model,
                                   "--data", os.path.join(data, f"{split}.csv"), "--output", pred_path,
                                   "--report", report], os.path.join(out, f"predict_{split}.log"), env=env)
        entry["steps"][f"predict_{split}"] = run
        if run["exit_code"] != 0:
            return failed(entry, f"predict_{split}", run)
        with open(report, encoding="utf-8") as f:
            entry[f"predict_{split}_report"] = json.load(f)
        entry[split] = score(data, split, bench_lib.read_labels_csv(pred_path))
    entry["model_bytes"] = os.path.getsize(model)
    return entry


def run_trainops(data, out, settings, extra=()):
    if not os.access(settings.trainops, os.X_OK):
        return {"status": "not built", "error": f"{bench_lib.rel(settings.trainops)} does not exist; "
                "build it with: cmake -S . -B build && cmake --build build -j2"}
    entry = {"status": "ok", "steps": {}}
    model_dir = os.path.join(out, "model")
    model = os.path.join(model_dir, "model.bin")
    run = bench_lib.timed_run(
        [settings.trainops, "train", "--data", os.path.join(data, "train.csv"), "--text-column", "text",
         "--label-column", "label", "--validation", os.path.join(data, "valid.csv"), "--out", model_dir,
         "--threads", str(settings.threads), "--seed", str(SEED), *extra], os.path.join(out, "train.log"))
    entry["steps"]["train"] = run
    if run["exit_code"] != 0:
        return failed(entry, "train", run)
    for split in ("test", "valid"):
        pred_path = os.path.join(out, f"pred_{split}.csv")
        run = bench_lib.timed_run(
            [settings.trainops, "predict", "--model", model, "--data", os.path.join(data, f"{split}.csv"),
             "--text-column", "text", "--output", pred_path], os.path.join(out, f"predict_{split}.log"))
        entry["steps"][f"predict_{split}"] = run
        if run["exit_code"] != 0:
            return failed(entry, f"predict_{split}", run)
        try:
            entry[split] = score(data, split, bench_lib.read_labels_csv(pred_path))
        except (KeyError, ValueError) as e:
            entry["status"] = "failed"
            entry["error"] = f"{bench_lib.rel(pred_path)}: unusable predictions ({e!r}); expected CSV label,confidence"
            return entry
    # trainops eval is run too and checked against the harness's own scoring of the
    # predictions: the two must agree, or one of them is wrong.
    for split in ("valid", "test"):
        eval_path = os.path.join(out, f"eval_{split}.json")
        run = bench_lib.timed_run(
            [settings.trainops, "eval", "--model", model, "--data", os.path.join(data, f"{split}.csv"),
             "--text-column", "text", "--label-column", "label", "--json", eval_path],
            os.path.join(out, f"eval_{split}.log"))
        entry["steps"][f"eval_{split}"] = run
        if run["exit_code"] != 0:
            return failed(entry, f"eval_{split}", run)
        with open(eval_path, encoding="utf-8") as f:
            ev = json.load(f)
        own = entry[split]
        entry[f"eval_{split}"] = {k: ev.get(k) for k in ("accuracy", "macro_f1", "weighted_f1", "n")}
        mismatch = [k for k in ("accuracy", "macro_f1")
                    if not isinstance(ev.get(k), (int, float)) or abs(ev[k] - own[k]) > 1e-6]
        if ev.get("n") != own["n"]:
            mismatch.append("n")
        if mismatch:
            entry.setdefault("warnings", []).append(
                f"trainops eval on {split} disagrees with the predictions on {', '.join(mismatch)}: "
                f"eval {entry[f'eval_{split}']} vs predict-scored {own}")
    entry["model_bytes"] = os.path.getsize(model)
    run_json = os.path.join(model_dir, "run.json")
    if os.path.exists(run_json):
        with open(run_json, encoding="utf-8") as f:
            info = json.load(f)
        entry["run_json"] = {k: info[k] for k in ("wall_seconds", "examples_per_second") if k in info}
    return entry


def versions(settings):
    sha = bench_lib.tool_version(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    dirty = bench_lib.tool_version(["git", "--no-optional-locks", "-C", REPO, "status", "--porcelain",
                                    "--untracked-files=no"])
    return {
        "fasttext": bench_lib.dpkg_version("fasttext"),
        "python3-sklearn": bench_lib.dpkg_version("python3-sklearn"),
        "trainops_commit": (sha + ("+uncommitted changes" if dirty else "")) if sha else None,
    }


def main():
    settings = Settings()
    results_path = os.path.join(settings.work, "results.json")
    machine = bench_lib.machine_info()
    tool_versions = versions(settings)

    def record_settings(results):
        intent = results.setdefault("intent", {"runs": {}, "splits": {}})
        intent["machine"] = machine
        intent["threads"] = settings.threads
        intent["seed"] = SEED
        intent["fasttext_fixed_args"] = " ".join(FASTTEXT_FIXED)
        intent["versions"] = tool_versions

    bench_lib.update_results(results_path, record_settings)
    for dataset in settings.datasets:
        data = os.path.join(settings.work, dataset)
        with open(os.path.join(data, "split.json"), encoding="utf-8") as f:
            split = json.load(f)
        split_summary = {k: split[k] for k in ("seed", "test_fraction", "valid_fraction_of_rest",
                                               "rows", "labels", "text_column", "label_column", "method")}
        for system in settings.systems:
            out = fresh_dir(os.path.join(data, system))
            print(f"intent_bench: {dataset} / {system} ...", flush=True)
            if system == "fasttext":
                entry = run_fasttext(data, out, settings, autotune=False)
            elif system == "fasttext_autotune":
                if settings.autotune_seconds <= 0:
                    entry = {"status": "skipped", "error": "BENCH_AUTOTUNE_SECONDS=0"}
                else:
                    entry = run_fasttext(data, out, settings, autotune=True)
                    entry["autotune_seconds"] = settings.autotune_seconds
            elif system == "sklearn":
                entry = run_sklearn(data, out, settings)
            elif system == "sklearn_svc":
                entry = run_sklearn(data, out, settings, classifier="linear_svc")
            elif system == "trainops_ensemble":
                entry = run_trainops(data, out, settings, extra=("--ensemble", "embedding"))
            else:
                entry = run_trainops(data, out, settings)
            entry["finished_at"] = bench_lib.now()
            entry["versions"] = tool_versions
            summary = entry["status"]
            if entry["status"] == "ok":
                summary += (f": test acc {entry['test']['accuracy']:.4f}, macro-F1 {entry['test']['macro_f1']:.4f}, "
                            f"train {entry['steps']['train']['wall_seconds']:.1f} s")
            elif entry.get("error"):
                summary += f": {entry['error']}"
            print(f"intent_bench: {dataset} / {system}: {summary}", flush=True)
            for warning in entry.get("warnings", []):
                print(f"intent_bench: WARNING: {warning}", flush=True)

            def store(results, dataset=dataset, system=system, entry=entry, split_summary=split_summary):
                intent = results["intent"]
                intent["splits"][dataset] = split_summary
                intent["runs"].setdefault(dataset, {})[system] = entry

            bench_lib.update_results(results_path, store)


if __name__ == "__main__":
    main()
