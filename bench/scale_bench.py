#!/usr/bin/python3
"""Benchmark of data-parallel training under mpirun (issue 15), side by side with one
process: accuracy (on the carved test split, bench/prepare_splits.py) and wall time of
`trainops train` with 1 process and with `mpirun -np 2` and `-np 4`, on each shared
dataset, threads 1 per rank, default settings otherwise. Target: with 2 and 4 ranks,
accuracy within 0.5 point of one process on each dataset.

Usage: /usr/bin/python3 bench/scale_bench.py [--trainops build/trainops] [--ranks 1 2 4]
       [--datasets banking77 clinc150 bitext] [--results bench/RESULTS.md]
This machine has 2 cores: 4 ranks are oversubscribed, so their times say little about a
cluster; accuracy is what the ranks change.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_lib  # noqa: E402

MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainops", default=os.path.join(REPO, "build", "trainops"))
    parser.add_argument("--work", default=os.path.join(HERE, "work"))
    parser.add_argument("--ranks", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--datasets", nargs="+", default=["banking77", "clinc150", "bitext"])
    parser.add_argument("--extra", nargs="*", default=[], help="more train flags, e.g. --every-updates 2000")
    parser.add_argument("--throughput-epochs", type=int, default=5,
                        help="epochs of the one-thread throughput runs against fastText (0 = skip them)")
    parser.add_argument("--json")
    parser.add_argument("--results")
    args = parser.parse_args()
    missing = [d for d in args.datasets if not os.path.exists(os.path.join(args.work, d, "test.csv"))]
    if missing:
        subprocess.run([sys.executable, os.path.join(HERE, "prepare_splits.py"), "--work", args.work, "--datasets",
                        *missing], check=True)
    out_root = os.path.join(args.work, "scale")
    os.makedirs(out_root, exist_ok=True)
    env = dict(os.environ, **MPI_ENV)
    report = {"date": bench_lib.now(), "machine": bench_lib.machine_info(), "extra": args.extra, "runs": []}
    for name in args.datasets:
        folder = os.path.join(args.work, name)
        for ranks in args.ranks:
            out = os.path.join(out_root, f"{name}-np{ranks}")
            subprocess.run(["rm", "-rf", out], check=True)
            train = [args.trainops, "train", "--data", os.path.join(folder, "train.csv"), "--validation",
                     os.path.join(folder, "valid.csv"), "--text-column", "text", "--label-column", "label",
                     "--threads", "1", "--no-registry", "--quiet", "--allow-data-errors", "--out", out, *args.extra]
            argv = train if ranks == 1 else ["mpirun", "--oversubscribe", "-np", str(ranks), *train]
            start = time.monotonic()
            result = subprocess.run(argv, capture_output=True, text=True, env=env)
            seconds = time.monotonic() - start
            if result.returncode != 0:
                raise SystemExit(f"{' '.join(argv)}: exit {result.returncode}\n{result.stderr}")
            eval_json = out + "-eval.json"
            subprocess.run([args.trainops, "eval", "--model", os.path.join(out, "model.bin"), "--data",
                            os.path.join(folder, "test.csv"), "--text-column", "text", "--label-column", "label",
                            "--json", eval_json, "--quiet"], check=True, capture_output=True)
            with open(eval_json, encoding="utf-8") as f:
                accuracy = json.load(f)["accuracy"]
            with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
                run = json.load(f)
            row = {"dataset": name, "ranks": ranks, "accuracy": accuracy, "wall_seconds": seconds,
                   "epoch": run["chosen_checkpoint"]["epoch"], "rows_per_rank": run["rows_per_rank"],
                   "command": bench_lib.command_text(argv)}
            report["runs"].append(row)
            print(json.dumps(row), flush=True)
    if args.throughput_epochs > 0:
        report["throughput"] = [throughput(args, name, out_root) for name in args.datasets]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    if args.results:
        write_results(args.results, report, sys.argv)


def throughput(args, name, out_root):
    """Examples per second on one thread, trainops against fastText on the same rows, the
    same number of epochs, no early stopping: rows x epochs / wall time of the whole
    training command (loading, features, and for trainops the data check, validation at
    every epoch and calibration included)."""
    folder = os.path.join(args.work, name)
    rows = len(bench_lib.read_rows(os.path.join(folder, "train.csv")))
    epochs = args.throughput_epochs
    out = os.path.join(out_root, f"{name}-throughput")
    subprocess.run(["rm", "-rf", out], check=True)
    os.makedirs(out)
    ours = [args.trainops, "train", "--data", os.path.join(folder, "train.csv"), "--validation",
            os.path.join(folder, "valid.csv"), "--text-column", "text", "--label-column", "label", "--threads", "1",
            "--epochs", str(epochs), "--patience", "0", "--no-registry", "--quiet", "--allow-data-errors",
            "--out", os.path.join(out, "trainops")]
    theirs = ["fasttext", "supervised", "-input", os.path.join(folder, "train.ft"), "-output",
              os.path.join(out, "fasttext"), "-thread", "1", "-epoch", str(epochs), "-wordNgrams", "2", "-verbose", "0"]
    result = {"dataset": name, "rows": rows, "epochs": epochs}
    for key, argv in (("trainops", ours), ("fasttext", theirs)):
        runs = []
        for _ in range(3):
            start = time.monotonic()
            subprocess.run(argv, check=True, capture_output=True)
            runs.append(time.monotonic() - start)
            if key == "trainops":
                subprocess.run(["rm", "-rf", os.path.join(out, "trainops")], check=True)
        wall = sorted(runs)[1]
        result[key] = {"wall_seconds": wall, "examples_per_second": rows * epochs / wall,
                       "command": bench_lib.command_text(argv)}
    result["ratio"] = result["trainops"]["examples_per_second"] / result["fasttext"]["examples_per_second"]
    print(json.dumps(result), flush=True)
    return result


def write_results(path, report, argv):
    by = {(r["dataset"], r["ranks"]): r for r in report["runs"]}
    lines = ["## Data-parallel training under mpirun (issue 15)",
             "", f"`/usr/bin/python3 bench/scale_bench.py {' '.join(argv[1:])}` on {report['date']}, "
             f"{report['machine'].get('cpu_model', '')} ({report['machine'].get('nproc')} cores: 4 ranks are "
             "oversubscribed, so times are not a cluster's). One thread per rank, default settings, carved splits "
             "(bench/prepare_splits.py); rank r trains on rows r, r+N, ...; models averaged (AdaGrad-weighted) "
             "at every checkpoint.", "",
             "| dataset | ranks | test accuracy | vs 1 process (points) | target | selected epoch | wall s |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: |"]
    for r in report["runs"]:
        base = by.get((r["dataset"], 1))
        diff = 100 * (r["accuracy"] - base["accuracy"]) if base else 0.0
        target = "" if r["ranks"] == 1 else ("reached" if diff >= -0.5 else "**missed**")
        lines.append(f"| {r['dataset']} | {r['ranks']} | {100 * r['accuracy']:.2f}% | {diff:+.2f} | {target} "
                     f"| {r['epoch']:.1f} | {r['wall_seconds']:.1f} |")
    if report.get("throughput"):
        lines += ["", "**Throughput per thread** against fastText (Debian fasttext, `-thread 1 -wordNgrams 2`), the "
                  "same rows and epochs, no early stopping, median of 3: rows x epochs / wall time of the whole "
                  "training command (trainops' includes its data check, a validation checkpoint per epoch and "
                  "calibration). Target: at least fastText's.", "",
                  "| dataset | rows x epochs | trainops examples/s | fastText examples/s | ratio | target |",
                  "| --- | ---: | ---: | ---: | ---: | --- |"]
        for t in report["throughput"]:
            lines.append(f"| {t['dataset']} | {t['rows']:,} x {t['epochs']} | {t['trainops']['examples_per_second']:,.0f} "
                         f"| {t['fasttext']['examples_per_second']:,.0f} | {t['ratio']:.2f}x "
                         f"| {'reached' if t['ratio'] >= 1 else '**missed**'} |")
    bench_lib.write_section(path, "scale", "bench/scale_bench.py", lines)


if __name__ == "__main__":
    main()
