// The `drift:` section of a task spec: how `trainops monitor` decides that production
// traffic moved away from what the model was trained on, and when `trainops cycle`
// retrains (see docs/monitoring.md, which states the false-alarm rate of these defaults).
// Plain structs; parsed with the rest of the spec in task_spec.cc.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace trainops {

class YamlSection;

struct DriftSpec {
  // Family-wise false-alarm rate per window: the chance that a window drawn from the
  // reference distribution raises any alert (Holm over the tested signals).
  double family_alpha = 0.01;
  int resamples = 9999;  // permutation resamples (p-values resolve to 1 / (resamples + 1))
  int min_rows = 30;     // fewer rows in a window (or feedback rows): the signal is not tested
  // The smallest change that matters, per signal (effect-size floor): an alert needs both
  // a significant test and a change at least this large. Keys are signal names.
  std::map<std::string, double> thresholds = {
      {"predicted_label_mix", 0.05},  // total variation distance above what noise gives
      {"label_rates", 0.05},          // multi-label: change of one label's predicted rate
      {"label_cardinality", 0.25},    // multi-label: change of the mean labels per message
      {"top_confidence", 0.05},       // drop of the mean
      {"top_two_margin", 0.05},
      {"feature_coverage", 0.05},
      {"oov_share", 0.05},            // rise of the mean share of unseen words per text
      {"text_length", 0.5},           // change of the mean log2 length (0.5: x1.4)
      {"rejection_rate", 0.05},       // rise
      {"estimated_accuracy", 0.05},   // drop against validation accuracy
      {"feedback_accuracy", 0.05},    // drop against validation accuracy
      {"per_label_recall", 0.20},     // drop of one label's recall
      {"unknown_labels", 5},          // feedback rows whose label the model lacks
  };
  // What makes `cycle` retrain: feedback_accuracy, unknown_labels, per_label_recall,
  // coverage_and_estimate (feature coverage or unseen words alerted and the estimated
  // accuracy alerted), rejection_surge. The label mix is never a reason by itself.
  std::vector<std::string> retrain_on = {"feedback_accuracy", "unknown_labels", "coverage_and_estimate",
                                         "rejection_surge"};
  // New labelled rows since the last retrain before retraining: 30, the fewest any feedback
  // signal is tested on (min_rows), so a label budget of 40 a week can retrain in
  // consecutive windows.
  int min_feedback_rows = 30;
  int cooldown_windows = 1;    // windows after a retrain in which no retrain starts
  // Hysteresis: a trigger whose effect is below strong_factor x its threshold must alert in
  // confirm_windows consecutive windows; a strong one retrains at once.
  int confirm_windows = 2;
  double strong_factor = 2;
  double feedback_holdout = 0.2;  // share of the window's feedback kept out of training to gate on
  // Recovery after a drift: for this many windows after a retrain the policy triggered, a
  // significant drop of feedback accuracy below the production model's reference retrains
  // again without waiting for the cooldown or a second window (still gated, still
  // counted; recoveries do not chain; 0 = off).
  int recovery_windows = 1;
  // How a cycle's retrain weighs its rows (docs/monitoring.md, "Feedback that teaches"):
  // each feedback row counts feedback_weight times an original training row, and the rows
  // of a label that only feedback has are weighted up further until the label's total
  // weight reaches balance_share x the median number of training rows per label (at most
  // max_row_weight per row). feedback_weight 1 and balance_share 0 train as before.
  // Chosen on validation data only (bench/feedback_weight.py; docs/monitoring.md).
  double feedback_weight = 1.5;
  double balance_share = 1;
  double max_row_weight = 10;
  // How a feedback row's weight trains: "weights" (one row of weight w; data.weight_column)
  // or "copies" (round(w) copies of the row). Weights measured better in the loop on both
  // replay streams (bench/RESULTS.md), although copies scored better on validation folds.
  std::string feedback_as = "weights";
  // When a retrain rejects by the accuracy_drop rule (its validation has fewer than 30
  // out-of-scope rows), cap evaluation.max_accuracy_drop at the out-of-scope share of the
  // feedback: a threshold that gives up more in-scope accuracy than the traffic has
  // out-of-scope messages loses overall accuracy (src/drift/retrain_rejection.h).
  bool oos_share_drop = true;
  // When a cycle promotes no retrained model, move the production model's out-of-scope
  // threshold to the best one on the feedback of the traffic it served, if an exact sign
  // test on the messages whose answer changes gives p <= threshold_refresh_alpha
  // (drift/threshold_refresh.h). The alpha was compared with 0.01 on both replay streams
  // (bench/RESULTS.md).
  bool threshold_refresh = true;
  double threshold_refresh_alpha = 0.05;
};

// Names DriftSpec::thresholds and retrain_on accept.
const std::vector<std::string>& DriftSignalNames();
const std::vector<std::string>& RetrainTriggerNames();

// Reads the section (absent: defaults). Throws InputError naming file:line:key.
void ParseDriftSection(const YamlSection& top, DriftSpec& drift);

}  // namespace trainops
