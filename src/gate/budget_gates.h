// Operational budgets: single-text prediction latency (99th percentile, measured here on
// the test texts, one thread, after a warm-up) and model file size. Latency is measured,
// not estimated, so the gate sees this machine's cost of the whole path a request takes:
// normalize, tokenize, hash, encode, score, calibrate.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "gate/gate_check.h"
#include "model/model.h"
#include "task/gates_spec.h"

namespace trainops {

struct LatencySample {
  double p50_us = 0, p99_us = 0, max_us = 0;
  size_t predictions = 0;
};
// Times `samples` predictions over `texts` (cycled). Texts must not be empty.
LatencySample MeasureLatency(const Model& model, const std::vector<std::string>& texts, size_t samples);

std::vector<GateCheck> BudgetChecks(const Model& model, const std::filesystem::path& model_file,
                                    const std::vector<std::string>& texts, const BudgetGates& budgets);

}  // namespace trainops
