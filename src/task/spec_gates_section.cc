// The `gates:` section of the task spec: the largest section, with its own range checks,
// parsed apart from the rest of the spec so that task_spec.cc stays readable.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "common/strings.h"
#include "task/gates_spec.h"
#include "task/task_spec_internal.h"
#include "task/yaml_section.h"

namespace trainops {
namespace {

const std::vector<std::string> kGatesKeys = {"metrics", "segments", "regression", "behaviour", "budgets"};
const std::vector<std::string> kSegmentGateKeys = {"columns", "min_accuracy", "max_gap", "min_support"};
const std::vector<std::string> kRegressionKeys = {"enabled", "baseline", "metrics", "tolerance", "label_tolerance",
                                                  "alpha", "min_label_support", "resamples"};
const std::vector<std::string> kBehaviourKeys = {"file", "min_pass_rate", "per_kind"};
const std::vector<std::string> kPassRateKeys = {"mft", "inv", "dir"};
const std::vector<std::string> kBudgetKeys = {"latency_p99_us", "model_size_mb", "latency_samples"};

}  // namespace

namespace task_internal {

void ParseGates(const YamlSection& top, const std::filesystem::path& base, GatesSpec& gates) {
  YamlSection section = top.Child("gates", kGatesKeys);
  if (section.Has("metrics")) {
    const YAML::Node list = section.Raw("metrics");
    if (!list.IsSequence()) {
      section.Fail("metrics", "must be a list of thresholds, e.g. [\"macro_f1 >= 0.85\", \"recall[returns] >= 0.9\"]");
    }
    for (const YAML::Node& item : list) {
      const int line = item.Mark().line + 1;
      if (!item.IsScalar()) {
        throw InputError(fmt::format("{}:{}: key gates.metrics: each item is one threshold string, e.g. "
                                     "\"macro_f1 >= 0.85\"",
                                     section.file().string(), line));
      }
      try {
        MetricThreshold t = MetricThreshold::Parse(item.as<std::string>());
        t.line = line;
        gates.metrics.push_back(std::move(t));
      } catch (const InputError& e) {
        throw InputError(fmt::format("{}:{}: key gates.metrics: {}", section.file().string(), line, e.what()));
      }
    }
  }
  YamlSection seg = section.Child("segments", kSegmentGateKeys);
  seg.Read("columns", gates.segments.columns);
  seg.Read("min_accuracy", gates.segments.min_accuracy);
  seg.Read("max_gap", gates.segments.max_gap);
  seg.Read("min_support", gates.segments.min_support);
  auto in_unit = [](const YamlSection& s, const std::string& key, double v) {
    if (s.Has(key) && !(v >= 0 && v <= 1)) s.Fail(key, "must be between 0 and 1");
  };
  in_unit(seg, "min_accuracy", gates.segments.min_accuracy);
  in_unit(seg, "max_gap", gates.segments.max_gap);
  if (gates.segments.min_support < 0) seg.Fail("min_support", "must be >= 1 (or 0 for evaluation.min_segment_support)");

  YamlSection reg = section.Child("regression", kRegressionKeys);
  RegressionGate& r = gates.regression;
  reg.Read("enabled", r.enabled);
  std::string baseline;
  reg.Read("baseline", baseline);
  if (!baseline.empty()) r.baseline = baseline == "production" ? baseline : Resolve(base, baseline).string();
  reg.Read("metrics", r.metrics);
  const std::vector<std::string> comparable = {"accuracy", "macro_f1", "weighted_f1", "micro_f1", "samples_f1"};
  for (const auto& m : r.metrics) {
    if (std::find(comparable.begin(), comparable.end(), m) == comparable.end()) {
      reg.Fail("metrics", fmt::format("\"{}\" cannot be compared{}; use accuracy, macro_f1, weighted_f1, micro_f1 or "
                                      "samples_f1 (multi-label: accuracy is exact-set accuracy)",
                                      m, DidYouMean(m, comparable)));
    }
  }
  reg.Read("tolerance", r.tolerance);
  reg.Read("label_tolerance", r.label_tolerance);
  reg.Read("alpha", r.alpha);
  reg.Read("min_label_support", r.min_label_support);
  reg.Read("resamples", r.resamples);
  // Sane ranges, not just well-formed values: each bound is where the gate would stop
  // guarding (alpha 1e-300 let a 47.7-point drop pass as "within noise").
  if (!(r.tolerance >= 0 && r.tolerance <= 0.05)) {
    reg.Fail("tolerance", "must be in [0, 0.05]: a larger drop is a regression, not noise (default 0.01)");
  }
  if (!(r.label_tolerance >= 0 && r.label_tolerance <= 0.2)) {
    reg.Fail("label_tolerance", "must be in [0, 0.2] (default 0.05)");
  }
  if (!(r.alpha >= 0.001 && r.alpha <= 0.2)) {
    reg.Fail("alpha", "must be in [0.001, 0.2]: below, no drop is ever significant; above, noise fails (default 0.05)");
  }
  if (r.min_label_support < 5 || r.min_label_support > 1000) {
    reg.Fail("min_label_support", "must be in 5..1000: recall over fewer rows says nothing, over more skips labels "
                                  "(default 10)");
  }
  if (r.resamples < 100 || r.resamples > 100000) reg.Fail("resamples", "must be 100..100000");

  YamlSection beh = section.Child("behaviour", kBehaviourKeys);
  std::string file;
  beh.Read("file", file);
  gates.behaviour.file = Resolve(base, file);
  YamlSection rates = beh.Child("min_pass_rate", kPassRateKeys);
  for (const auto& kind : kPassRateKeys) {
    rates.Read(kind, gates.behaviour.min_pass_rate[kind]);
    in_unit(rates, kind, gates.behaviour.min_pass_rate[kind]);
  }
  beh.Read("per_kind", gates.behaviour.per_kind);
  if (gates.behaviour.per_kind < 1 || gates.behaviour.per_kind > 20) beh.Fail("per_kind", "must be 1..20");

  YamlSection budgets = section.Child("budgets", kBudgetKeys);
  budgets.Read("latency_p99_us", gates.budgets.latency_p99_us);
  budgets.Read("model_size_mb", gates.budgets.model_size_mb);
  budgets.Read("latency_samples", gates.budgets.latency_samples);
  if (budgets.Has("latency_p99_us") && !(gates.budgets.latency_p99_us > 0)) {
    budgets.Fail("latency_p99_us", "must be a positive number of microseconds");
  }
  if (budgets.Has("model_size_mb") && !(gates.budgets.model_size_mb > 0)) {
    budgets.Fail("model_size_mb", "must be a positive number of megabytes");
  }
  if (gates.budgets.latency_samples < 100 || gates.budgets.latency_samples > 1000000) {
    budgets.Fail("latency_samples", "must be 100..1000000");
  }
}

}  // namespace task_internal
}  // namespace trainops
