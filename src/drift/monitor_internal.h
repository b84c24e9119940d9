// Internal to src/drift/: the pieces MonitorWindow (monitor.cc) builds its signals from:
// the signal list with its Holm bookkeeping (Builder), histogram helpers and the
// accuracy estimators, defined in monitor_signals.cc. Pure functions of their inputs
// (safe from any thread); a Builder belongs to one MonitorWindow call.
#pragma once

#include <cstdint>
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

}  // namespace trainops::drift::monitor_internal
