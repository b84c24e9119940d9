// Runs every gate the task spec declares on the spec's unseen test data (data.test, which
// training and checkpoint selection never read): metric thresholds, per-label and
// per-segment floors, calibration, out-of-scope, no regression against a baseline,
// behavioural tests and operational budgets. Knows nothing about the registry: the
// caller says which baseline to compare against (see gate/release.h).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "gate/gate_check.h"
#include "task/task_spec.h"

namespace trainops {

struct GateRunOptions {
  std::filesystem::path candidate;
  std::filesystem::path baseline;    // "" = none; the regression gate is then skipped
  std::string baseline_description;  // for the report: "production model 3fa2... " or the file
  std::string no_baseline_reason;    // why there is none (shown on the skipped gate)
  // The out-of-scope threshold the baseline is scored at; none = its stored one. Set for a
  // production model whose threshold was refreshed on traffic (gate/release.cc).
  std::optional<float> baseline_threshold;
  int threads = 0;
};

// Throws InputError when the spec has no test file or a file cannot be read.
GateReport RunGates(const TaskSpec& spec, const GateRunOptions& options);

}  // namespace trainops
