#!/usr/bin/env python3
"""What an index on the traffic log costs its writer (issue 27's dashboard indexes).

Inserts 400,000 request rows shaped like the log's (77 labels, times in order, texts of ~40
bytes) into a fresh SQLite file in WAL mode with synchronous=NORMAL, in transactions of 512
rows (the log writer's batch), once per index set, twice each, and prints rows/s. Python's
sqlite3 module adds its own per-row cost, so the absolute rates are below the C++ writer's;
the ratios between index sets are what this measures.

    python3 bench/traffic_index_bench.py [--rows 400000]
"""
import argparse
import os
import random
import sqlite3
import tempfile
import time

TABLE = ("CREATE TABLE requests(request_id TEXT PRIMARY KEY, time TEXT NOT NULL, model TEXT NOT NULL, "
         "text TEXT NOT NULL, label TEXT NOT NULL, confidence REAL NOT NULL, margin REAL NOT NULL, "
         "rejected INTEGER NOT NULL, latency_ms REAL NOT NULL, sample_rate REAL NOT NULL DEFAULT 1)")

INDEX_SETS = {
    "no index": [],
    "time (before the dashboard)": ["CREATE INDEX a ON requests(time)"],
    "time + filter columns (now)": ["CREATE INDEX a ON requests(time, confidence, rejected, label)"],
    "time + (label, time) (tried, left out)": ["CREATE INDEX a ON requests(time)",
                                               "CREATE INDEX b ON requests(label, time)"],
}


def rate(path, indexes, rows):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(TABLE)
    for sql in indexes:
        db.execute(sql)
    start = time.perf_counter()
    for b in range(0, len(rows), 512):
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO requests VALUES (?,?,?,?,?,?,?,?,?,?)", rows[b:b + 512])
        db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return len(rows) / seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=400000)
    args = ap.parse_args()
    rng = random.Random(1)
    labels = [f"intent_{i:02d}" for i in range(77)]
    rows = [(f"{7:012x}-{i:08x}", f"2026-12-06T{i // 3600000 % 24:02d}:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}."
             f"{i % 1000:03d}Z", "m" * 32, f"some customer text number {i} about shoes", rng.choice(labels),
             rng.random(), rng.random(), 0, 0.2, 1.0) for i in range(args.rows)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "log.db")
        print(f"| index set | rows/s (run 1) | rows/s (run 2) |\n| --- | ---: | ---: |")
        for name, indexes in INDEX_SETS.items():
            r1, r2 = rate(path, indexes, rows), rate(path, indexes, rows)
            print(f"| {name} | {r1:,.0f} | {r2:,.0f} |")


if __name__ == "__main__":
    main()
