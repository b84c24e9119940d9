#!/usr/bin/python3
"""Benchmark of training.memory_mb as a whole-process budget (issue 26, item 14).

The rows are the stream of bench/stream_bench.py (the carved BANKING77 training split with
typos, dropped and swapped words, greetings, sign-offs, order numbers; never the test
split), the smaller file the first rows of the larger. For each size, `trainops train`
runs with DEFAULT settings (no --streaming, --memory-mb or --max-features; the carved
validation split; 2 threads) under /usr/bin/time -v; accuracy on the carved test split.

Target: with defaults, 10x the rows costs at most 1.5x the peak memory, and every run
stays within training.memory_mb (4096 MiB). The issue's anchor, measured before the
change on the same kind of rows: 200,000 rows 1,232 MB, 2,000,000 rows 6,396 MB.

Usage: /usr/bin/python3 bench/memory_bench.py [--rows 200000 2000000] [--trainops build/trainops]
       [--results bench/RESULTS.md] [--json F]
Needs bench/prepare_splits.py's bench/work/banking77/ (made when missing).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_lib  # noqa: E402
import stream_bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainops", default=os.path.join(REPO, "build", "trainops"))
    parser.add_argument("--work", default=os.path.join(HERE, "work"))
    parser.add_argument("--rows", type=int, nargs="+", default=[200000, 2000000])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--results", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    folder = os.path.join(args.work, "banking77")
    if not os.path.exists(os.path.join(folder, "train.csv")):
        subprocess.run([sys.executable, os.path.join(HERE, "prepare_splits.py"), "--work", args.work, "--datasets",
                        "banking77"], check=True)
    source_rows = [(r["text"], r["label"]) for r in bench_lib.read_rows(os.path.join(folder, "train.csv"))]
    work = os.path.join(args.work, "memory")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    all_csv = os.path.join(work, "all.csv")
    stream_bench.generate(source_rows, max(args.rows), all_csv, os.path.join(work, "all.ft"), args.seed)
    report = {"date": bench_lib.now(), "machine": bench_lib.machine_info(), "threads": args.threads, "runs": []}
    for rows in sorted(args.rows):
        csv_path = os.path.join(work, f"{rows}.csv")
        subprocess.run(f"head -n {rows + 1} {all_csv} > {csv_path}", shell=True, check=True)
        out = os.path.join(work, f"run-{rows}")
        argv = [args.trainops, "train", "--data", csv_path, "--validation", os.path.join(folder, "valid.csv"),
                "--text-column", "text", "--label-column", "label", "--threads", str(args.threads),
                "--no-registry", "--quiet", "--allow-data-errors", "--output", out]
        m = bench_lib.timed_run(argv, os.path.join(work, f"train-{rows}.log"))
        if m["exit_code"] != 0:
            sys.exit(f"trainops failed: {m['command']} (see {m['log']})")
        trained = json.load(open(os.path.join(out, "run.json")))
        run = {"rows": rows, "file_bytes": os.path.getsize(csv_path), "wall_seconds": m["wall_seconds"],
               "peak_rss_mb": m["peak_rss_mb"], "command": m["command"], "memory": trained["memory"],
               "streaming": trained["streaming"] is not None, "features": trained["features"],
               "accuracy": stream_bench.accuracy_trainops(args, os.path.join(out, "model.bin"),
                                                          os.path.join(folder, "test.csv"), out)}
        print(json.dumps(run), flush=True)
        report["runs"].append(run)
        shutil.rmtree(out, ignore_errors=True)
        os.remove(csv_path)
    shutil.rmtree(work, ignore_errors=True)
    small, large = report["runs"][0], report["runs"][-1]
    report["ratio"] = large["peak_rss_mb"] / small["peak_rss_mb"]
    report["within_budget"] = all(r["peak_rss_mb"] <= r["memory"]["budget_mb"] for r in report["runs"])
    print(json.dumps({"ratio": report["ratio"], "within_budget": report["within_budget"]}))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    if args.results:
        write_results(args.results, report, sys.argv)


def write_results(path, report, argv):
    runs = report["runs"]
    lines = [f"## Training memory with default settings (issue 26, item 14)", "",
             f"Command: `{bench_lib.command_text(['/usr/bin/python3'] + [bench_lib.rel(a) for a in argv])}` on "
             f"{report['date']}, {report['machine']['cpu_model']} ({report['machine']['nproc']} cores). Rows: "
             "bench/stream_bench.py's stream from the carved BANKING77 training split; `trainops train` with "
             f"default settings and {report['threads']} threads under `/usr/bin/time -v`; accuracy on the carved "
             "BANKING77 test split. Anchor (the issue, before the change, same kind of rows): 200,000 rows "
             "1,232 MB, 2,000,000 rows 6,396 MB (5.2x).", "",
             "| rows | file MB | streamed | features kept / seen | cap from | planned peak MB | peak RSS MB | "
             "budget MB | wall s | accuracy |",
             "| ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in runs:
        mem = r["memory"]
        lines.append(f"| {r['rows']:,} | {r['file_bytes'] / 1e6:.1f} | {'yes' if r['streaming'] else 'no'} | "
                     f"{mem['features_kept']:,} / {mem['features_seen']:,} | {mem['feature_cap_from']} | "
                     f"{mem['planned_peak_mb']:.0f} | {r['peak_rss_mb']:.0f} | {mem['budget_mb']} | "
                     f"{r['wall_seconds']:.1f} | {100 * r['accuracy']:.2f}% |")
    met = report["ratio"] <= 1.5
    lines += ["", f"10x the rows: {report['ratio']:.2f}x the peak memory (target at most 1.5x: "
              f"{'met' if met else 'NOT met'}); every run within training.memory_mb: "
              f"{'yes' if report['within_budget'] else 'NO'}."]
    bench_lib.write_section(path, "memory", "bench/memory_bench.py", lines)


if __name__ == "__main__":
    main()
