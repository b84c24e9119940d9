#!/usr/bin/env bash
# Installs trainops from a build folder into a temporary prefix, builds the outside
# consumer in examples/cpp against the installed CMake package (find_package(trainops)),
# and checks that it classifies the example's test texts from several threads exactly as
# `trainops predict` does. Run by the test suite (ctest: install_consumer).
#   bash scripts/check_install.sh [BUILD_DIR [SANITIZER_FLAGS]]
# SANITIZER_FLAGS: what a sanitizer build compiled the libraries with (-fsanitize=...), so
# the consumer links their runtime too.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${1:-build}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
# A consumer sees only the public headers: no internal header may be installed.
if find "$work/prefix/include" -name '*.h' | grep -v '/include/trainops/' | grep -q .; then
  echo "check_install: headers outside include/trainops were installed" >&2
  exit 1
fi
sanitize=${2:-}
cmake -S examples/cpp -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
cmake --build "$work/consumer" -j2 >/dev/null

# A small model of the example task, trained with the installed CLI.
"$work/prefix/bin/trainops" train --task examples/awesomeshoes/task.yaml --output "$work/run" --no-registry \
  --epochs 3 --quiet >/dev/null
python3 -c '
import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    print(row["text"].replace("\n", " ").replace("\r", " "))
print("")  # an empty line: rejected by both, never a confident label
' examples/awesomeshoes/test.csv >"$work/texts.txt"

"$work/prefix/bin/trainops" predict --model "$work/run/model.bin" <"$work/texts.txt" >"$work/predict.csv" 2>/dev/null
"$work/consumer/classify_texts" "$work/run/model.bin" 4 <"$work/texts.txt" >"$work/library.csv" 2>/dev/null
# `trainops predict` without --data writes no header; the consumer writes one.
tail -n +2 "$work/library.csv" >"$work/library_rows.csv"
if ! cmp -s "$work/predict.csv" "$work/library_rows.csv"; then
  echo "check_install: the installed library and trainops predict disagree:" >&2
  diff "$work/predict.csv" "$work/library_rows.csv" | head -20 >&2
  exit 1
fi
echo "check_install: consumer built against the installed package; $(wc -l <"$work/predict.csv") predictions identical to trainops predict (4 threads)"
