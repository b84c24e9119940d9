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

// A weighted share of correct answers, with the linearization variance of a weighted mean
// (sum w^2 (c - mean)^2 / (sum w)^2) and Kish's effective sample size.
class WeightedAccuracy {
 public:
  void Add(bool correct, double weight) {
    rows_.emplace_back(correct, weight);
    sum_ += weight;
    sum_sq_ += weight * weight;
    correct_ += correct ? weight : 0;
  }
  double Value() const { return sum_ > 0 ? correct_ / sum_ : 0; }
  double Sd() const {
    if (sum_ <= 0) return 0;
    const double mean = Value();
    double v = 0;
    for (const auto& [c, w] : rows_) v += w * w * ((c ? 1 : 0) - mean) * ((c ? 1 : 0) - mean);
    return std::sqrt(v) / sum_;
  }
  double EffectiveRows() const { return sum_sq_ > 0 ? sum_ * sum_ / sum_sq_ : 0; }

 private:
  std::vector<std::pair<bool, double>> rows_;
  double sum_ = 0, sum_sq_ = 0, correct_ = 0;
};

}  // namespace

MonitorOutcome MonitorWindow(const Model& model, const std::string& model_id, const TaskSpec& spec,
                             const TrafficWindow& window) {
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

  struct NumericSignal {
    const char* name;
    const char* description;
    const Histogram& traffic;
    const Histogram& reference;
    Direction direction;
    bool log2_bins;
  };
  const NumericSignal numeric[] = {
      {"top_confidence", "mean calibrated probability of the answer", traffic.top_confidence, ref.top_confidence,
       Direction::kDecrease, false},
      {"top_two_margin", "mean gap between the two most probable labels", traffic.top_two_margin,
       ref.top_two_margin, Direction::kDecrease, false},
      {"feature_coverage", "mean share of a text's n-gram weight the model knows", traffic.feature_coverage,
       ref.feature_coverage, Direction::kDecrease, false},
      {"oov_share", "mean share of a text's words never seen in training (new words, typos)", traffic.oov_rate,
       ref.oov_rate, Direction::kIncrease, false},
      {"text_length", "mean text length on a log2 scale (bin of doubling width)", traffic.text_length,
       ref.text_length, Direction::kEither, true},
  };
  for (const NumericSignal& spec_signal : numeric) {
    json& s = b.Add(spec_signal.name, "label_free", spec_signal.description, spec_signal.direction);
    const std::vector<double> values =
        spec_signal.log2_bins ? BinIndexes(spec_signal.reference) : Midpoints(spec_signal.reference);
    const MeanTest t = PermutationMeanTest(values, spec_signal.traffic.counts, spec_signal.reference.counts,
                                           spec_signal.direction, drift.resamples, SignalSeed(spec, spec_signal.name));
    s["value"] = t.mean_a;
    s["reference"] = t.mean_b;
    s["effect"] = t.mean_a - t.mean_b;
    s["rows"] = n;
    s["histogram"] = HistogramJson(spec_signal.traffic, spec_signal.reference);
    if (enough_rows) {
      b.MarkTested(s, t.p_value);
    } else {
      s["detail"] = too_few;
    }
  }

  {  // Rejection (out-of-scope) rate.
    json& s = b.Add("rejection_rate", "label_free", "share of texts answered as out of scope", Direction::kIncrease);
    s["rows"] = n;
    if (!has_oos) {
      s["detail"] = "not tested: the model has no out-of-scope label (oos_label)";
    } else {
      const uint64_t k_ref = ref.predicted_counts[oos_at];
      const uint64_t k = traffic.predicted_counts[oos_at];
      s["value"] = Share(k, n);
      s["reference"] = Share(k_ref, n_ref);
      s["effect"] = Share(k, n) - Share(k_ref, n_ref);
      const Interval ci = WilsonInterval(k, n);
      s["interval"] = {ci.low, ci.high};
      if (enough_rows) {
        b.MarkTested(s, FisherExactTest(k, n, k_ref, n_ref, Direction::kIncrease));
      } else {
        s["detail"] = too_few;
      }
    }
  }

  const uint64_t ref_gold_rows = Sum(ref.label_counts);
  const double ref_accuracy = ref.HasCorrectness() ? Share(ref.Correct(), ref_gold_rows) : 0.0;
  json estimated = nullptr;
  {  // Accuracy without labels.
    json& s = b.Add("estimated_accuracy", "label_free",
                    "accuracy estimated from calibrated confidences (validation's confidence-to-accuracy map)",
                    Direction::kDecrease);
    s["rows"] = n;
    if (!ref.HasCorrectness()) {
      s["detail"] = "not available: the model file predates the reference's accuracy by confidence; retrain it";
    } else {
      const AccuracyEstimate e = EstimateAccuracy(ref, traffic.top_confidence);
      const double ref_sd = std::sqrt(ref_accuracy * (1 - ref_accuracy) / std::max<double>(1, ref_gold_rows));
      s["value"] = e.value;
      s["reference"] = ref_accuracy;
      s["effect"] = e.value - ref_accuracy;
      s["interval"] = {e.low, e.high};
      // z-test of the estimate against validation accuracy (both are estimates).
      const double z = (e.value - ref_accuracy) / std::max(1e-9, std::hypot(e.sd, ref_sd));
      if (enough_rows) {
        b.MarkTested(s, NormalCdf(z));
      } else {
        s["detail"] = too_few;
      }
      estimated = {{"value", e.value}, {"low", e.low}, {"high", e.high}, {"reliable", true}, {"reason", ""},
                   {"reference", ref_accuracy}};
    }
  }

  // Feedback: labels agents gave afterwards.
  const bool feedback_tested = feedback_rows >= static_cast<uint64_t>(drift.min_rows) && ref.HasCorrectness();
  const std::string too_little_feedback =
      fmt::format("not tested: {} feedback rows, fewer than drift.min_rows = {}", feedback_rows, drift.min_rows);
  json feedback_accuracy = nullptr, feedback_f1 = nullptr;
  if (feedback_rows > 0) {
    json& s = b.Add("feedback_accuracy", "feedback", "accuracy on the rows with feedback (the answer after rejection)",
                    Direction::kDecrease);
    if (!selected_feedback) {
      const Interval ci = WilsonInterval(feedback_correct, feedback_rows);
      const double acc = Share(feedback_correct, feedback_rows);
      s["value"] = acc;
      s["interval"] = {ci.low, ci.high};
      s["rows"] = feedback_rows;
      feedback_accuracy = {{"value", acc}, {"low", ci.low}, {"high", ci.high}, {"rows", feedback_rows}};
      if (ref.HasCorrectness()) {
        s["reference"] = ref_accuracy;
        s["effect"] = acc - ref_accuracy;
        if (feedback_tested) {
          b.MarkTested(s, FisherExactTest(feedback_correct, feedback_rows, ref.Correct(), ref_gold_rows,
                                          Direction::kDecrease));
        } else {
          s["detail"] = too_little_feedback;
        }
      }
    } else {
      // Stratified (Horvitz-Thompson style) estimate: each row weighs the traffic rows it
      // stands for; variance by linearization of the weighted mean; z-test against the
      // reference. A census of ranked picks plus a handful of random ones has a small
      // effective sample size and is then reported, not tested.
      const std::string why_weighted = counts.reweighted ? "the traffic log sampled this window unevenly"
                                                         : "feedback partly from a selection";
      const double acc = weighted.Value();
      const double sd = weighted.Sd();
      const double n_eff = weighted.EffectiveRows();
      const double low = std::max(0.0, acc - 1.959963984540054 * sd), high = std::min(1.0, acc + 1.959963984540054 * sd);
      s["value"] = acc;
      s["interval"] = {low, high};
      s["rows"] = feedback_rows;
      s["effective_rows"] = n_eff;
      feedback_accuracy = {{"value", acc},           {"low", low},           {"high", high},
                           {"rows", feedback_rows},  {"effective_rows", n_eff}, {"estimator", "stratified"}};
      if (ref.HasCorrectness()) {
        s["reference"] = ref_accuracy;
        s["effect"] = acc - ref_accuracy;
        if (n_eff >= drift.min_rows) {
          const double ref_sd = std::sqrt(ref_accuracy * (1 - ref_accuracy) / std::max<double>(1, ref_gold_rows));
          b.MarkTested(s, NormalCdf((acc - ref_accuracy) / std::max(1e-9, std::hypot(sd, ref_sd))));
          s["detail"] = fmt::format("{}: weighted estimate, effective rows {:.1f}", why_weighted, n_eff);
        } else {
          s["detail"] = fmt::format(
              "not tested: {}, effective sample size {:.1f} below drift.min_rows = {} "
              "(ranked picks stand for themselves, each random pick for the unranked rows of its window; a row "
              "of a sampled log for the answered requests it stands for)",
              why_weighted, n_eff, drift.min_rows);
        }
      }
    }

    json& f = b.Add("feedback_macro_f1", "feedback",
                    "macro-F1 over the labels in feedback (reported with a bootstrap interval; not tested)",
                    Direction::kDecrease);
    const MacroF1 m = FeedbackMacroF1(gold_answer, SignalSeed(spec, "feedback_macro_f1"));
    f["threshold"] = nullptr;
    f["value"] = m.value;
    f["interval"] = {m.low, m.high};
    f["rows"] = feedback_rows;
    feedback_f1 = {{"value", m.value}, {"low", m.low}, {"high", m.high}, {"rows", feedback_rows}};

    // Per-label recall: Fisher's test per label with enough rows on both sides,
    // Bonferroni over the labels tested (the signal's p is the smallest adjusted one).
    json& r = b.Add("per_label_recall", "feedback", "recall of each label with enough feedback, against validation",
                    Direction::kDecrease);
    json labels = json::array();
    r["rows"] = feedback_rows;
    if (ref.HasCorrectness()) {
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
                          {"alert", adjusted <= drift.family_alpha && before - now >= b.Threshold("per_label_recall")}});
      }
      r["value"] = worst_drop;
      r["effect"] = worst_drop;
      r["detail"] = fmt::format("{} labels with >= {} feedback and validation rows tested; value: the largest drop",
                                tested_labels.size(), kMinLabelRows);
      if (!tested_labels.empty()) b.MarkTested(r, smallest);
    }
    out.report["per_label_recall"] = labels;
  }
  json unknown_json = json::array();
  {
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
  }

  // Holm over the tested signals, then the effect floors.
  std::vector<double> p;
  for (size_t i : b.tested) p.push_back(b.signals[i]["p_value"].get<double>());
  const std::vector<double> adjusted = HolmAdjust(p);
  for (size_t k = 0; k < b.tested.size(); ++k) {
    json& s = b.signals[b.tested[k]];
    s["p_adjusted"] = adjusted[k];
    s["alert"] = adjusted[k] <= drift.family_alpha && !s["effect"].is_null() &&
                 BeyondFloor(s["effect"].get<double>(), s["threshold"].get<double>(), s["direction"]);
  }
  std::set<std::string> alerted;
  for (const json& s : b.signals) {
    if (s["alert"].get<bool>()) {
      out.alerts.push_back(s["name"]);
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

  json& rep = out.report;
  rep["task"] = spec.name;
  rep["model"] = model_id;
  rep["at"] = NowIso8601Utc();
  rep["window"] = {{"source", window.source},
                   {"key", window.Key()},
                   {"rows", window.rows.size() - late_rows},
                   {"feedback_rows", feedback_rows},
                   {"late_feedback_rows", late_rows},
                   {"rejected_rows", rejected},
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
  rep["reference_rows"] = n_ref;
  rep["alerts"] = out.alerts;
  rep["estimated_accuracy"] = estimated;
  rep["feedback_accuracy"] = feedback_accuracy;
  rep["feedback_macro_f1"] = feedback_f1;
  rep["unknown_labels"] = unknown_json;
  rep["signals"] = b.signals;
  if (!rep.contains("per_label_recall")) rep["per_label_recall"] = json::array();
  return out;
}

}  // namespace trainops::drift