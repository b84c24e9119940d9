// The drift monitor: scores one window of traffic with the production model and compares
// it, signal by signal, with the model's reference statistics (its validation rows as
// the shipped model scored them; model/reference_stats.h).
//
// Every signal has a value, the reference's value, an effect (the change), a threshold
// (the smallest change that matters, from the spec's `drift.thresholds`), a test's
// p-value (stat_tests.h) and `alert`. A signal alerts when its Holm-adjusted p-value is
// at most `drift.family_alpha` and its effect reaches the threshold in the direction that
// matters: the test guards small windows against noise, the floor guards large windows
// against changes too small to act on. See docs/monitoring.md for the false-alarm rate.
//
// Thread-safety: pure function of its inputs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drift/traffic_window.h"

namespace trainops {
class Model;
struct TaskSpec;
}  // namespace trainops

namespace trainops::drift {

// What the model answered for one window row.
struct RowOutcome {
  std::string answer;  // label after rejection (the out-of-scope label when rejected)
  float confidence = 0, margin = 0, coverage = 1;
  bool rejected = false;
  bool has_feedback = false;
  bool correct = false;       // answer == feedback (only with feedback)
  bool known_label = true;    // the feedback label is one the model can answer
};

struct MonitorOutcome {
  nlohmann::json report;  // docs/monitoring.md: window, alerts, estimated_accuracy, feedback_accuracy, signals, ...
  std::vector<std::string> alerts;
  std::vector<RowOutcome> rows;  // one per window row
};

// Throws InputError when the model has no reference statistics (trained before they
// existed: retrain it) or the window has fewer rows than one (LoadTraffic* guarantee it).
// A multi-label model is monitored by MonitorMultiLabelWindow.
MonitorOutcome MonitorWindow(const Model& model, const std::string& model_id, const TaskSpec& spec,
                             const TrafficWindow& window);

// A multi-label model's window (monitor_multi_label.cc): its answers are label sets, so the
// label signals are `label_rates` (each label's predicted rate, Fisher per label,
// Bonferroni) and `label_cardinality` (labels per message, permutation test of the mean);
// `rejection_rate` is the share answered with no label; accuracy is exact-set accuracy
// (RowOutcome::correct), with `feedback_micro_f1` reported beside it. Feedback cells are
// label sets (data/label_set.h ParseFeedbackSet: "a|b", a JSON list, "[]" for none); a
// malformed one is an InputError naming the row. RowOutcome::answer is the chosen set's
// canonical text ("" for none).
MonitorOutcome MonitorMultiLabelWindow(const Model& model, const std::string& model_id, const TaskSpec& spec,
                                       const TrafficWindow& window);

}  // namespace trainops::drift
