// The outcome of one release gate and of a whole gate run. Every gate reports the value
// it saw, the threshold it compared against and PASS, FAIL or SKIP (a gate that cannot
// apply, e.g. no production model to regress against yet), so a reviewer can check the
// verdict by hand. Plain data; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

enum class GateStatus { kPass, kFail, kSkip };
std::string GateStatusName(GateStatus status);  // "PASS" | "FAIL" | "SKIP"

struct GateCheck {
  std::string kind;  // metric, label, calibration, oos, segment, regression, behaviour, budget
  std::string name;  // what is checked, e.g. "macro_f1 >= 0.85"
  double value = 0;  // what the candidate showed
  std::string op;    // ">=", "<=", ...
  double threshold = 0;
  GateStatus status = GateStatus::kPass;
  std::string detail;   // one line for people: where the value comes from, why it failed
  nlohmann::json data;  // supporting numbers (intervals, p-values, failing labels)
  nlohmann::json ToJson() const;
};

// Builds a check from a comparison `value op threshold`.
GateCheck CompareCheck(std::string kind, std::string name, double value, const std::string& op, double threshold,
                       std::string detail = "");

// A check with nothing to compare: skipped (it does not apply) or failed (it cannot be
// judged). Callers that know the threshold set op and threshold afterwards.
GateCheck StatusCheck(std::string kind, std::string name, GateStatus status, std::string detail);

struct GateReport {
  std::vector<GateCheck> checks;
  nlohmann::json context;  // task, spec hash, candidate, baseline, data, timings
  bool passed() const;     // no check failed
  size_t Count(GateStatus status) const;
  nlohmann::json ToJson() const;
};

}  // namespace trainops
