#!/usr/bin/env bash
# Installs dependencies (scripts/setup.sh) and builds trainops into build/.
# BUILD_DIR and CMAKE_ARGS may be set to build elsewhere or with other options;
# BUILD_TARGETS (e.g. "trainops") builds only those targets (run_example.sh builds the
# CLI alone, so a newcomer sees the loop in minutes; test.sh builds everything).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
if [ -n "${BUILD_TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$build_dir" -j"$(nproc)" --target ${BUILD_TARGETS}
else
  cmake --build "$build_dir" -j"$(nproc)"
fi
