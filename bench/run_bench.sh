#!/usr/bin/env bash
# Side-by-side benchmark: trainops vs fastText (fixed and autotuned) vs scikit-learn on
# BANKING77, CLINC150 and Bitext (issue 3, item 6). One command from anywhere:
#   bash bench/run_bench.sh
# Installs the benchmark's own tools if missing (fasttext, python3-sklearn, time: they
# are not product dependencies, so scripts/setup.sh does not install them), carves the
# seeded splits into bench/work/, runs every system under /usr/bin/time -v, merges the
# numbers into bench/work/results.json and renders bench/RESULTS.md.
#
# Environment (defaults in brackets):
#   BENCH_DATASETS          datasets to run ["banking77 clinc150 bitext"]
#   BENCH_SYSTEMS           systems to run ["fasttext fasttext_autotune sklearn sklearn_svc trainops"]
#   BENCH_AUTOTUNE_SECONDS  fastText -autotune-duration; 0 skips autotune [120]
#   BENCH_THREADS           threads for every system [2]
#   BENCH_WORK              generated data and results [bench/work]
#   BENCH_DATA_DIR          the shared datasets [../shared/data next to the repository]
#   TRAINOPS_BIN            the trainops binary [build/trainops]; missing = "not built"
#   BENCH_SKIP_INSTALL=1    never call apt-get (fail if a tool is missing)
# Rerunning a subset (e.g. BENCH_SYSTEMS=trainops) replaces only those rows.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$bench_dir")"
cd "$repo_dir"

# Debian's python: it has python3-sklearn. A pyenv or venv python3 earlier on PATH
# usually does not, so the full path is used on purpose.
python=/usr/bin/python3

need_packages=()
command -v fasttext >/dev/null 2>&1 || need_packages+=(fasttext)
[ -x /usr/bin/time ] || need_packages+=(time)
[ -x "$python" ] && "$python" -c 'import sklearn' >/dev/null 2>&1 || need_packages+=(python3 python3-sklearn)
if ((${#need_packages[@]})); then
  if [ "${BENCH_SKIP_INSTALL:-0}" = 1 ]; then
    echo "run_bench.sh: missing ${need_packages[*]} and BENCH_SKIP_INSTALL=1; install them with apt-get" >&2
    exit 2
  fi
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "run_bench.sh: need root (or sudo) to install: ${need_packages[*]}" >&2; exit 2; }
    sudo_cmd=(sudo)
  fi
  echo "run_bench.sh: installing ${need_packages[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi

export BENCH_WORK="${BENCH_WORK:-$bench_dir/work}"
datasets="${BENCH_DATASETS:-banking77 clinc150 bitext}"
mkdir -p "$BENCH_WORK"

# shellcheck disable=SC2086  # the dataset list is meant to split into words
"$python" "$bench_dir/prepare_splits.py" --work "$BENCH_WORK" --datasets $datasets
"$python" "$bench_dir/intent_bench.py"
"$python" "$bench_dir/render_results.py" --results "$BENCH_WORK/results.json" --out "$bench_dir/RESULTS.md"
