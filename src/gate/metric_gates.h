// Absolute gates read off an evaluation report (eval/eval_report.h): metric thresholds
// ("macro_f1 >= 0.85", "recall[returns] >= 0.9", "ece <= 0.05", "oos_recall >= 0.8") and
// segment gates (every segment with enough rows above a floor; best-worst gap under a
// maximum). Pure; thread-safe.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "gate/gate_check.h"
#include "task/gates_spec.h"

namespace trainops {

// One check per threshold; "recall[*]" expands to one check per label with test rows.
// A threshold whose metric the report cannot give (a named label without test rows, an
// out-of-scope metric without an out-of-scope label) fails: a gate nobody can judge must
// not let a model through.
std::vector<GateCheck> MetricThresholdChecks(const nlohmann::json& eval_report,
                                             const std::vector<MetricThreshold>& thresholds);

std::vector<GateCheck> SegmentChecks(const nlohmann::json& eval_report, const SegmentGates& gates);

}  // namespace trainops
