#!/usr/bin/env bash
# Installs, builds and runs the whole test suite (unit and end-to-end tests).
# Tests on the shared public datasets run when ../shared/data exists and skip otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# The HTML report test renders pages in headless Chromium (test-only dependency).
sh scripts/install_test_browser.sh >/dev/null || echo "test.sh: could not install chromium; the HTML report browser test will be skipped" >&2
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
