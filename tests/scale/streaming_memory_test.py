#!/usr/bin/env python3
"""A streamed run's peak memory does not grow with the rows (docs/scale.md).

Trains on a synthetic file of N and of 4N rows with `training.streaming: on` and a small
`training.memory_mb`, and on the 4N file in memory, one thread each, and compares the peak
resident memory of the processes (getrusage of the child):
  1. streamed, 4x the rows adds at most a tenth of the memory they add in memory, and at
     most 1.5x the peak (the issue's target for 10x); the model is the same size in both,
     its features capped by model.max_features;
  2. the in-memory run of the 4N file takes more than the streamed one (the budget is what
     makes the difference, not the data being small);
  3. both streamed runs learn (validation accuracy well above chance).
The pre-train data check samples beyond checks.max_rows, so it is bounded too.
Usage: streaming_memory_test.py TRAINOPS_BINARY WORK_DIR
"""
import json
import os
import random
import resource
import shutil
import subprocess
import sys


def write_rows(path, rows, seed):
    rng = random.Random(seed)
    labels = [f"intent_{i:02d}" for i in range(20)]
    # Each label has its own 60 words; every text also has shared filler and a random
    # order number, so new rows keep bringing new n-grams (as real traffic does).
    # Letters only: the data check masks digits, which would make every label's words alike.
    def letters(n):
        return "".join(chr(ord("a") + (n // 26 ** i) % 26) for i in range(3))

    words = {l: [letters(i) + "x" + letters(k) for k in range(60)] for i, l in enumerate(labels)}
    filler = ["please", "hello", "my", "order", "the", "is", "can", "you", "help", "thanks"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("text,label\n")
        for _ in range(rows):
            label = rng.choice(labels)
            text = [rng.choice(filler) for _ in range(4)] + [rng.choice(words[label]) for _ in range(6)]
            rng.shuffle(text)
            text.append(f"#{rng.randrange(10**7)}")
            f.write(f"{' '.join(text)},{label}\n")


def run(binary, task, out, extra):
    if os.path.exists(out):
        shutil.rmtree(out)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run each in its own helper
    # process so every measurement is of that run alone.
    helper = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(r.returncode)\n"
    )
    cmd = [sys.executable, "-c", helper, binary, "train", "--task", task, "--out", out, "--threads", "1",
           "--no-registry", "--quiet"] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stderr}")
    del before
    peak_kib = int(p.stdout.strip().splitlines()[-1])
    with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
        return peak_kib / 1024.0, json.load(f)


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    small, large = 30000, 120000
    write_rows(os.path.join(work, "small.csv"), small, 1)
    write_rows(os.path.join(work, "large.csv"), large, 2)
    write_rows(os.path.join(work, "valid.csv"), 2000, 3)
    for name in ("small", "large"):
        with open(os.path.join(work, f"{name}.yaml"), "w", encoding="utf-8") as f:
            f.write(f"name: {name}\ndata:\n  train: {name}.csv\n  validation: valid.csv\n"
                    "  text_column: text\n  label_column: label\n"
                    "model:\n  max_features: 50000\ntraining:\n  epochs: 2\n"
                    "checks:\n  max_rows: 10000\n")
    streamed = ["--streaming", "on", "--memory-mb", "8"]
    mem_small, run_small = run(binary, os.path.join(work, "small.yaml"), os.path.join(work, "s_small"), streamed)
    mem_large, run_large = run(binary, os.path.join(work, "large.yaml"), os.path.join(work, "s_large"), streamed)
    mem_inmem, run_inmem = run(binary, os.path.join(work, "large.yaml"), os.path.join(work, "m_large"),
                               ["--streaming", "off"])
    print(f"peak MiB: streamed {small} rows {mem_small:.1f}, streamed {large} rows {mem_large:.1f}, "
          f"in memory {large} rows {mem_inmem:.1f}")
    for r in (run_small, run_large):
        assert r["streaming"] is not None, "the run did not stream"
        assert r["streaming"]["window_blocks"] * r["streaming"]["block_rows"] < r["train_examples"] / 4, r["streaming"]
        acc = r["chosen_checkpoint"]["validation_accuracy"]
        assert acc > 0.5, f"a streamed run did not learn: accuracy {acc}"
    assert run_inmem["streaming"] is None
    if mem_inmem <= mem_large:
        sys.exit(f"FAIL: in memory ({mem_inmem:.1f} MiB) took no more than streamed ({mem_large:.1f} MiB)")
    # The growth, not the ratio of peaks: the ratio moved with the process's fixed start-up
    # memory (loading libpq only when used lowered it by 3.6 MiB and the ratio went from 1.24
    # to 1.26 with the same 16 MiB of growth). Streamed, the 90,000 extra rows may add at most
    # a tenth of what holding them in memory adds (measured: ~6%).
    streamed_growth, in_memory_growth = mem_large - mem_small, mem_inmem - mem_small
    if streamed_growth > 0.1 * in_memory_growth:
        sys.exit(f"FAIL: 4x the rows streamed added {streamed_growth:.1f} MiB ({mem_small:.1f} -> {mem_large:.1f}), "
                 f"more than a tenth of the {in_memory_growth:.1f} MiB they add in memory")
    # And the target for 10x the rows (1.5x the peak) holds for 4x.
    if mem_large > 1.5 * mem_small:
        sys.exit(f"FAIL: 4x the rows took {mem_large / mem_small:.2f}x the peak memory streamed "
                 f"({mem_small:.1f} -> {mem_large:.1f} MiB)")
    print("ok")


if __name__ == "__main__":
    main()
