#!/usr/bin/python3
"""Benchmark of the Python binding (issue 14 targets), side by side with the CLI.

1. accuracy: on each shared dataset's carved split (bench/prepare_splits.py: train, test),
   `trainops train --data train.csv --threads 1` + `trainops eval` against
   trainops.sklearn.TrainopsClassifier(threads=1).fit(train).score(test): the same
   settings (defaults, a seeded 10% validation split of train). Target: within 0.5 point
   on BANKING77.
2. agreement: trainops.load_model(the CLI's model).predict(test texts, k=2) against
   `trainops predict --data test.csv --top-k 2`, every row: labels equal and confidences
   within 1e-6 (the CLI prints 6 decimals). Target: every row.
3. overhead: 10,000 texts (BANKING77 test texts, cycled). The same work both ways, each
   in a fresh process, median of --repeats runs: the CLI (`trainops predict --data
   texts.csv --output out.csv`: start, load the model, read, classify on one thread,
   write) against a Python script doing the same (start the interpreter, import trainops,
   load the model, read the CSV with csv, Model.predict(texts, threads=1), write the CSV).
   Also reported: the predict() call alone, in-process. Target: Python at most 20% over
   the CLI.

Usage: /usr/bin/python3 bench/python_bench.py [--trainops build/trainops]
       [--pythonpath build/python] [--repeats 7] [--results bench/RESULTS.md]
Needs ../shared/data; the splits are made (once) under bench/work/.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_lib  # noqa: E402

DATASETS = ["banking77", "clinc150", "bitext"]

PYTHON_PREDICT = r"""
import csv, sys, trainops
model = trainops.load_model(sys.argv[1])
with open(sys.argv[2], newline="", encoding="utf-8") as f:
    texts = [row["text"] for row in csv.DictReader(f)]
answers = model.predict(texts, threads=1)
with open(sys.argv[3], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["label", "confidence"])
    for a in answers:
        w.writerow([a[0][0], f"{a[0][1]:.6f}"])
"""


def run(argv, env=None):
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {result.returncode}:\n{result.stderr}")
    return result


def timed(argv, env, repeats):
    times = []
    for _ in range(repeats):
        start = time.monotonic()
        run(argv, env)
        times.append(time.monotonic() - start)
    return statistics.median(times), times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainops", default=os.path.join(REPO, "build", "trainops"))
    parser.add_argument("--pythonpath", default=os.path.join(REPO, "build", "python"))
    parser.add_argument("--work", default=os.path.join(HERE, "work"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--json")
    parser.add_argument("--results", help="update the generated:python section of this RESULTS.md")
    args = parser.parse_args()
    sys.path.insert(0, args.pythonpath)
    import trainops
    from trainops.sklearn import TrainopsClassifier

    env = dict(os.environ, PYTHONPATH=args.pythonpath)
    missing = [d for d in args.datasets if not os.path.exists(os.path.join(args.work, d, "test.csv"))]
    if missing:
        run([sys.executable, os.path.join(HERE, "prepare_splits.py"), "--work", args.work, "--datasets", *missing])
    tmp = tempfile.mkdtemp(prefix="python_bench_", dir=args.work)
    report = {"machine": bench_lib.machine_info(), "date": bench_lib.now(), "datasets": {}}

    for name in args.datasets:
        folder = os.path.join(args.work, name)
        train, test = os.path.join(folder, "train.csv"), os.path.join(folder, "test.csv")
        rows = bench_lib.read_rows(train)
        test_rows = bench_lib.read_rows(test)
        run_dir = os.path.join(tmp, name + "-cli")
        start = time.monotonic()
        run([args.trainops, "train", "--data", train, "--text-column", "text", "--label-column", "label",
             "--threads", "1", "--no-registry", "--quiet", "--allow-data-errors", "--out", run_dir])
        cli_train_seconds = time.monotonic() - start
        eval_json = os.path.join(tmp, name + "-eval.json")
        run([args.trainops, "eval", "--model", os.path.join(run_dir, "model.bin"), "--data", test, "--text-column",
             "text", "--label-column", "label", "--json", eval_json, "--quiet"])
        with open(eval_json, encoding="utf-8") as f:
            cli_accuracy = json.load(f)["accuracy"]
        start = time.monotonic()
        clf = TrainopsClassifier(threads=1).fit([r["text"] for r in rows], [r["label"] for r in rows])
        py_train_seconds = time.monotonic() - start
        py_accuracy = clf.score([r["text"] for r in test_rows], [r["label"] for r in test_rows])

        # Agreement on every row: the CLI's model, read from Python, against the CLI.
        model = trainops.load_model(os.path.join(run_dir, "model.bin"))
        cli_rows = list(csv.reader(run([args.trainops, "predict", "--model", model.path, "--data", test,
                                        "--text-column", "text", "--top-k", "2"]).stdout.splitlines()))[1:]
        answers = model.predict([r["text"] for r in test_rows], k=2)
        differ = sum(1 for c, a in zip(cli_rows, answers)
                     if [c[0], c[2]] != [a[0][0], a[1][0]] or abs(float(c[1]) - a[0][1]) > 1e-6
                     or abs(float(c[3]) - a[1][1]) > 1e-6)
        differ += abs(len(cli_rows) - len(answers))
        report["datasets"][name] = {
            "train_rows": len(rows), "test_rows": len(test_rows),
            "cli_accuracy": cli_accuracy, "sklearn_accuracy": py_accuracy,
            "difference_points": 100 * (py_accuracy - cli_accuracy),
            "cli_train_seconds": cli_train_seconds, "sklearn_fit_seconds": py_train_seconds,
            "rows_compared": len(test_rows), "rows_differing": differ,
        }
        print(name, report["datasets"][name], flush=True)

    # Overhead: 10,000 texts, the same work in fresh processes.
    model_path = os.path.join(tmp, "banking77-cli", "model.bin")
    texts = [r["text"] for r in bench_lib.read_rows(os.path.join(args.work, "banking77", "test.csv"))]
    texts = (texts * (10000 // len(texts) + 1))[:10000]
    texts_csv = os.path.join(tmp, "texts10k.csv")
    bench_lib.write_rows(texts_csv, ["text"], [{"text": t} for t in texts])
    script = os.path.join(tmp, "predict.py")
    with open(script, "w", encoding="utf-8") as f:
        f.write(PYTHON_PREDICT)
    cli_cmd = [args.trainops, "predict", "--model", model_path, "--data", texts_csv, "--output",
               os.path.join(tmp, "cli_out.csv"), "--quiet"]
    py_cmd = [sys.executable, script, model_path, texts_csv, os.path.join(tmp, "py_out.csv")]
    cli_median, cli_times = timed(cli_cmd, env, args.repeats)
    py_median, py_times = timed(py_cmd, env, args.repeats)
    calls, loaded_calls = [], []
    for _ in range(args.repeats):
        start = time.monotonic()
        model = trainops.load_model(model_path)
        loaded = time.monotonic()
        model.predict(texts, threads=1)
        calls.append(time.monotonic() - loaded)
        loaded_calls.append(time.monotonic() - start)
    report["overhead"] = {
        "texts": len(texts),
        "cli_seconds": cli_median, "python_seconds": py_median, "ratio": py_median / cli_median,
        "cli_runs": cli_times, "python_runs": py_times,
        "predict_call_seconds": statistics.median(calls),
        "load_and_predict_seconds": statistics.median(loaded_calls),
        "in_process_ratio": statistics.median(loaded_calls) / cli_median,
        "cli_command": bench_lib.command_text(cli_cmd),
        "python_command": bench_lib.command_text(py_cmd, env={"PYTHONPATH": args.pythonpath}),
    }
    print("overhead", report["overhead"], flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    if args.results:
        write_results(args.results, report, sys.argv)


def write_results(path, report, argv):
    lines = ["## Python binding (issue 14)", "",
             f"`/usr/bin/python3 bench/python_bench.py {' '.join(argv[1:])}` on {report['date']}, "
             f"{report['machine'].get('cpu_model', 'this machine')}. Splits: bench/prepare_splits.py (seeded 20% test "
             "holdout of each shared training file).", "",
             "**Accuracy, same settings** (defaults, one thread, a seeded 10% validation split of train): "
             "`trainops train` + `trainops eval` against `TrainopsClassifier(threads=1).fit(train).score(test)`; "
             "**agreement**: `trainops.load_model(model).predict(test, k=2)` against `trainops predict --top-k 2` on "
             "every test row (labels equal, confidences within 1e-6).", "",
             "| dataset | train rows | CLI accuracy | TrainopsClassifier | difference (points) | CLI train s | fit s "
             "| rows compared | rows differing |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, d in report["datasets"].items():
        lines.append(f"| {name} | {d['train_rows']} | {100 * d['cli_accuracy']:.2f}% | {100 * d['sklearn_accuracy']:.2f}% "
                     f"| {d['difference_points']:+.2f} | {d['cli_train_seconds']:.1f} | {d['sklearn_fit_seconds']:.1f} "
                     f"| {d['rows_compared']} | {d['rows_differing']} |")
    o = report["overhead"]
    lines += ["", f"**Overhead**, {o['texts']:,} texts, median of {len(o['cli_runs'])} fresh processes each:", "",
              "| | seconds | |", "| --- | ---: | --- |",
              f"| CLI: `{o['cli_command']}` | {o['cli_seconds']:.3f} | start, load, read, classify (1 thread), write |",
              f"| Python: `{o['python_command']}` | {o['python_seconds']:.3f} | interpreter start, import, load, "
              "csv read, `predict(texts, threads=1)`, csv write |",
              f"| fresh Python process / CLI | {o['ratio']:.2f}x | target at most 1.20x: **missed** when the "
              "interpreter's start and imports (about 0.1 s, whatever the number of texts) are counted |"
              if o['ratio'] > 1.2 else f"| fresh Python process / CLI | {o['ratio']:.2f}x | target at most 1.20x |",
              f"| in a running Python (a notebook, a service): `load_model` + `predict(texts, threads=1)` "
              f"| {o['load_and_predict_seconds']:.3f} | {o['in_process_ratio']:.2f}x the CLI's time |",
              f"| `Model.predict(texts, threads=1)` alone | {o['predict_call_seconds']:.3f} | |"]
    bench_lib.write_section(path, "python", "bench/python_bench.py", lines)


if __name__ == "__main__":
    main()
