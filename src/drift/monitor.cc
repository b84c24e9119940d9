#include "drift/monitor.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/error.h"
#include "drift/monitor_internal.h"
#include "drift/stat_tests.h"
#include "model/inference.h"
#include "model/model.h"
#include "registry/registry.h"
#include "task/task_spec.h"

namespace trainops::drift {
namespace {

using nlohmann::json;

using monitor_internal::AccuracyEstimate;
using monitor_internal::BeyondFloor;
using monitor_internal::BinIndexes;
using monitor_internal::Builder;
using monitor_internal::CountsForSampling;
using monitor_internal::EstimateAccuracy;
using monitor_internal::FeedbackMacroF1;
using monitor_internal::HistogramJson;
using monitor_internal::MacroF1;
using monitor_internal::Midpoints;
using monitor_internal::SampleCounts;
using monitor_internal::Share;
using monitor_internal::SignalSeed;
using monitor_internal::Sum;
using monitor_internal::WeightedAccuracy;
using monitor_internal::WindowMeasure;

}  // namespace

MonitorOutcome MonitorWindow(const Model& model, const std::string& model_id, const TaskSpec& spec,
                             const TrafficWindow& window) {
  if (model.info.multi_label) return MonitorMultiLabelWindow(model, model_id, spec, window);
  if (!model.reference_stats) {
    throw InputError(fmt::format("model {} has no reference statistics (it was trained before trainops kept "
                                 "them); retrain it to monitor drift",
                                 model_id));
  }
  const ReferenceStats& ref = *model.reference_stats;
  const DriftSpec& drift = spec.drift;
  const uint32_t n_labels = static_cast<uint32_t>(model.num_labels());
  std::map<std::string, uint32_t> label_index;
  for (uint32_t i = 0; i < ref.labels.size(); ++i) label_index.emplace(ref.labels[i], i);
  const std::string& oos = model.info.oos_label;
  // An index and a flag rather than std::optional: GCC 12 warns (wrongly) that the
  // optional's value may be read uninitialized once this function is inlined further.
  const bool has_oos = !oos.empty() && label_index.count(oos) > 0;
  const uint32_t oos_at = has_oos ? label_index.at(oos) : 0;

  // Score every row with the one inference path and measure it with the reference's
  // instruments (same bins, same word filter).
  MonitorOutcome out;
  ReferenceStats traffic = ReferenceStats::Empty(ref.labels, ref.train_words);
  if (!ref.HasCorrectness()) {
    traffic.label_correct.clear();
    traffic.correct_by_confidence.clear();
  }
  Model::Scratch scratch;
  std::map<std::string, uint64_t> unknown;
  std::vector<std::pair<std::string, std::string>> gold_answer;
  uint64_t feedback_rows = 0, feedback_correct = 0, rejected = 0, late_rows = 0;
  // Feedback from a cycle's selection is not a sample of the traffic: the weighted
  // estimate below undoes that (WindowRow::stratum).
  WeightedAccuracy weighted;
  bool selected_feedback = false;
  // A window the traffic log sampled under load (rows standing for different numbers of
  // answered requests) is reweighted by systematic resampling: each row counts
  // round(w * scale) times, rounding carried from row to row, with the scale chosen so
  // the counts add up to Kish's effective sample size (sum w)^2 / sum w^2. The signals'
  // statistics and tests then see the traffic's mix at the sample size the weights
  // support, with no change to how a signal is computed. A window sampled at one rate
  // throughout needs no reweighting (every row counts once).
  const SampleCounts counts = CountsForSampling(window);
  size_t row_index = 0;
  for (const WindowRow& row : window.rows) {
    const uint32_t copies = counts.copies.empty() ? 1 : counts.copies[row_index];
    ++row_index;
    const Decision d = Classify(model, row.text, scratch);
    RowOutcome r;
    r.answer = LabelName(model, d.label);
    r.confidence = d.confidence;
    r.margin = d.margin;
    r.coverage = d.coverage;
    r.rejected = d.rejected;
    const uint32_t predicted = d.label < n_labels ? d.label : has_oos ? oos_at : d.top;
    std::optional<uint32_t> gold;
    // Ranked picks were chosen for being hard: they count in the weighted accuracy (as a
    // census of themselves) and as labels the model lacks, never in per-label recall or
    // macro-F1, which would read their difficulty as drift.
    const bool representative = row.stratum != "ranked";
    if (!row.feedback.empty()) {
      r.has_feedback = true;
      ++feedback_rows;
      r.correct = r.answer == row.feedback;
      feedback_correct += r.correct;
      // A selected row's estimate_weight already counts the sampling (cycle_selection.cc).
      weighted.Add(r.correct, !row.stratum.empty() ? row.estimate_weight
                              : counts.reweighted  ? row.sample_weight
                                                   : row.estimate_weight);
      selected_feedback = selected_feedback || !row.stratum.empty() || counts.reweighted;
      if (representative) gold_answer.emplace_back(row.feedback, r.answer);
      if (auto it = label_index.find(row.feedback); it != label_index.end()) {
        if (representative) gold = it->second;
      } else {
        r.known_label = false;
        ++unknown[row.feedback];
      }
    }
    if (row.late) {
      ++late_rows;  // not this window's traffic: only its label is used
      if (gold) {
        ++traffic.label_counts[*gold];
        if (*gold == predicted && ref.HasCorrectness()) ++traffic.label_correct[*gold];
      }
    } else {
      rejected += d.rejected ? copies : 0;
      for (uint32_t c = 0; c < copies; ++c) traffic.Add(row.text, {predicted, d.confidence, d.margin, d.coverage}, gold);
    }
    out.rows.push_back(std::move(r));
  }

  Builder b{spec, {}, {}};
  b.signals.reserve(16);  // Add returns a reference into it
  const uint64_t n = traffic.rows, n_ref = ref.rows;
  const bool enough_rows = n >= static_cast<uint64_t>(drift.min_rows);
  const std::string too_few = fmt::format("not tested: {} rows, fewer than drift.min_rows = {}", n, drift.min_rows);

  {  // The predicted-label mix: which intents traffic asks for (a prior shift).
    json& s = b.Add("predicted_label_mix", "label_free",
                    "how far the mix of predicted labels moved (total variation distance beyond sampling noise)",
                    Direction::kIncrease);
    const MixTest t = PermutationMixTest(traffic.predicted_counts, ref.predicted_counts, drift.resamples,
                                         SignalSeed(spec, "predicted_label_mix"));
    s["value"] = t.distance;
    s["reference"] = t.null_distance;
    s["effect"] = t.distance - t.null_distance;
    s["rows"] = n;
    // The labels whose share grew most, for people.
    std::vector<std::pair<double, uint32_t>> growth;
    for (uint32_t i = 0; i < ref.labels.size(); ++i) {
      growth.emplace_back(Share(traffic.predicted_counts[i], n) - Share(ref.predicted_counts[i], n_ref), i);
    }
    std::sort(growth.rbegin(), growth.rend());
    std::string detail = "grew most:";
    for (size_t i = 0; i < std::min<size_t>(3, growth.size()); ++i) {
      const uint32_t l = growth[i].second;
      detail += fmt::format(" {} {:.1f}% (reference {:.1f}%){}", ref.labels[l], 100 * Share(traffic.predicted_counts[l], n),
                            100 * Share(ref.predicted_counts[l], n_ref), i + 1 < 3 ? ";" : "");
    }
    s["detail"] = enough_rows ? detail : too_few;
    if (enough_rows) b.MarkTested(s, t.p_value);
  }

  const WindowMeasure measure{ref, traffic, n, enough_rows, too_few};
  monitor_internal::AddHistogramSignals(b, measure);

  if (!has_oos) {
    json& s = b.Add("rejection_rate", "label_free", "share of texts answered as out of scope", Direction::kIncrease);
    s["rows"] = n;
    s["detail"] = "not tested: the model has no out-of-scope label (oos_label)";
  } else {
    monitor_internal::AddRateSignal(b, measure, "rejection_rate", "share of texts answered as out of scope",
                                    traffic.predicted_counts[oos_at], ref.predicted_counts[oos_at]);
  }

  const uint64_t ref_gold_rows = Sum(ref.label_counts);
  const double ref_accuracy = ref.HasCorrectness() ? Share(ref.Correct(), ref_gold_rows) : 0.0;
  // Accuracy without labels.
  json estimated = monitor_internal::AddEstimatedAccuracy(
      b, measure, "accuracy estimated from calibrated confidences (validation's confidence-to-accuracy map)",
      ref_accuracy, ref_gold_rows);

  // Feedback: labels agents gave afterwards.
  json feedback_accuracy = nullptr, feedback_f1 = nullptr;
  if (feedback_rows > 0) {
    feedback_accuracy = monitor_internal::AddFeedbackAccuracy(
        b, "accuracy on the rows with feedback (the answer after rejection)", ref, feedback_rows, feedback_correct,
        weighted, selected_feedback, counts, ref_accuracy, ref.Correct(), ref_gold_rows);

    json& f = b.Add("feedback_macro_f1", "feedback",
                    "macro-F1 over the labels in feedback (reported with a bootstrap interval; not tested)",
                    Direction::kDecrease);
    const MacroF1 m = FeedbackMacroF1(gold_answer, SignalSeed(spec, "feedback_macro_f1"));
    f["threshold"] = nullptr;
    f["value"] = m.value;
    f["interval"] = {m.low, m.high};
    f["rows"] = feedback_rows;
    feedback_f1 = {{"value", m.value}, {"low", m.low}, {"high", m.high}, {"rows", feedback_rows}};

    out.report["per_label_recall"] = monitor_internal::AddPerLabelRecall(b, measure, feedback_rows);
  }
  const json unknown_json = monitor_internal::AddUnknownLabels(b, unknown, feedback_rows);

  out.alerts = monitor_internal::DecideAlerts(b, estimated);
  monitor_internal::FillWindowReport(out.report, spec, model_id, window, counts, b, out.alerts,
                                     {n_ref, feedback_rows, late_rows, rejected, estimated, feedback_accuracy,
                                      unknown_json});
  out.report["feedback_macro_f1"] = feedback_f1;
  return out;
}

}  // namespace trainops::drift