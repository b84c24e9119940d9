"""Shared helpers for the bench/ scripts: timed runs, metrics, results.json, machine info.

Used by intent_bench.py (issue 3) and meant for later benches (e.g. the check-data
bench of issue 5): each bench stores its numbers under its own top-level key of
bench/work/results.json through update_results(), and render_results.py turns the
whole file into bench/RESULTS.md. Standard library only, so it runs under any python3;
the scikit-learn baseline itself needs Debian's /usr/bin/python3 with python3-sklearn.
Not thread-safe: one bench process at a time owns results.json.
"""

import collections
import csv
import datetime
import json
import os
import platform
import re
import shlex
import signal
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TIME_BIN = "/usr/bin/time"


def rel(path):
    """Path relative to the repository root when inside it, for readable command logs."""
    path = os.path.abspath(path)
    return os.path.relpath(path, REPO) if path.startswith(REPO + os.sep) else path


def command_text(argv, stdout=None, env=None):
    """The command as a copy-pasteable shell line, run from the repository root."""
    prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in sorted((env or {}).items()))
    line = prefix + " ".join(shlex.quote(rel(a) if os.path.isabs(a) else a) for a in argv)
    if stdout:
        line += f" > {shlex.quote(rel(stdout))}"
    return line


def parse_time_v(text):
    """Parses GNU time -v output into wall/user/sys seconds and peak RSS."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().rpartition(": ")
        if sep:
            values[key] = value.strip()
    wall = values.get("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    seconds = None
    if wall:
        seconds = 0.0
        for part in wall.split(":"):
            seconds = seconds * 60 + float(part)
    rss_kb = values.get("Maximum resident set size (kbytes)")
    return {
        "wall_seconds": seconds,
        "user_seconds": float(values["User time (seconds)"]) if "User time (seconds)" in values else None,
        "sys_seconds": float(values["System time (seconds)"]) if "System time (seconds)" in values else None,
        "cpu_percent": values.get("Percent of CPU this job got"),
        "peak_rss_mb": int(rss_kb) / 1024.0 if rss_kb else None,
    }


def timed_run(argv, log_path, stdout_path=None, env=None, cwd=None, watchdog=None):
    """Runs argv under /usr/bin/time -v; returns measurements plus the exact command.

    stderr (and stdout unless stdout_path is given) goes to log_path, so fastText's
    progress output does not flood the terminal. Wall time is GNU time's (the whole
    process: start-up, reading input, work, writing output). A monotonic clock around
    the call is kept as a cross-check.

    watchdog(elapsed_seconds) is called about once a second while the command runs;
    when it returns a reason (a string), the whole process group is killed and the
    result carries "killed": reason.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    fd, time_file = tempfile.mkstemp(prefix="bench_time_", suffix=".txt")
    os.close(fd)
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            out = open(stdout_path, "w", encoding="utf-8") if stdout_path else log
            try:
                start = time.monotonic()
                # A session of its own, so a watchdog kill reaches the measured command
                # and not only /usr/bin/time.
                proc = subprocess.Popen([TIME_BIN, "-v", "-o", time_file] + list(argv),
                                        stdout=out, stderr=log, env=full_env, cwd=cwd,
                                        start_new_session=True)
                killed = None
                while True:
                    try:
                        proc.wait(timeout=1.0)
                        break
                    except subprocess.TimeoutExpired:
                        reason = watchdog(time.monotonic() - start) if watchdog else None
                        if reason and killed is None:
                            killed = reason
                            os.killpg(proc.pid, signal.SIGKILL)
                elapsed = time.monotonic() - start
            finally:
                if stdout_path:
                    out.close()
        with open(time_file, encoding="utf-8") as f:
            measured = parse_time_v(f.read())
    finally:
        os.unlink(time_file)
    if killed:
        measured["killed"] = killed
    measured.update({
        "command": command_text(argv, stdout_path, env),
        "exit_code": proc.returncode,
        "monotonic_seconds": elapsed,
        "log": rel(log_path),
        "load_average_before": os.getloadavg(),
    })
    if measured["wall_seconds"] is None:
        measured["wall_seconds"] = elapsed
    return measured


def read_labels_csv(path, column="label"):
    with open(path, newline="", encoding="utf-8") as f:
        return [row[column] for row in csv.DictReader(f)]


def read_rows(path):
    """A CSV file's rows as dicts."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rows(path, fields, rows):
    """Rows (dicts) as CSV with the given columns; other keys are left out."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def classification_metrics(y_true, y_pred):
    """Accuracy and macro-F1 (labels = union of true and predicted; 0 when undefined).

    Matches sklearn.metrics.f1_score(average="macro") with its defaults, computed here
    so that every system is scored by the same few lines.
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_pred)} predictions for {len(y_true)} rows")
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    for t, p in zip(y_true, y_pred):
        if t == p:
            tp[t] += 1
        else:
            fp[p] += 1
            fn[t] += 1
    labels = set(y_true) | set(y_pred)
    f1s = []
    for label in labels:
        denom = 2 * tp[label] + fp[label] + fn[label]
        f1s.append(2 * tp[label] / denom if denom else 0.0)
    return {
        "accuracy": sum(tp.values()) / len(y_true) if y_true else 0.0,
        "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "n": len(y_true),
    }


def machine_info():
    cpu = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            m = re.search(r"MemTotal:\s+(\d+) kB", f.read())
            mem_gb = round(int(m.group(1)) / 1024 / 1024, 1) if m else None
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": mem_gb,
        "kernel": platform.release(),
        "date": now(),
    }


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def tool_version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else None
    except (OSError, subprocess.SubprocessError):
        return None


def dpkg_version(package):
    return tool_version(["dpkg-query", "-W", "-f=${Version}", package])


def load_results(path):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {"schema": 1}


def update_results(path, update):
    """Reads results.json, lets update(results) change it, writes it back atomically."""
    results = load_results(path)
    update(results)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)
    return results


def write_section(path, key, script, lines):
    """Replaces the section between `<!-- generated:KEY begin (SCRIPT) -->` and
    `<!-- generated:KEY end -->` in a RESULTS.md (appends it when absent), atomically. The
    rest of the file is kept as it is: several benches share it."""
    begin = f"<!-- generated:{key} begin ({script}) -->"
    end = f"<!-- generated:{key} end -->"
    section = "\n".join([begin] + list(lines) + [end])
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmark results\n"
    # Any earlier begin marker of this key, whatever script it names.
    start = text.find(f"<!-- generated:{key} begin")
    if start >= 0 and end in text:
        text = text[:start] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
