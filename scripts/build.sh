#!/usr/bin/env bash
# Installs dependencies (scripts/setup.sh) and builds trainops into build/.
# BUILD_DIR and CMAKE_ARGS may be set to build elsewhere or with other options.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
