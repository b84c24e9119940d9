// Internal to src/drift/: the pieces MonitorWindow (monitor.cc) builds its signals from:
// the signal list with its Holm bookkeeping (Builder), histogram helpers and the
// accuracy estimators, defined in monitor_signals.cc. Pure functions of their inputs
// (safe from any thread); a Builder belongs to one MonitorWindow call.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "drift/stat_tests.h"
#include "drift/traffic_window.h"
#include "model/reference_stats.h"
#include "task/task_spec.h"

namespace trainops::drift::monitor_internal {

using nlohmann::json;

std::vector<double> Midpoints(const Histogram& h);
std::vector<double> BinIndexes(const Histogram& h);
double Share(uint64_t part, uint64_t whole);
uint64_t Sum(const std::vector<uint64_t>& v);
uint64_t SignalSeed(const TaskSpec& spec, const std::string& name);
json HistogramJson(const Histogram& traffic, const Histogram& reference);
bool BeyondFloor(double effect, double floor, const std::string& direction);

struct Builder {
  const TaskSpec& spec;
  std::vector<json> signals;
  std::vector<size_t> tested;  // indexes of signals with a p-value, for Holm

  double Threshold(const std::string& name) const { return spec.drift.thresholds.at(name); }

  json& Add(const std::string& name, const char* group, const std::string& description, Direction direction) {
    json s = {{"name", name},       {"group", group},     {"description", description},
              {"value", nullptr},   {"reference", nullptr}, {"effect", nullptr},
              {"threshold", spec.drift.thresholds.count(name) ? json(Threshold(name)) : json(nullptr)},
              {"direction", DirectionName(direction)},
              {"p_value", nullptr}, {"p_adjusted", nullptr}, {"alpha", spec.drift.family_alpha},
              {"interval", nullptr}, {"rows", 0},          {"alert", false},
              {"tested", false},    {"detail", ""}};
    signals.push_back(std::move(s));
    return signals.back();
  }
  void MarkTested(json& s, double p) {
    s["p_value"] = p;
    s["tested"] = true;
    tested.push_back(static_cast<size_t>(&s - signals.data()));
  }
};

// Accuracy without labels: each traffic row's chance of being right is read off the
// reference's confidence-to-accuracy map (validation accuracy per confidence bin, shrunk
// toward the bin's confidence when the bin has few rows), so a model that is over- or
// under-confident on validation is corrected. Valid only while traffic resembles
// validation: the caller marks it unreliable when coverage says otherwise.
struct AccuracyEstimate {
  double value = 0, low = 0, high = 0, sd = 0;
};
AccuracyEstimate EstimateAccuracy(const ReferenceStats& ref, const Histogram& traffic_confidence);

// Macro-F1 over the labels that occur in the feedback or the answers, with a percentile
// bootstrap interval over rows.
struct MacroF1 {
  double value = 0, low = 0, high = 0;
};
MacroF1 FeedbackMacroF1(const std::vector<std::pair<std::string, std::string>>& gold_answer, uint64_t seed);

// How often each window row counts when the traffic log sampled the window unevenly
// (MonitorWindow says why and how).
struct SampleCounts {
  std::vector<uint32_t> copies;  // per window row; empty = every row once
  bool reweighted = false;
  double effective_rows = 0;
};
SampleCounts CountsForSampling(const TrafficWindow& window);

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

// ---- Signals both monitors (single-label in monitor.cc, multi-label in
// monitor_multi_label.cc) compute the same way; defined in monitor_shared_signals.cc.

// The window as the monitor measured it, and what every signal needs to know about it.
struct WindowMeasure {
  const ReferenceStats& ref;
  const ReferenceStats& traffic;  // the window's rows, measured with ref's instruments
  uint64_t n = 0;                 // traffic.rows
  bool enough_rows = false;       // n >= drift.min_rows
  std::string too_few;            // the detail of an untested signal
};

// top_confidence, top_two_margin, feature_coverage, oov_share, text_length: permutation
// tests of the means of their histograms.
void AddHistogramSignals(Builder& b, const WindowMeasure& m);

// A rate that matters when it rises (rejections; messages with no label): Fisher's exact
// test of k of n against k_ref of n_ref.
void AddRateSignal(Builder& b, const WindowMeasure& m, const std::string& name, const std::string& description,
                   uint64_t k, uint64_t k_ref);

// Accuracy without labels (EstimateAccuracy) against `ref_accuracy` (a share of
// `ref_gold_rows` validation rows), z-tested. Returns the report's estimated_accuracy
// (null when the reference has no correctness counts).
json AddEstimatedAccuracy(Builder& b, const WindowMeasure& m, const std::string& description, double ref_accuracy,
                          uint64_t ref_gold_rows);

// Accuracy on the rows with feedback against `ref_accuracy`: Fisher's test, or, when the
// feedback is partly a selection (`selected_feedback`) or the window was sampled unevenly
// (counts.reweighted), the stratified estimate of `weighted`. Returns the report's
// feedback_accuracy.
json AddFeedbackAccuracy(Builder& b, const std::string& description, const ReferenceStats& ref, uint64_t feedback_rows,
                         uint64_t feedback_correct, const WeightedAccuracy& weighted, bool selected_feedback,
                         const SampleCounts& counts, double ref_accuracy, uint64_t ref_correct, uint64_t ref_gold_rows);

// Recall per label with enough feedback against validation (Fisher, Bonferroni over the
// labels tested). Returns the per-label list.
json AddPerLabelRecall(Builder& b, const WindowMeasure& m, uint64_t feedback_rows);

// Feedback rows whose label the model lacks: a count. Returns the list by label.
json AddUnknownLabels(Builder& b, const std::map<std::string, uint64_t>& unknown, uint64_t feedback_rows);

// Holm over the tested signals, then the effect floors; marks `estimated` unreliable when
// coverage says traffic left the training distribution. Returns the alerting signals.
std::vector<std::string> DecideAlerts(Builder& b, json& estimated);

// What a monitor found, for the report's common fields.
struct WindowSummary {
  uint64_t reference_rows = 0, feedback_rows = 0, late_rows = 0, rejected_rows = 0;
  json estimated_accuracy, feedback_accuracy, unknown_labels;
};

// The report's fields about the window, the test, the alerts and the signals (and an empty
// per_label_recall when the monitor set none).
void FillWindowReport(json& rep, const TaskSpec& spec, const std::string& model_id, const TrafficWindow& window,
                      const SampleCounts& counts, const Builder& b, const std::vector<std::string>& alerts,
                      const WindowSummary& summary);

}  // namespace trainops::drift::monitor_internal
