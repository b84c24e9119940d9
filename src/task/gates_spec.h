// The `gates:` section of a task spec: what a candidate model must show on the task's
// unseen test data before it may replace the production model (see docs/gates.md).
// Plain structs; parsed in spec_gates_section.cc and validated with the rest of the spec
// (spec_validate.cc).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace trainops {

// One absolute threshold, written in the spec as "macro_f1 >= 0.85" or
// "recall[returns] >= 0.9". `label` "*" means every label with test support.
struct MetricThreshold {
  std::string metric;  // accuracy, macro_f1, weighted_f1, ece, ece_before, in_scope_accuracy,
                       // oos_recall, oos_precision, overall_accuracy, recall, precision, f1
  std::string label;   // per-label metrics only
  std::string op;      // ">=", ">", "<=", "<"
  double value = 0;
  std::string text;    // as written, for the verdict
  int line = 0;        // line in the spec, for messages

  bool Holds(double observed) const;
  // Throws InputError naming the valid metric names and the form.
  static MetricThreshold Parse(std::string_view text);
};

// `value op threshold` for op ">=", ">", "<=" or "<" (anything else is false).
bool ComparisonHolds(double value, std::string_view op, double threshold);

// Metric names MetricThreshold accepts (without and with a [label]).
const std::vector<std::string>& GateMetricNames();
const std::vector<std::string>& GateLabelMetricNames();

struct SegmentGates {
  std::vector<std::string> columns;  // "" = evaluation.segments or data.segment_columns
  double min_accuracy = -1;          // < 0: off; floor for every segment with enough rows
  double max_gap = -1;               // < 0: off; best minus worst segment accuracy
  int min_support = 0;               // 0 = evaluation.min_segment_support
  bool enabled() const { return min_accuracy >= 0 || max_gap >= 0; }
};

struct RegressionGate {
  bool enabled = true;
  std::string baseline = "production";  // "production" or a model file (resolved path)
  std::vector<std::string> metrics = {"accuracy", "macro_f1"};
  double tolerance = 0.01;        // drop in an overall metric that is never a regression
  double label_tolerance = 0.05;  // drop in a label's recall that is never a regression
  double alpha = 0.05;            // a drop must also be significant at this level
  int min_label_support = 10;     // labels with fewer test rows are not tested one by one
  int resamples = 1000;           // paired bootstrap for F1 metrics
};

struct BehaviourGate {
  std::filesystem::path file;  // "" = no behavioural tests
  std::map<std::string, double> min_pass_rate = {{"mft", 0.9}, {"inv", 0.9}, {"dir", 0.8}};
  int per_kind = 2;  // generated perturbations per invariance kind
};

struct BudgetGates {
  double latency_p99_us = -1;  // < 0: off; single-text prediction, 99th percentile
  double model_size_mb = -1;   // < 0: off
  int latency_samples = 2000;
};

struct GatesSpec {
  std::vector<MetricThreshold> metrics;
  SegmentGates segments;
  RegressionGate regression;
  BehaviourGate behaviour;
  BudgetGates budgets;
};

}  // namespace trainops
