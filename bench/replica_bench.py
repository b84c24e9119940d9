#!/usr/bin/python3
"""Replicas on a shared PostgreSQL registry (issue 24): `trainops serve` on this machine,
side by side in one run:

  A. one replica on the SQLite registry (the anchor), wrk -t2 -c16;
  B. one replica on PostgreSQL (registry and traffic log), the same load: the backend's cost;
  C. two replicas on PostgreSQL at once, one wrk -t1 -c8 each: requests/s and p99 per
     replica, and the traffic log's records written per second;
  D. C's set-up again while PostgreSQL is stopped for OUTAGE_SECONDS: failed requests,
     records in the log against answers, and the catch-up time (from the database's restart
     until both replicas' queues are empty).

The PostgreSQL server is started here (Debian's binaries, a temporary folder, a free
loopback port, as the postgres user when run as root) and stopped at the end. The task is
the project's own example (examples/awesomeshoes). Writes bench/work/replica/ and the
"Replicas" section of bench/RESULTS.md.

  python3 bench/replica_bench.py [--binary build/trainops] [--seconds 20] [--outage-seconds 10]
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
from serve_bench_report import parse_wrk  # noqa: E402

BEGIN = "<!-- replica-bench:begin -->"
END = "<!-- replica-bench:end -->"
PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="trainops-replica-bench-pg-")
        self.as_postgres = os.getuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.run(f"{PG_BIN}/initdb -D {self.dir}/data -A trust -U postgres --locale=C -E UTF8 > {self.dir}/initdb.log")
        self.start()
        subprocess.run([f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "bench"],
                       check=True)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/bench"

    def run(self, command):
        if self.as_postgres:
            command = f"runuser -u postgres -- sh -c '{command}'"
        subprocess.run(command, shell=True, check=True)

    def start(self):
        # Durable settings (fsync on): the benchmark measures what a deployment would see.
        self.run(f"{PG_BIN}/pg_ctl -D {self.dir}/data -l {self.dir}/log -w -o \"-p {self.port} -k {self.dir} "
                 f"-c listen_addresses=127.0.0.1\" start > /dev/null")

    def stop(self):
        self.run(f"{PG_BIN}/pg_ctl -D {self.dir}/data -m fast -w stop > /dev/null")

    def query(self, sql):
        out = subprocess.run(["psql", self.url, "-Atc", sql], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def close(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {"answered": 0.0}
    for line in text.splitlines():
        if line.startswith("trainops_predictions_total"):
            out["answered"] += float(line.split()[-1])
        for key, name in (("written", "trainops_traffic_records_written_total "),
                          ("dropped", "trainops_traffic_records_dropped_total "),
                          ("shed", "trainops_traffic_records_shed_total "),
                          ("depth", "trainops_traffic_queue_depth "),
                          ("spooled", "trainops_traffic_records_spooled ")):
            if line.startswith(name):
                out[key] = float(line.split()[-1])
    return out


def wait_ready(port):
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"replica on port {port} never became ready")


def backlog(m):
    """Records a replica has answered and not yet written: its queue and its on-disk spool."""
    return m.get("depth", 0) + m.get("spooled", 0)


def drained(port, limit=300):
    start = time.time()
    while time.time() - start < limit:
        if backlog(metrics(port)) == 0:
            return True
        time.sleep(0.1)
    return False


class Replicas:
    def __init__(self, binary, spec, names, work, env, traffic_log=None):
        self.procs, self.ports = [], []
        for name in names:
            port = free_port()
            args = [binary, "serve", "--task", spec, "--port", str(port), "--replica", name, "-q"]
            if traffic_log:
                args += ["--traffic-log", traffic_log]
            log = open(f"{work}/serve_{name}.log", "w")
            self.procs.append(subprocess.Popen(args, stderr=log, env=env))
            self.ports.append(port)
        for port in self.ports:
            wait_ready(port)

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(timeout=60)


def wrk(port, threads, connections, seconds, lua, out):
    return subprocess.Popen(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua,
                             f"http://127.0.0.1:{port}/v1/predict"], stdout=open(out, "w"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(REPO, "build/trainops"))
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--outage-seconds", type=int, default=10)
    ap.add_argument("--results", default=os.path.join(BENCH, "RESULTS.md"))
    args = ap.parse_args()
    for tool in ("wrk", "psql"):
        if not shutil.which(tool):
            raise SystemExit(f"replica_bench: {tool} not installed (scripts/setup.sh, or apt-get install {tool})")
    work = os.path.join(BENCH, "work", "replica")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    example = os.path.join(REPO, "examples", "awesomeshoes")
    for name in os.listdir(example):
        if name.endswith((".yaml", ".csv")):
            shutil.copy(os.path.join(example, name), work)
    env = dict(os.environ, TRAINOPS_MODEL_CACHE=os.path.join(work, "cache"))
    env.pop("TRAINOPS_REGISTRY", None)
    spec = os.path.join(work, "task.yaml")
    b = args.binary
    subprocess.run([b, "train", "--task", spec, "--output", os.path.join(work, "run"), "-q"], check=True, env=env)
    subprocess.run([b, "release", "--task", spec, "--candidate", os.path.join(work, "run", "model.bin"), "-q"],
                   check=True, env=env)
    subprocess.run([sys.executable, os.path.join(BENCH, "serve_bench_report.py"), "lua", "--data",
                    os.path.join(work, "train.csv"), "--work", work], check=True)
    lua = os.path.join(work, "single.lua")
    s = args.seconds
    results = {"seconds": s, "outage_seconds": args.outage_seconds, "cores": os.cpu_count()}

    print("replica_bench: A. one replica on SQLite", file=sys.stderr)
    r = Replicas(b, spec, ["sqlite"], work, env)
    wrk(r.ports[0], 2, 16, s, lua, f"{work}/wrk_sqlite.txt").wait()
    drained(r.ports[0])
    results["sqlite"] = parse_wrk(f"{work}/wrk_sqlite.txt") | {"log": metrics(r.ports[0])}
    r.stop()

    pg = Postgres()
    try:
        subprocess.run([b, "registry", "migrate", "--from", os.path.join(work, ".trainops", "registry.db"), "--to",
                        pg.url, "-q"], check=True, env=env)
        spec_pg = os.path.join(work, "task_pg.yaml")
        with open(spec) as f, open(spec_pg, "w") as g:
            g.write(f.read() + f"\nregistry: {pg.url}\n")

        print("replica_bench: B. one replica on PostgreSQL", file=sys.stderr)
        r = Replicas(b, spec_pg, ["pg-single"], work, env)
        wrk(r.ports[0], 2, 16, s, lua, f"{work}/wrk_pg_single.txt").wait()
        drained(r.ports[0])
        results["pg_single"] = parse_wrk(f"{work}/wrk_pg_single.txt") | {"log": metrics(r.ports[0])}
        r.stop()

        print("replica_bench: C. two replicas on PostgreSQL", file=sys.stderr)
        rows_before = int(pg.query("SELECT count(*) FROM traffic_requests"))
        r = Replicas(b, spec_pg, ["r1", "r2"], work, env)
        t0 = time.time()
        runs = [wrk(p, 1, 8, s, lua, f"{work}/wrk_pg_r{i + 1}.txt") for i, p in enumerate(r.ports)]
        for w in runs:
            w.wait()
        for p in r.ports:
            drained(p)
        elapsed = time.time() - t0
        rows = int(pg.query("SELECT count(*) FROM traffic_requests")) - rows_before
        results["pg_two"] = {
            "replicas": [parse_wrk(f"{work}/wrk_pg_r{i + 1}.txt") | {"log": metrics(p)} for i, p in enumerate(r.ports)],
            "rows_written": rows, "seconds_until_drained": elapsed,
        }
        r.stop()

        print("replica_bench: D. two replicas while PostgreSQL is stopped", file=sys.stderr)
        rows_before = int(pg.query("SELECT count(*) FROM traffic_requests"))
        r = Replicas(b, spec_pg, ["o1", "o2"], work, env)
        total = s + args.outage_seconds + 10
        runs = [wrk(p, 1, 8, total, lua, f"{work}/wrk_outage_r{i + 1}.txt") for i, p in enumerate(r.ports)]
        time.sleep(5)
        pg.stop()
        time.sleep(args.outage_seconds)
        backlog_at_restart = sum(backlog(metrics(p)) for p in r.ports)
        pg.start()
        restarted = time.time()
        # Catch-up: from the restart until both queues and spools are empty while the load goes on.
        catch_up = None
        while time.time() - restarted < 120:
            if all(backlog(metrics(p)) == 0 for p in r.ports):
                catch_up = time.time() - restarted
                break
            time.sleep(0.05)
        for w in runs:
            w.wait()
        load_ended = time.time()
        for p in r.ports:
            drained(p)
        after_load = time.time() - load_ended
        logs = [metrics(p) for p in r.ports]
        rows = int(pg.query("SELECT count(*) FROM traffic_requests")) - rows_before
        results["outage"] = {
            "replicas": [parse_wrk(f"{work}/wrk_outage_r{i + 1}.txt") | {"log": logs[i]} for i in range(2)],
            "queued_at_restart": backlog_at_restart, "catch_up_seconds": catch_up, "rows_written": rows,
            "drained_seconds_after_load": after_load,
            "answered": sum(l["answered"] for l in logs),
            "dropped": sum(l.get("dropped", 0) + l.get("shed", 0) for l in logs),
        }
        r.stop()
    finally:
        pg.close()

    with open(f"{work}/results.json", "w") as f:
        json.dump(results, f, indent=2)
    write_section(args, results)


def write_section(args, res):
    a, bsingle, two, out = res["sqlite"], res["pg_single"], res["pg_two"], res["outage"]
    per = two["replicas"]
    lines = [BEGIN, "## Replicas on a shared PostgreSQL registry (issue 24)", "",
             f"Command: `python3 bench/replica_bench.py --seconds {res['seconds']} --outage-seconds "
             f"{res['outage_seconds']}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {res['cores']} cores "
             "shared by the replicas, PostgreSQL 15 (fsync on) and wrk). The example task, single texts on loopback; "
             "each replica logs every answer.", "",
             "| run | replica | requests/s | p99 ms | non-2xx + socket errors | log records written |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]

    def row(run, name, r):
        lines.append(f"| {run} | {name} | {r['requests_per_s']:,.0f} | {r['p99_ms']:.2f} | "
                     f"{r['non_2xx'] + r['socket_errors']} | {r['log'].get('written', 0):,.0f} |")

    row("A: SQLite registry, one replica (anchor), wrk -t2 -c16", "sqlite", a)
    row("B: PostgreSQL, one replica, wrk -t2 -c16", "pg-single", bsingle)
    row("C: PostgreSQL, two replicas at once, wrk -t1 -c8 each", "r1", per[0])
    row("C", "r2", per[1])
    agg = sum(r["requests_per_s"] for r in per)
    rate = two["rows_written"] / max(two["seconds_until_drained"], 1e-9)
    lines += ["", f"Two replicas together: {agg:,.0f} requests/s ({agg / a['requests_per_s']:.2f}x the single "
              f"SQLite replica); per replica {per[0]['requests_per_s'] / a['requests_per_s']:.2f}x and "
              f"{per[1]['requests_per_s'] / a['requests_per_s']:.2f}x of it. The shared log took "
              f"{two['rows_written']:,} rows, {rate:,.0f} records/s from the start of the load until both queues were "
              f"empty. One replica on PostgreSQL against one on SQLite: "
              f"{bsingle['requests_per_s'] / a['requests_per_s']:.2f}x the requests/s, p99 {bsingle['p99_ms']:.2f} vs "
              f"{a['p99_ms']:.2f} ms.", ""]
    fails = sum(r["non_2xx"] + r["socket_errors"] for r in out["replicas"])
    catch = f"{out['catch_up_seconds']:.1f} s" if out["catch_up_seconds"] is not None else "not within 120 s"
    lines += [f"Outage (D): PostgreSQL stopped for {res['outage_seconds']} s under two replicas' load: "
              f"{fails} failed requests; {out['queued_at_restart']:,.0f} records queued or spooled at the restart; "
              f"catch-up {catch} (restart until both queues and spools are empty, load going on)"
              + (f", the rest written {out['drained_seconds_after_load']:.1f} s after the load ended"
                 if out.get("drained_seconds_after_load") is not None and out["catch_up_seconds"] is None else "")
              + f"; {out['rows_written']:,} rows in the log for {out['answered']:,.0f} answers "
              f"({out['dropped']:,.0f} shed or dropped).", ""]
    target = per[0]["requests_per_s"] >= 0.85 * a["requests_per_s"] and per[1]["requests_per_s"] >= 0.85 * a["requests_per_s"]
    lines += ["Targets:", "",
              f"- {'reached' if target else '**missed**'}: requests/s per replica within 15% of one replica on SQLite "
              "(two replicas share this machine's 2 cores with the database and the load generators, so each gets "
              "about half of it; run B isolates the backend's own cost)",
              f"- {'reached' if fails == 0 else '**missed**'}: 0 failed requests during the outage",
              f"- {'reached' if out['rows_written'] == out['answered'] else '**missed**'}: every answer in the log after "
              "the outage", END]
    text = open(args.results).read() if os.path.exists(args.results) else "# Benchmark results\n"
    section = "\n".join(lines) + "\n"
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.results, "w") as f:
        f.write(text)
    print("\n".join(lines[:-1]))


if __name__ == "__main__":
    main()
