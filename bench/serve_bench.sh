#!/usr/bin/env bash
# Serving benchmark (issue 12, item 6): `trainops serve` vs FastAPI + uvicorn around a
# scikit-learn TF-IDF + LinearSVC pipeline, side by side in one run, on loopback, with wrk
# (2 threads, 16 connections): requests/s and latency percentiles for single texts and
# batches of 32 from BANKING77; then 10 hot swaps (promotions from another process) under
# load, counting failed requests; then the traffic log at full load (issue 29): the example
# task served under wrk -t2 -c32 and -c64 for FULL_SECONDS each. Every trainops run
# reports texts answered, records logged, shed and dropped (from /metrics, after the
# queue drained). Writes bench/work/serve/ and the "Serving" section of bench/RESULTS.md.
#   bash bench/serve_bench.sh
# Environment: TRAINOPS_BIN [build/trainops], BENCH_DATA_DIR [../shared/data],
#   BENCH_SECONDS per wrk run [10], FULL_SECONDS per full-load run [90],
#   BENCH_SKIP_INSTALL=1 never calls apt-get.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$bench_dir")"
cd "$repo_dir"
python=/usr/bin/python3
trainops="${TRAINOPS_BIN:-build/trainops}"
data="${BENCH_DATA_DIR:-$repo_dir/../shared/data}/banking77/train.csv"
seconds="${BENCH_SECONDS:-10}"
full_seconds="${FULL_SECONDS:-90}"
work="$bench_dir/work/serve"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
"$python" -c 'import sklearn, fastapi, uvicorn' >/dev/null 2>&1 || need+=(python3-sklearn python3-fastapi python3-uvicorn)
if ((${#need[@]})); then
  [ "${BENCH_SKIP_INSTALL:-0}" = 1 ] && { echo "serve_bench.sh: missing ${need[*]}" >&2; exit 2; }
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x "$trainops" ] || { echo "serve_bench.sh: $trainops not built (cmake --build build)" >&2; exit 2; }
[ -f "$data" ] || { echo "serve_bench.sh: $data not found (BENCH_DATA_DIR)" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work"
cp "$data" "$work/train.csv"
cat > "$work/task.yaml" <<'YAML'
name: banking77-serve
data:
  train: train.csv
  text_column: text
  label_column: category
YAML

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "serve_bench: training two trainops models and the scikit-learn pipeline" >&2
"$trainops" train --task "$work/task.yaml" --out "$work/run-a" --seed 1 --threads 2 -q
"$trainops" train --task "$work/task.yaml" --out "$work/run-b" --seed 2 --threads 2 -q
model_a=$("$trainops" models list --task "$work/task.yaml" --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
model_b=$("$trainops" models list --task "$work/task.yaml" --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
"$trainops" promote "$model_a" --force --reason "serve bench" --task "$work/task.yaml" -q
"$python" "$bench_dir/serve_fastapi_app.py" train --train "$work/train.csv" --out "$work/sklearn.pkl"

"$python" "$bench_dir/serve_bench_report.py" lua --data "$work/train.csv" --work "$work"

port_t=18481
port_f=18482
"$trainops" serve --task "$work/task.yaml" --port "$port_t" --traffic-log "$work/traffic.db" \
  2> "$work/trainops_serve.log" &
pids+=($!)
"$python" "$bench_dir/serve_fastapi_app.py" serve --model "$work/sklearn.pkl" --port "$port_f" --workers 2 \
  2> "$work/fastapi.log" &
pids+=($!)
for port in "$port_t" "$port_f"; do
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/v1/predict" -H 'Content-Type: application/json' \
      -d '{"text": "my card has not arrived"}' && break
    sleep 0.1
  done
done

# "answered written shed dropped write_errors" from a trainops server's /metrics, once its
# traffic-log queue has drained (at most 30 s), so that every record offered is counted.
log_counts() {  # port
  for _ in $(seq 1 300); do
    depth=$(curl -s "http://127.0.0.1:$1/metrics" | awk '/^trainops_traffic_queue_depth /{print $2}')
    [ "$depth" = 0 ] && break
    sleep 0.1
  done
  curl -s "http://127.0.0.1:$1/metrics" | awk '
    /^trainops_predictions_total/ {a += $2}
    /^trainops_traffic_records_written_total / {w = $2}
    /^trainops_traffic_records_shed_total / {s = $2}
    /^trainops_traffic_records_dropped_total / {d = $2}
    /^trainops_traffic_write_errors_total / {e = $2}
    END {printf "%d %d %d %d %d\n", a, w, s, d, e}'
}
run_wrk() {  # name port script [connections] [seconds]
  echo "serve_bench: wrk $1" >&2
  local before=""
  [ "$2" != "$port_f" ] && before=$(log_counts "$2")
  wrk -t2 -c"${4:-16}" -d"${5:-$seconds}s" --latency -s "$work/$3" "http://127.0.0.1:$2/v1/predict" > "$work/wrk_$1.txt"
  if [ -n "$before" ]; then
    echo "$before $(log_counts "$2")" > "$work/log_$1.txt"
  fi
}
cut -d" " -f1-3 /proc/loadavg > "$work/loadavg_start.txt"
run_wrk trainops_single "$port_t" single.lua
run_wrk fastapi_single "$port_f" single.lua
run_wrk trainops_batch32 "$port_t" batch32.lua
run_wrk fastapi_batch32 "$port_f" batch32.lua

echo "serve_bench: 10 hot swaps under load" >&2
curl -s "http://127.0.0.1:$port_t/metrics" | grep '^trainops_model_swaps_total' > "$work/swaps_before.txt"
swap_counts=$(log_counts "$port_t")
wrk -t2 -c16 -d16s --latency -s "$work/single.lua" "http://127.0.0.1:$port_t/v1/predict" > "$work/wrk_trainops_swaps.txt" &
wrk_pid=$!
sleep 2
for i in $(seq 1 10); do
  if ((i % 2)); then m=$model_b; else m=$model_a; fi
  "$trainops" promote "$m" --force --reason "serve bench swap $i" --task "$work/task.yaml" -q
  sleep 1.2
done
wait "$wrk_pid"
curl -s "http://127.0.0.1:$port_t/metrics" | grep '^trainops_model_swaps_total' > "$work/swaps_after.txt"
echo "$swap_counts $(log_counts "$port_t")" > "$work/log_trainops_swaps.txt"

# The traffic log at full load, as an operator would try it: the example task (its own
# data, written by the project), its default settings, single texts, 32 and 64 connections.
echo "serve_bench: traffic log at full load on the example task" >&2
mkdir -p "$work/example"
cp examples/awesomeshoes/*.yaml examples/awesomeshoes/*.csv "$work/example/"
"$trainops" train --task "$work/example/task.yaml" --out "$work/example/run" -q
example_model=$("$trainops" models list --task "$work/example/task.yaml" --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$trainops" promote "$example_model" --force --reason "serve bench full load" --task "$work/example/task.yaml" -q
"$python" "$bench_dir/serve_bench_report.py" lua --data "$work/example/train.csv" --work "$work/example"
cp "$work/example/single.lua" "$work/example_single.lua"
port_e=18483
"$trainops" serve --task "$work/example/task.yaml" --port "$port_e" 2> "$work/trainops_serve_example.log" &
pids+=($!)
for _ in $(seq 1 200); do
  curl -sf -o /dev/null "http://127.0.0.1:$port_e/readyz" && break
  sleep 0.1
done
run_wrk full_c32 "$port_e" example_single.lua 32 "$full_seconds"
run_wrk full_c64 "$port_e" example_single.lua 64 "$full_seconds"
curl -s "http://127.0.0.1:$port_e/metrics" > "$work/metrics_example_end.txt"
ls -l "$work/example/.trainops/traffic.db" | awk '{print $5}' > "$work/example_log_bytes.txt"

"$python" "$bench_dir/serve_bench_report.py" report --work "$work" --results "$bench_dir/RESULTS.md" \
  --seconds "$seconds" --full-seconds "$full_seconds"
