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
  # The Python module (docs/python.md): built with pybind11 against Debian's python3, installed
  # offline into a venv with Debian's pip/setuptools, tested with pytest and scikit-learn.
  pybind11-dev python3-dev python3-venv python3-pip python3-setuptools python3-wheel python3-build
  python3-numpy python3-sklearn python3-pytest
  libopenmpi-dev openmpi-bin  # data-parallel training under mpirun (docs/scale.md)
  # The shared registry (docs/deploy.md): libpq to talk to PostgreSQL, and the server itself,
  # which the tests start in a temporary folder of their own (tests/test_support/postgres_server.h).
  libpq-dev postgresql-15
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
