#!/usr/bin/env bash
# Installs the Debian 12 packages trainops builds and tests with. Idempotent: packages
# already present are skipped. Assumes root (as on the project's machines); otherwise
# it uses sudo when available.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libutf8proc-dev
  libxxhash-dev libsqlite3-dev libcpp-httplib-dev libgtest-dev libgmock-dev
  libbenchmark-dev
  prometheus  # promtool: the serve tests check /metrics with `promtool check metrics`
  clang-14 libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes for bench/fuzz.sh (docs/fuzzing.md)
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 2; }
    sudo_cmd=(sudo)
  fi
  echo "setup.sh: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
