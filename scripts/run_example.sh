#!/usr/bin/env bash
# The main job on the shipped example task: install, build, train on
# examples/awesomeshoes with monitored checkpoints, then evaluate on its unseen test file.
# Outputs go to out/awesomeshoes/ (a fresh run folder each time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
task=examples/awesomeshoes/task.yaml
run=out/awesomeshoes/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p out/awesomeshoes
echo "== train ($task -> $run)"
./build/trainops train --task "$task" --out "$run"
echo "== evaluate on the held-out test file"
./build/trainops eval --model "$run/model.bin" --data examples/awesomeshoes/test.csv --json "$run/eval.json"
echo
echo "outputs: $run/model.bin (model), $run/metrics.jsonl (per-checkpoint metrics),"
echo "         $run/run.json (run record), $run/eval.json (test metrics)"
