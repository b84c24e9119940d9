#!/bin/sh
# Installs the headless browser the HTML report test renders pages in (Debian packages
# chromium and chromium-driver). Test set-up only: the product never needs a browser.
# Usage (as root, e.g. in CI before ctest): scripts/install_test_browser.sh
set -eu
if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(command -v chromium)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium chromium-driver
chromium --version
