#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, docs/fuzzing.md) in build-fuzz/ with clang and
# runs each for a number of executions under ASan+UBSan with leak detection, one target
# after another. Prints a line per target and exits non-zero on any finding.
#
#   bench/fuzz.sh [EXECUTIONS] [TARGET...]     # default 10000000 executions, every target
#   bench/fuzz.sh 50000 csv_reader request     # a short run of two targets
#
# Environment: FUZZ_BUILD_JOBS (parallel compile jobs, default: every core),
# FUZZ_CXX (compiler, default clang++-14, else clang++), FUZZ_BUILD_DIR (default build-fuzz),
# FUZZ_CHUNK (executions per fuzzer process, default 1000000).
# A long run is a series of fresh processes of at most FUZZ_CHUNK executions, each starting
# from the corpus the one before left: ASan records every distinct allocation stack in a
# depot that is never emptied, and in one long process of the YAML targets its lookups grew
# to 35% of the time (perf), so a single 10M-execution process slowed as it went.
# Each target keeps a working corpus in $FUZZ_BUILD_DIR/fuzz-runs/<target>/corpus, so a
# later run starts from the coverage an earlier one reached; the seeds in fuzz/corpus/
# are only read. A finding is any file libFuzzer writes to the run's artifacts folder
# (crash-, leak-, timeout-, oom-, slow-unit-): reproduce it with
#   build-fuzz/fuzz/fuzz_<target> <artifact file>
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

all_targets=(csv_reader tsv_reader jsonl_reader task_spec behaviour_suite model_file request traffic_window)

executions="${1:-10000000}"
if ! [[ "$executions" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: EXECUTIONS must be a positive integer, not \"$executions\"; usage: bench/fuzz.sh [EXECUTIONS] [TARGET...]" >&2
  exit 2
fi
shift || true
chunk="${FUZZ_CHUNK:-1000000}"
if ! [[ "$chunk" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: FUZZ_CHUNK must be a positive integer, not \"$chunk\"" >&2
  exit 2
fi
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [[ " ${all_targets[*]} " != *" $t "* ]]; then
    echo "fuzz.sh: unknown target \"$t\"; the targets are: ${all_targets[*]}" >&2
    exit 2
  fi
done

# The longest input each target is given: room for a few records/cases and their edge
# cases, not whole files (longer inputs make every execution slower without reaching new
# code). The model seed is a whole small model file, so that target gets more.
max_len_for() {
  case "$1" in
    model_file) echo 65536 ;;
    request) echo 2048 ;;
    *) echo 8192 ;;
  esac
}
dict_for() {
  case "$1" in
    csv_reader | tsv_reader | traffic_window) echo fuzz/csv.dict ;;
    jsonl_reader | request) echo fuzz/jsonl.dict ;;
    task_spec) echo fuzz/task_spec.dict ;;
    behaviour_suite) echo fuzz/behaviour_suite.dict ;;
    model_file) echo fuzz/model_file.dict ;;
  esac
}

build="${FUZZ_BUILD_DIR:-build-fuzz}"
cxx="${FUZZ_CXX:-}"
if [ -z "$cxx" ]; then
  if command -v clang++-14 >/dev/null; then cxx=clang++-14; else cxx=clang++; fi
fi
command -v "$cxx" >/dev/null || {
  echo "fuzz.sh: $cxx not found; install clang-14 and libclang-rt-14-dev (scripts/setup.sh lists them)" >&2
  exit 2
}
# -O1 with line tables: fast enough to fuzz, still gives file:line in every report, and
# keeps assert() (no NDEBUG).
mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DTRAINOPS_FUZZ=ON -DTRAINOPS_BUILD_TESTS=OFF \
  -DTRAINOPS_BUILD_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" >"$build/fuzz-configure.log" 2>&1 || {
  cat "$build/fuzz-configure.log" >&2
  exit 2
}
jobs="${FUZZ_BUILD_JOBS:-$(nproc)}"
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
echo "fuzz.sh: building ${targets[*]} in $build (-j$jobs)" >&2
cmake --build "$build" -j"$jobs" "${build_targets[@]}" >"$build/fuzz-build.log" 2>&1 || {
  tail -n 40 "$build/fuzz-build.log" >&2
  echo "fuzz.sh: build failed; the whole log is $build/fuzz-build.log" >&2
  exit 2
}

# Stop at the first error of any kind; leaks are checked after every input that ends.
# allocator_release_to_os_interval_ms=-1: ASan's allocator otherwise hands freed pages back
# with madvise every few seconds, and under memory pressure from another process (a
# benchmark's multi-GB run) one such call stalled past the 10 s timeout twice, in the
# allocator, with inputs that rerun in 0.2 s (bench/RESULTS.md): not a finding in our code.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=0:allocator_release_to_os_interval_ms=-1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
status=0
# cov: code edges the target has reached (libFuzzer's count); it levels off as a run saturates.
printf '%-16s %12s %9s %9s %7s %9s  %s\n' target executions wall_s exec/s cov findings details
for t in "${targets[@]}"; do
  work="$build/fuzz-runs/$t"
  artifacts="$work/artifacts-$stamp"
  mkdir -p "$work/corpus" "$artifacts"
  # -purge_allocator_interval=-1: past half the rss limit libFuzzer otherwise purges ASan's
  # caches every second, and the pages handed back fault in again: in task_spec at 1 GB that
  # was 18% of the time in the purge and 35% in page faults (perf). A process's memory is
  # bounded by the rss limit and by FUZZ_CHUNK.
  args=(-max_len="$(max_len_for "$t")" -timeout=10 -rss_limit_mb=2048 -purge_allocator_interval=-1
        -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/")
  dict="$(dict_for "$t")"
  [ -n "$dict" ] && args+=(-dict="$dict")
  start=$(date +%s.%N)
  total=0
  part=0
  rc=0
  cov=""
  while ((total < executions && rc == 0)); do
    part=$((part + 1))
    n=$((executions - total < chunk ? executions - total : chunk))
    log="$work/run-$stamp-$part.log"
    "$build/fuzz/fuzz_$t" -runs="$n" "${args[@]}" "$work/corpus" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    # After a crash the final stats may be missing: the last status line ("#1234 ...") then.
    [ -n "$done_runs" ] || done_runs=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$log" | tail -n 1)
    total=$((total + ${done_runs:-0}))
    part_cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    cov="${part_cov:-$cov}"
    # A finding ends the target's run, like an error code does.
    [ -z "$(find "$artifacts" -type f -print -quit)" ] || break
    # A process that executed nothing (it could not start) would loop forever.
    if [ -z "$done_runs" ] || ((done_runs == 0)); then
      ((rc)) || rc=1
      break
    fi
  done
  end=$(date +%s.%N)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  rate=$(awk -v n="$total" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0) ? n / w : 0 }')
  findings=$(find "$artifacts" -type f | wc -l)
  details="$part process(es)"
  if ((findings)); then
    details="$(find "$artifacts" -type f -printf '%f\n' | sed 's/-.*//' | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep=", " }') in $artifacts"
  elif ((rc != 0)); then
    # libFuzzer failed without leaving an input (a setup error): a failure all the same.
    findings=1
    details="exit $rc without an artifact; see $log"
  fi
  ((findings)) && status=1
  printf '%-16s %12s %9s %9s %7s %9s  %s\n' "$t" "$total" "$wall" "$rate" "${cov:-?}" "$findings" "$details"
done
exit "$status"
