#!/usr/bin/env bash
# The main job on the shipped example task, the whole offline loop: install, build, check
# the data, train with monitored checkpoints, evaluate on the unseen test file, then gate
# the new model against the current production model and promote it when every gate
# passes; then the weekly job (`trainops cycle`) on a week of traffic. Outputs go to out/awesomeshoes/ (a fresh run folder each time); the registry is
# examples/awesomeshoes/.trainops/registry.db.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the CLI: the tests, benchmarks and Python module are test.sh's to build.
BUILD_TARGETS=trainops bash scripts/build.sh
task=examples/awesomeshoes/task.yaml
run=out/awesomeshoes/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$run"
echo "== check the data"
./build/trainops check-data --task "$task" --json "$run/check_data.json" --markdown "$run/check_data.md"
echo
echo "== train ($task -> $run)"
./build/trainops train --task "$task" --output "$run"
echo
echo "== evaluate on the held-out test file"
./build/trainops eval --task "$task" --model "$run/model.bin" --data examples/awesomeshoes/test.csv \
  --json "$run/eval.json" --report "$run/report.html"
echo
echo "== gate against the production model, promote on a pass"
./build/trainops release --task "$task" --candidate "$run/model.bin" \
  --json "$run/gate.json" --junit "$run/gate.xml"
echo
./build/trainops models list --task "$task"
echo
echo "== the weekly job: monitor a week of traffic with its feedback, retrain and promote only if drift matters"
./build/trainops cycle --task "$task" --traffic examples/awesomeshoes/traffic/week-2026-11-02.csv \
  --json "$run/cycle.json"
./build/trainops monitor --task "$task" --traffic examples/awesomeshoes/traffic/week-2026-11-02.csv \
  --report "$run/drift.html" --quiet
./build/trainops cycles list --task "$task"
echo
echo "outputs: $run/model.bin (model), $run/metrics.jsonl (per-checkpoint metrics), $run/run.json (run record),"
echo "         $run/check_data.json, $run/eval.json + report.html (test metrics), $run/gate.json + gate.xml (gates),"
echo "         $run/cycle.json + drift.html (the weekly drift check)"
