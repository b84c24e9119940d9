// The signals both drift monitors compute the same way (monitor_internal.h): the
// histogram signals, rates, the estimated and the feedback accuracy, per-label recall,
// unknown labels, and the Holm step that turns tested signals into alerts.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "drift/monitor_internal.h"
#include "registry/registry.h"

namespace trainops::drift::monitor_internal {

void AddHistogramSignals(Builder& b, const WindowMeasure& m) {
  struct NumericSignal {
    const char* name;
    const char* description;
    const Histogram& traffic;
    const Histogram& reference;
    Direction direction;
    bool log2_bins;
  };
  const NumericSignal numeric[] = {
      {"top_confidence", "mean calibrated probability of the answer", m.traffic.top_confidence,
       m.ref.top_confidence, Direction::kDecrease, false},
      {"top_two_margin", "mean gap between the two most probable labels", m.traffic.top_two_margin,
       m.ref.top_two_margin, Direction::kDecrease, false},
      {"feature_coverage", "mean share of a text's n-gram weight the model knows", m.traffic.feature_coverage,
       m.ref.feature_coverage, Direction::kDecrease, false},
      {"oov_share", "mean share of a text's words never seen in training (new words, typos)", m.traffic.oov_rate,
       m.ref.oov_rate, Direction::kIncrease, false},
      {"text_length", "mean text length on a log2 scale (bin of doubling width)", m.traffic.text_length,
       m.ref.text_length, Direction::kEither, true},
  };
  const DriftSpec& drift = b.spec.drift;
  for (const NumericSignal& signal : numeric) {
    json& s = b.Add(signal.name, "label_free", signal.description, signal.direction);
    const std::vector<double> values = signal.log2_bins ? BinIndexes(signal.reference) : Midpoints(signal.reference);
    const MeanTest t = PermutationMeanTest(values, signal.traffic.counts, signal.reference.counts, signal.direction,
                                           drift.resamples, SignalSeed(b.spec, signal.name));
    s["value"] = t.mean_a;
    s["reference"] = t.mean_b;
    s["effect"] = t.mean_a - t.mean_b;
    s["rows"] = m.n;
    s["histogram"] = HistogramJson(signal.traffic, signal.reference);
    if (m.enough_rows) {
      b.MarkTested(s, t.p_value);
    } else {
      s["detail"] = m.too_few;
    }
  }
}

void AddRateSignal(Builder& b, const WindowMeasure& m, const std::string& name, const std::string& description,
                   uint64_t k, uint64_t k_ref) {
  json& s = b.Add(name, "label_free", description, Direction::kIncrease);
  const uint64_t n = m.n, n_ref = m.ref.rows;
  s["rows"] = n;
  s["value"] = Share(k, n);
  s["reference"] = Share(k_ref, n_ref);
  s["effect"] = Share(k, n) - Share(k_ref, n_ref);
  const Interval ci = WilsonInterval(k, n);
  s["interval"] = {ci.low, ci.high};
  if (m.enough_rows) {
    b.MarkTested(s, FisherExactTest(k, n, k_ref, n_ref, Direction::kIncrease));
  } else {
    s["detail"] = m.too_few;
  }
}

json AddEstimatedAccuracy(Builder& b, const WindowMeasure& m, const std::string& description, double ref_accuracy,
                          uint64_t ref_gold_rows) {
  json& s = b.Add("estimated_accuracy", "label_free", description, Direction::kDecrease);
  s["rows"] = m.n;
  if (!m.ref.HasCorrectness()) {
    s["detail"] = "not available: the model file predates the reference's accuracy by confidence; retrain it";
    return nullptr;
  }
  const AccuracyEstimate e = EstimateAccuracy(m.ref, m.traffic.top_confidence);
  const double ref_sd = std::sqrt(ref_accuracy * (1 - ref_accuracy) / std::max<double>(1, ref_gold_rows));
  s["value"] = e.value;
  s["reference"] = ref_accuracy;
  s["effect"] = e.value - ref_accuracy;
  s["interval"] = {e.low, e.high};
  // z-test of the estimate against validation accuracy (both are estimates).
  const double z = (e.value - ref_accuracy) / std::max(1e-9, std::hypot(e.sd, ref_sd));
  if (m.enough_rows) {
    b.MarkTested(s, NormalCdf(z));
  } else {
    s["detail"] = m.too_few;
  }
  return {{"value", e.value}, {"low", e.low}, {"high", e.high}, {"reliable", true}, {"reason", ""},
          {"reference", ref_accuracy}};
}

json AddFeedbackAccuracy(Builder& b, const std::string& description, const ReferenceStats& ref, uint64_t feedback_rows,
                         uint64_t feedback_correct, const WeightedAccuracy& weighted, bool selected_feedback,
                         const SampleCounts& counts, double ref_accuracy, uint64_t ref_correct, uint64_t ref_gold_rows) {
  const std::string weighted_reason = !selected_feedback  ? ""
                                      : counts.reweighted ? "the traffic log sampled this window unevenly"
                                                          : "feedback partly from a selection";
  const DriftSpec& drift = b.spec.drift;
  const bool feedback_tested = feedback_rows >= static_cast<uint64_t>(drift.min_rows) && ref.HasCorrectness();
  const std::string too_little_feedback =
      fmt::format("not tested: {} feedback rows, fewer than drift.min_rows = {}", feedback_rows, drift.min_rows);
  json& s = b.Add("feedback_accuracy", "feedback", description, Direction::kDecrease);
  if (weighted_reason.empty()) {
    const Interval ci = WilsonInterval(feedback_correct, feedback_rows);
    const double acc = Share(feedback_correct, feedback_rows);
    s["value"] = acc;
    s["interval"] = {ci.low, ci.high};
    s["rows"] = feedback_rows;
    if (ref.HasCorrectness()) {
      s["reference"] = ref_accuracy;
      s["effect"] = acc - ref_accuracy;
      if (feedback_tested) {
        b.MarkTested(s, FisherExactTest(feedback_correct, feedback_rows, ref_correct, ref_gold_rows,
                                        Direction::kDecrease));
      } else {
        s["detail"] = too_little_feedback;
      }
    }
    return {{"value", acc}, {"low", ci.low}, {"high", ci.high}, {"rows", feedback_rows}};
  }
  // Stratified (Horvitz-Thompson style) estimate: each row weighs the traffic rows it
  // stands for; variance by linearization of the weighted mean; z-test against the
  // reference. A census of ranked picks plus a handful of random ones has a small
  // effective sample size and is then reported, not tested.
  const double acc = weighted.Value();
  const double sd = weighted.Sd();
  const double n_eff = weighted.EffectiveRows();
  const double low = std::max(0.0, acc - 1.959963984540054 * sd), high = std::min(1.0, acc + 1.959963984540054 * sd);
  s["value"] = acc;
  s["interval"] = {low, high};
  s["rows"] = feedback_rows;
  s["effective_rows"] = n_eff;
  if (ref.HasCorrectness()) {
    s["reference"] = ref_accuracy;
    s["effect"] = acc - ref_accuracy;
    if (n_eff >= drift.min_rows) {
      const double ref_sd = std::sqrt(ref_accuracy * (1 - ref_accuracy) / std::max<double>(1, ref_gold_rows));
      b.MarkTested(s, NormalCdf((acc - ref_accuracy) / std::max(1e-9, std::hypot(sd, ref_sd))));
      s["detail"] = fmt::format("{}: weighted estimate, effective rows {:.1f}", weighted_reason, n_eff);
    } else {
      s["detail"] = fmt::format(
          "not tested: {}, effective sample size {:.1f} below drift.min_rows = {} "
          "(ranked picks stand for themselves, each random pick for the unranked rows of its window; a row "
          "of a sampled log for the answered requests it stands for)",
          weighted_reason, n_eff, drift.min_rows);
    }
  }
  return {{"value", acc},          {"low", low},          {"high", high}, {"rows", feedback_rows},
          {"effective_rows", n_eff}, {"estimator", "stratified"}};
}

json AddPerLabelRecall(Builder& b, const WindowMeasure& m, uint64_t feedback_rows) {
  const ReferenceStats& ref = m.ref;
  const ReferenceStats& traffic = m.traffic;
  // Fisher's test per label with enough rows on both sides, Bonferroni over the labels
  // tested (the signal's p is the smallest adjusted one).
  json& r = b.Add("per_label_recall", "feedback", "recall of each label with enough feedback, against validation",
                  Direction::kDecrease);
  json labels = json::array();
  r["rows"] = feedback_rows;
  if (!ref.HasCorrectness()) return labels;
  constexpr uint64_t kMinLabelRows = 5;
  std::vector<uint32_t> tested_labels;
  std::vector<double> p;
  for (uint32_t l = 0; l < ref.labels.size(); ++l) {
    if (traffic.label_counts[l] >= kMinLabelRows && ref.label_counts[l] >= kMinLabelRows) {
      tested_labels.push_back(l);
      p.push_back(FisherExactTest(traffic.label_correct[l], traffic.label_counts[l], ref.label_correct[l],
                                  ref.label_counts[l], Direction::kDecrease));
    }
  }
  double worst_drop = 0, smallest = 1;
  for (size_t i = 0; i < tested_labels.size(); ++i) {
    const uint32_t l = tested_labels[i];
    const double now = Share(traffic.label_correct[l], traffic.label_counts[l]);
    const double before = Share(ref.label_correct[l], ref.label_counts[l]);
    const double adjusted = std::min(1.0, p[i] * static_cast<double>(tested_labels.size()));
    smallest = std::min(smallest, adjusted);
    worst_drop = std::min(worst_drop, now - before);
    labels.push_back({{"label", ref.labels[l]},
                      {"reference", before},
                      {"value", now},
                      {"rows", traffic.label_counts[l]},
                      {"p_value", adjusted},
                      {"alert", adjusted <= b.spec.drift.family_alpha && before - now >= b.Threshold("per_label_recall")}});
  }
  r["value"] = worst_drop;
  r["effect"] = worst_drop;
  r["detail"] = fmt::format("{} labels with >= {} feedback and validation rows tested; value: the largest drop",
                            tested_labels.size(), kMinLabelRows);
  if (!tested_labels.empty()) b.MarkTested(r, smallest);
  return labels;
}

json AddUnknownLabels(Builder& b, const std::map<std::string, uint64_t>& unknown, uint64_t feedback_rows) {
  json unknown_json = json::array();
  json& s = b.Add("unknown_labels", "feedback", "feedback rows whose label the model does not have",
                  Direction::kIncrease);
  uint64_t rows = 0;
  std::vector<std::pair<uint64_t, std::string>> by_count;
  for (const auto& [label, count] : unknown) {
    rows += count;
    by_count.emplace_back(count, label);
  }
  std::sort(by_count.rbegin(), by_count.rend());
  for (const auto& [count, label] : by_count) unknown_json.push_back({{"label", label}, {"rows", count}});
  s["value"] = rows;
  s["reference"] = 0;
  s["effect"] = rows;
  s["rows"] = feedback_rows;
  s["alert"] = static_cast<double>(rows) >= b.Threshold("unknown_labels") && rows > 0;
  s["detail"] = fmt::format("{} rows, {} labels; a count, not a test: any row is a label the model cannot answer",
                            rows, unknown.size());
  return unknown_json;
}

std::vector<std::string> DecideAlerts(Builder& b, json& estimated) {
  std::vector<double> p;
  for (size_t i : b.tested) p.push_back(b.signals[i]["p_value"].get<double>());
  const std::vector<double> adjusted = HolmAdjust(p);
  for (size_t k = 0; k < b.tested.size(); ++k) {
    json& s = b.signals[b.tested[k]];
    s["p_adjusted"] = adjusted[k];
    s["alert"] = adjusted[k] <= b.spec.drift.family_alpha && !s["effect"].is_null() &&
                 BeyondFloor(s["effect"].get<double>(), s["threshold"].get<double>(), s["direction"]);
  }
  std::vector<std::string> alerts;
  std::set<std::string> alerted;
  for (const json& s : b.signals) {
    if (s["alert"].get<bool>()) {
      alerts.push_back(s["name"]);
      alerted.insert(s["name"]);
    }
  }
  if (estimated.is_object()) {
    std::vector<std::string> why;
    for (const char* name : {"feature_coverage", "oov_share", "rejection_rate"}) {
      if (alerted.count(name)) why.push_back(name);
    }
    if (!why.empty()) {
      estimated["reliable"] = false;
      estimated["reason"] = fmt::format(
          "not a valid estimate: traffic left the training distribution ({} alerted), where validation's "
          "confidence-to-accuracy map does not hold",
          fmt::join(why, ", "));
    }
  }
  return alerts;
}

void FillWindowReport(json& rep, const TaskSpec& spec, const std::string& model_id, const TrafficWindow& window,
                      const SampleCounts& counts, const Builder& b, const std::vector<std::string>& alerts,
                      const WindowSummary& summary) {
  const uint64_t late_rows = summary.late_rows;
  const DriftSpec& drift = spec.drift;
  rep["task"] = spec.name;
  rep["model"] = model_id;
  rep["at"] = NowIso8601Utc();
  rep["window"] = {{"source", window.source},
                   {"key", window.Key()},
                   {"rows", window.rows.size() - late_rows},
                   {"feedback_rows", summary.feedback_rows},
                   {"late_feedback_rows", late_rows},
                   {"rejected_rows", summary.rejected_rows},
                   {"first", window.first},
                   {"last", window.last}};
  if (window.Sampled()) {
    const double answered = window.AnsweredEstimate();
    const double logged = static_cast<double>(window.TrafficRows());
    rep["window"]["sampling"] = {{"sampled", true},
                                 {"logged_rows", window.TrafficRows()},
                                 {"answered_estimate", answered},
                                 {"rate", logged / answered},
                                 {"reweighted", counts.reweighted},
                                 {"effective_rows", counts.reweighted ? counts.effective_rows : logged}};
  }
  rep["test"] = fmt::format(
      "permutation tests (means, label mix; {} resamples) and Fisher's exact test (rates), Holm-adjusted over the "
      "{} tested signals at family-wise alpha {}, plus an effect-size floor per signal (drift.thresholds)",
      drift.resamples, b.tested.size(), drift.family_alpha);
  rep["family_alpha"] = drift.family_alpha;
  rep["reference_rows"] = summary.reference_rows;
  rep["alerts"] = alerts;
  rep["estimated_accuracy"] = summary.estimated_accuracy;
  rep["feedback_accuracy"] = summary.feedback_accuracy;
  rep["unknown_labels"] = summary.unknown_labels;
  rep["signals"] = b.signals;
  if (!rep.contains("per_label_recall")) rep["per_label_recall"] = json::array();
}

}  // namespace trainops::drift::monitor_internal
