// When `trainops cycle` retrains: the spec's `drift:` policy applied to one window's
// monitor report and the task's earlier cycles.
//
// A trigger (drift.retrain_on) fires when its signals alerted. A strong one (effect at
// least drift.strong_factor x its threshold) retrains at once; a weaker one must fire in
// drift.confirm_windows consecutive windows (hysteresis: one noisy week does not flip the
// decision). No retrain starts within drift.cooldown_windows windows after the last one,
// nor before drift.min_feedback_rows new labelled rows arrived since it. The predicted-
// label mix is never a trigger: a prior shift alone (one domain floods the traffic while
// accuracy holds) is reported, not retrained on.
//
// Recovery: a retrain after a drift rarely catches up in one step (a new domain arrives
// with a few dozen labels). For drift.recovery_windows windows after a retrain the policy
// triggered (not a recovery retrain: recoveries do not chain), a feedback-accuracy alert
// (a significant drop below the production model's reference, Holm-corrected with the
// other signals) or an unknown-labels alert (labels arrived that the model still lacks:
// with a label budget they come a window late) retrains again at once, without the
// cooldown or the hysteresis; the minimum of new feedback still applies. Stable windows
// raise neither, so they never recover-retrain.
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "task/drift_spec.h"

namespace trainops::drift {

struct PolicyHistory {
  // Retrain triggers that fired in each earlier window, newest last.
  std::vector<std::vector<std::string>> fired;
  int windows_since_retrain = 1 << 30;  // 1 = the previous window retrained
  int windows_since_triggered_retrain = 1 << 30;  // the same, for the last retrain that was not a recovery
  uint64_t feedback_since_retrain = 0;  // labelled rows recorded since then, this window's included
};

struct RetrainDecision {
  bool triggered = false;
  std::vector<std::string> fired;  // triggers that alerted in this window
  nlohmann::json triggers = nlohmann::json::array();  // {name, strength, signals, confirmed}
  std::string reason;  // one line for people: why (not)
  bool recovery = false;  // retrains (or would) as recovery after a recent retrain
};

RetrainDecision DecideRetrain(const nlohmann::json& monitor_report, const DriftSpec& drift,
                              const PolicyHistory& history);

}  // namespace trainops::drift
