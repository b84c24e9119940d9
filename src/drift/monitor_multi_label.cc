// The drift monitor for a multi-label model (monitor.h): the window's answers are label
// sets, so the label signals are per-label predicted rates and the number of labels per
// message; "rejection" is a message answered with no label; accuracy is exact-set accuracy,
// with micro-F1 beside it. The label-free histogram signals, per-label recall and unknown
// labels are computed as for a single-label model (monitor_shared_signals.cc).
#include <algorithm>
#include <map>
#include <random>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "data/label_set.h"
#include "drift/monitor.h"
#include "drift/monitor_internal.h"
#include "drift/stat_tests.h"
#include "model/inference.h"
#include "model/model.h"
#include "task/task_spec.h"

namespace trainops::drift {
namespace {

using nlohmann::json;
using monitor_internal::Builder;
using monitor_internal::SampleCounts;
using monitor_internal::Share;
using monitor_internal::Sum;
using monitor_internal::WeightedAccuracy;
using monitor_internal::WindowMeasure;

// Micro-F1 over the feedback rows (2 TP / (2 TP + FP + FN) of their summed counts), with a
// percentile bootstrap interval over rows.
struct MicroF1 {
  double value = 0, low = 0, high = 0;
};

struct SetCounts {
  uint32_t tp = 0, fp = 0, fn = 0;
};

MicroF1 FeedbackMicroF1(const std::vector<SetCounts>& rows, uint64_t seed) {
  auto f1 = [&](auto&& each) {
    double tp = 0, wrong = 0;
    each([&](const SetCounts& c) {
      tp += c.tp;
      wrong += c.fp + c.fn;
    });
    return 2 * tp + wrong > 0 ? 2 * tp / (2 * tp + wrong) : 1.0;  // no labels anywhere, none answered: right
  };
  MicroF1 out;
  out.value = f1([&](auto&& add) {
    for (const SetCounts& c : rows) add(c);
  });
  if (rows.empty()) return out;
  constexpr int kResamples = 500;
  std::mt19937_64 rng(seed);
  std::vector<double> values;
  values.reserve(kResamples);
  for (int r = 0; r < kResamples; ++r) {
    values.push_back(f1([&](auto&& add) {
      for (size_t i = 0; i < rows.size(); ++i) add(rows[rng() % rows.size()]);
    }));
  }
  std::sort(values.begin(), values.end());
  out.low = values[static_cast<size_t>(0.025 * (values.size() - 1))];
  out.high = values[static_cast<size_t>(0.975 * (values.size() - 1))];
  return out;
}

// Each label's predicted rate against validation: Fisher's exact test (two-sided) per
// label, Bonferroni over the labels; the signal's p is the smallest adjusted one and its
// effect the largest change of a rate. Returns the per-label list.
json AddLabelRates(Builder& b, const WindowMeasure& m) {
  json& s = b.Add("label_rates", "label_free",
                  "share of messages each label is chosen for (a prior shift: which intents traffic asks for)",
                  Direction::kEither);
  s["rows"] = m.n;
  const ReferenceStats& ref = m.ref;
  const size_t labels = std::min(ref.labels.size(), m.traffic.predicted_counts.size());
  std::vector<double> p(labels, 1.0), change(labels, 0.0);
  size_t largest = 0;
  for (size_t l = 0; l < labels; ++l) {
    change[l] = Share(m.traffic.predicted_counts[l], m.n) - Share(ref.predicted_counts[l], ref.rows);
    p[l] = FisherExactTest(m.traffic.predicted_counts[l], m.n, ref.predicted_counts[l], ref.rows, Direction::kEither);
    if (std::abs(change[l]) > std::abs(change[largest])) largest = l;
  }
  json list = json::array();
  double smallest = 1;
  for (size_t l = 0; l < labels; ++l) {
    const double adjusted = std::min(1.0, p[l] * static_cast<double>(labels));
    smallest = std::min(smallest, adjusted);
    list.push_back({{"label", ref.labels[l]},
                    {"value", Share(m.traffic.predicted_counts[l], m.n)},
                    {"reference", Share(ref.predicted_counts[l], ref.rows)},
                    {"p_value", adjusted},
                    {"alert", m.enough_rows && adjusted <= b.spec.drift.family_alpha &&
                                  std::abs(change[l]) >= b.Threshold("label_rates")}});
  }
  if (labels == 0) return list;
  s["value"] = Share(m.traffic.predicted_counts[largest], m.n);
  s["reference"] = Share(ref.predicted_counts[largest], ref.rows);
  s["effect"] = change[largest];
  // The labels that moved most, for people.
  std::vector<size_t> order(labels);
  for (size_t l = 0; l < labels; ++l) order[l] = l;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t c) { return std::abs(change[a]) > std::abs(change[c]) || (std::abs(change[a]) == std::abs(change[c]) && a < c); });
  std::string detail = fmt::format("{} labels tested (Bonferroni); moved most:", labels);
  for (size_t i = 0; i < std::min<size_t>(3, order.size()); ++i) {
    const size_t l = order[i];
    detail += fmt::format(" {} {:.1f}% (reference {:.1f}%){}", ref.labels[l], 100 * Share(m.traffic.predicted_counts[l], m.n),
                          100 * Share(ref.predicted_counts[l], ref.rows), i + 1 < std::min<size_t>(3, order.size()) ? ";" : "");
  }
  s["detail"] = m.enough_rows ? detail : m.too_few;
  if (m.enough_rows) b.MarkTested(s, smallest);
  return list;
}

// The number of labels per message: a permutation test of its mean (either direction:
// messages that suddenly carry more intents, or fewer).
void AddCardinality(Builder& b, const WindowMeasure& m) {
  json& s = b.Add("label_cardinality", "label_free", "mean number of labels chosen per message", Direction::kEither);
  std::vector<double> values(SetStats::kMaxCardinality + 1);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  const MeanTest t = PermutationMeanTest(values, m.traffic.sets->cardinality, m.ref.sets->cardinality,
                                         Direction::kEither, b.spec.drift.resamples,
                                         monitor_internal::SignalSeed(b.spec, "label_cardinality"));
  s["value"] = t.mean_a;
  s["reference"] = t.mean_b;
  s["effect"] = t.mean_a - t.mean_b;
  s["rows"] = m.n;
  s["histogram"] = {{"labels", values}, {"traffic", m.traffic.sets->cardinality}, {"reference", m.ref.sets->cardinality}};
  if (m.enough_rows) {
    b.MarkTested(s, t.p_value);
  } else {
    s["detail"] = m.too_few;
  }
}

// Where a row is, for messages about its feedback.
std::string RowWhere(const TrafficWindow& window, const WindowRow& row) {
  if (row.line > 0) return fmt::format("{}:{}", window.source, row.line);
  return fmt::format("{} (request {})", window.source, row.id.empty() ? "?" : row.id);
}

}  // namespace

MonitorOutcome MonitorMultiLabelWindow(const Model& model, const std::string& model_id, const TaskSpec& spec,
                                       const TrafficWindow& window) {
  if (!model.reference_stats || !model.reference_stats->MultiLabel()) {
    throw InputError(fmt::format("model {} has no multi-label reference statistics (it was trained before trainops "
                                 "monitored multi-label models); retrain it to monitor drift",
                                 model_id));
  }
  const ReferenceStats& ref = *model.reference_stats;
  const DriftSpec& drift = spec.drift;
  const std::string& separator = model.info.label_separator;
  std::map<std::string, uint32_t> label_index;
  for (uint32_t i = 0; i < ref.labels.size(); ++i) label_index.emplace(ref.labels[i], i);

  MonitorOutcome out;
  ReferenceStats traffic = ReferenceStats::Empty(ref.labels, ref.train_words, /*multi_label=*/true);
  Model::Scratch scratch;
  std::vector<uint32_t> chosen, gold;
  std::vector<std::string> chosen_names, gold_names;
  std::map<std::string, uint64_t> unknown;
  std::vector<SetCounts> feedback_counts;
  uint64_t feedback_rows = 0, feedback_correct = 0, no_label = 0, late_rows = 0;
  WeightedAccuracy weighted;
  bool selected_feedback = false;
  const SampleCounts counts = monitor_internal::CountsForSampling(window);  // as MonitorWindow reweighs
  size_t row_index = 0;
  for (const WindowRow& row : window.rows) {
    const uint32_t copies = counts.copies.empty() ? 1 : counts.copies[row_index];
    ++row_index;
    const Decision d = Classify(model, row.text, scratch);
    ChosenLabels(model, scratch.probs, -1, d.empty, chosen);
    chosen_names.clear();
    for (uint32_t k : chosen) chosen_names.push_back(model.info.labels[k]);
    std::sort(chosen_names.begin(), chosen_names.end());  // label order is the spec's, sets compare sorted
    RowOutcome r;
    r.answer = JoinLabelSet(chosen_names, separator);
    r.confidence = d.confidence;
    r.margin = d.margin;
    r.coverage = d.coverage;
    r.rejected = chosen.empty();
    const bool representative = row.stratum != "ranked";  // as in MonitorWindow
    bool has_gold = false;
    if (!row.feedback.empty()) {
      const std::string problem = ParseFeedbackSet(row.feedback, separator, gold_names);
      if (!problem.empty()) {
        throw InputError(fmt::format("{}: feedback {}: {}", RowWhere(window, row), Quoted(row.feedback), problem));
      }
      r.has_feedback = true;
      ++feedback_rows;
      r.correct = gold_names == chosen_names;
      feedback_correct += r.correct;
      weighted.Add(r.correct, !row.stratum.empty() ? row.estimate_weight
                              : counts.reweighted  ? row.sample_weight
                                                   : row.estimate_weight);
      selected_feedback = selected_feedback || !row.stratum.empty() || counts.reweighted;
      gold.clear();
      SetCounts c;
      for (const std::string& label : gold_names) {
        const auto it = label_index.find(label);
        if (it == label_index.end()) {
          r.known_label = false;
          ++unknown[label];
          ++c.fn;
          continue;
        }
        gold.push_back(it->second);
        std::binary_search(chosen_names.begin(), chosen_names.end(), label) ? ++c.tp : ++c.fn;
      }
      std::sort(gold.begin(), gold.end());
      c.fp = static_cast<uint32_t>(chosen.size()) - c.tp;
      if (representative) feedback_counts.push_back(c);
      has_gold = representative;
    }
    if (row.late) {
      ++late_rows;  // not this window's traffic: only its labels are used
      if (has_gold) {
        for (uint32_t k : gold) {
          ++traffic.label_counts[k];
          if (std::binary_search(chosen.begin(), chosen.end(), k)) ++traffic.label_correct[k];
        }
      }
    } else {
      no_label += chosen.empty() ? copies : 0;
      const ScoredText scored{d.top, d.confidence, d.margin, d.coverage};
      for (uint32_t c = 0; c < copies; ++c) traffic.AddSet(row.text, scored, chosen, has_gold ? &gold : nullptr);
    }
    out.rows.push_back(std::move(r));
  }

  Builder b{spec, {}, {}};
  b.signals.reserve(16);  // Add returns a reference into it
  const uint64_t n = traffic.rows;
  const bool enough_rows = n >= static_cast<uint64_t>(drift.min_rows);
  const WindowMeasure measure{ref, traffic, n, enough_rows,
                              fmt::format("not tested: {} rows, fewer than drift.min_rows = {}", n, drift.min_rows)};
  out.report["label_rates"] = AddLabelRates(b, measure);
  AddCardinality(b, measure);
  monitor_internal::AddHistogramSignals(b, measure);
  // A message with none of the intents is what a multi-label model says instead of "out of
  // scope", so a surge of them is the rejection_rate signal (and the rejection_surge trigger).
  monitor_internal::AddRateSignal(b, measure, "rejection_rate", "share of messages answered with no label",
                                  traffic.sets->cardinality[0], ref.sets->cardinality[0]);
  const uint64_t ref_exact = Sum(ref.correct_by_confidence);
  const double ref_accuracy = ref.HasCorrectness() ? Share(ref_exact, ref.rows) : 0.0;
  json estimated = monitor_internal::AddEstimatedAccuracy(
      b, measure,
      "exact-set accuracy estimated from the most probable label's calibrated probability (validation's map from "
      "it to exact-set accuracy)",
      ref_accuracy, ref.rows);

  json feedback_accuracy = nullptr, feedback_f1 = nullptr;
  if (feedback_rows > 0) {
    feedback_accuracy = monitor_internal::AddFeedbackAccuracy(
        b, "exact-set accuracy on the rows with feedback (the chosen set is the given set)", ref, feedback_rows,
        feedback_correct, weighted, selected_feedback, counts, ref_accuracy, ref_exact, ref.rows);
    json& f = b.Add("feedback_micro_f1", "feedback",
                    "micro-F1 over the labels of the rows with feedback (reported with a bootstrap interval; not "
                    "tested)",
                    Direction::kDecrease);
    const MicroF1 m = FeedbackMicroF1(feedback_counts, monitor_internal::SignalSeed(spec, "feedback_micro_f1"));
    f["threshold"] = nullptr;
    f["value"] = m.value;
    f["reference"] = ref.MicroF1();
    f["effect"] = m.value - ref.MicroF1();
    f["interval"] = {m.low, m.high};
    f["rows"] = feedback_counts.size();
    feedback_f1 = {{"value", m.value}, {"low", m.low}, {"high", m.high}, {"rows", feedback_counts.size()},
                   {"reference", ref.MicroF1()}};
    out.report["per_label_recall"] = monitor_internal::AddPerLabelRecall(b, measure, feedback_rows);
  }
  const json unknown_json = monitor_internal::AddUnknownLabels(b, unknown, feedback_rows);

  out.alerts = monitor_internal::DecideAlerts(b, estimated);
  monitor_internal::FillWindowReport(out.report, spec, model_id, window, counts, b, out.alerts,
                                     {ref.rows, feedback_rows, late_rows, no_label, estimated, feedback_accuracy,
                                      unknown_json});
  out.report["task_kind"] = "multi_label";
  out.report["feedback_micro_f1"] = feedback_f1;
  return out;
}

}  // namespace trainops::drift
