#include "gate/gate_runner.h"

#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "common/error.h"
#include "common/hash.h"
#include "eval/eval_report.h"
#include "eval/evaluator.h"
#include "eval/multi_label_eval.h"
#include "gate/behaviour_gates.h"
#include "gate/budget_gates.h"
#include "gate/metric_gates.h"
#include "gate/regression_gate.h"
#include "model/model_io.h"

namespace trainops {
namespace {

EvalInput TestInput(const TaskSpec& spec, int threads) {
  if (spec.data.test.empty()) {
    throw InputError(fmt::format("{}: key data.test is not set; gates run on unseen test data, so add a test file "
                                 "that training never reads (e.g. `test: test.csv` under data:)",
                                 spec.Locate("data.test")));
  }
  EvalInput input;
  input.data = spec.data.test;
  input.format = spec.data.format;
  input.text_column = spec.data.text_column;
  input.label_column = spec.data.label_column;
  input.on_bad_row = spec.data.on_bad_row;
  input.oos_label = spec.oos_label;
  input.threads = threads;
  return input;
}

nlohmann::json Summary(const nlohmann::json& report) {
  if (report.value("task_kind", "") == "multi_label") {
    return {{"n", report["n"]},           {"task_kind", "multi_label"},        {"accuracy", report["exact_match"]},
            {"exact_match", report["exact_match"]}, {"micro_f1", report["micro_f1"]}, {"macro_f1", report["macro_f1"]},
            {"weighted_f1", report["weighted_f1"]}, {"samples_f1", report["samples_f1"]},
            {"hamming_loss", report["hamming_loss"]}};
  }
  nlohmann::json s = {{"n", report["n"]},
                      {"accuracy", report["accuracy"]},
                      {"macro_f1", report["macro_f1"]},
                      {"weighted_f1", report["weighted_f1"]},
                      {"ece", report["calibration"]["ece_after"]}};
  if (report["oos"].value("enabled", false)) {
    for (const char* k : {"in_scope_accuracy", "oos_recall", "oos_precision", "overall_accuracy"}) {
      s[k] = report["oos"][k];
    }
  }
  return s;
}

// The policy the report was judged under, so that a report shows what it passed (and a
// later reader can tell a lenient policy from a strict one).
nlohmann::json GateSettingsJson(const GatesSpec& gates) {
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& t : gates.metrics) metrics.push_back(t.text);
  const RegressionGate& r = gates.regression;
  return {{"metrics", metrics},
          {"segments",
           {{"columns", gates.segments.columns},
            {"min_accuracy", gates.segments.min_accuracy},
            {"max_gap", gates.segments.max_gap},
            {"min_support", gates.segments.min_support}}},
          {"regression",
           {{"enabled", r.enabled},
            {"baseline", r.baseline},
            {"metrics", r.metrics},
            {"tolerance", r.tolerance},
            {"label_tolerance", r.label_tolerance},
            {"alpha", r.alpha},
            {"min_label_support", r.min_label_support},
            {"resamples", r.resamples}}},
          {"behaviour",
           {{"file", gates.behaviour.file.string()},
            {"min_pass_rate", gates.behaviour.min_pass_rate},
            {"per_kind", gates.behaviour.per_kind}}},
          {"budgets",
           {{"latency_p99_us", gates.budgets.latency_p99_us},
            {"model_size_mb", gates.budgets.model_size_mb},
            {"latency_samples", gates.budgets.latency_samples}}}};
}

}  // namespace

GateReport RunGates(const TaskSpec& spec, const GateRunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const GatesSpec& gates = spec.gates;
  GateReport report;
  // The spec's mistake first: a missing data.test is found before any model is read.
  EvalInput input = TestInput(spec, options.threads);
  const Model candidate = LoadModel(options.candidate);

  input.segment_columns = !gates.segments.columns.empty() ? gates.segments.columns
                          : !spec.evaluation.segments.empty() ? spec.evaluation.segments
                                                              : spec.data.segment_columns;
  // Loaded once: the baseline is scored on the very same rows (the spec fixes the columns).
  Dataset test_rows = LoadDataset(EvalSource(candidate, input));
  const bool multi_label = candidate.info.multi_label;
  EvalReportOptions eval_options;
  eval_options.segments.split =
      SegmentSplits::FromSpec(spec.evaluation.segment_split, spec.evaluation.segment_split_columns);
  eval_options.segments.resamples = spec.evaluation.bootstrap_resamples;
  eval_options.segments.permutations = spec.evaluation.bootstrap_resamples;
  eval_options.segments.min_support = static_cast<uint64_t>(
      gates.segments.min_support > 0 ? gates.segments.min_support : spec.evaluation.min_segment_support);
  eval_options.segments.seed = spec.seed;
  eval_options.segments.threads = options.threads;
  eval_options.failures.max_examples = 3;
  eval_options.failures.costs = spec.evaluation.costs;
  // A multi-label candidate is scored as such (eval/multi_label_eval.h); its report has the
  // keys the metric and segment gates read (accuracy = exact-set accuracy).
  std::optional<EvalResult> result;
  std::optional<MultiLabelEvalResult> multi_result;
  if (multi_label) {
    multi_result = EvaluateMultiLabel(candidate, test_rows, input);
  } else {
    result = Evaluate(candidate, test_rows, input);
  }
  const nlohmann::json eval = multi_label ? BuildMultiLabelReport(candidate, *multi_result, eval_options)
                                          : BuildEvalReport(candidate, *result, eval_options);
  const std::vector<Example>& scored_rows = multi_label ? multi_result->examples : result->examples;
  const size_t skipped_rows = multi_label ? multi_result->skipped.size() : result->skipped.size();

  for (auto& c : MetricThresholdChecks(eval, gates.metrics)) report.checks.push_back(std::move(c));
  for (auto& c : SegmentChecks(eval, gates.segments)) report.checks.push_back(std::move(c));

  nlohmann::json baseline_json = nullptr;
  if (gates.regression.enabled) {
    if (options.baseline.empty()) {
      report.checks.push_back(
          StatusCheck("regression", "no regression against the baseline", GateStatus::kSkip,
                      options.no_baseline_reason.empty() ? "no baseline model" : options.no_baseline_reason));
    } else {
      const Model baseline = LoadModel(options.baseline);
      if (baseline.info.multi_label != multi_label) {
        report.checks.push_back(StatusCheck(
            "regression", "no regression against the baseline", GateStatus::kFail,
            fmt::format("the baseline {} is a {} model and the candidate a {} one: they answer different questions; "
                        "release the first {} model with --force and a reason",
                        options.baseline.string(), baseline.info.multi_label ? "multi-label" : "single-label",
                        multi_label ? "multi-label" : "single-label", multi_label ? "multi-label" : "single-label")));
      } else {
        baseline_json = {{"path", options.baseline.string()}, {"description", options.baseline_description}};
        std::vector<GateCheck> regression;
        if (multi_label) {
          const MultiLabelEvalResult base_result = EvaluateMultiLabel(baseline, std::move(test_rows), input);
          regression = MultiLabelRegressionChecks(*multi_result, base_result, gates.regression, spec.seed);
          baseline_json["accuracy"] = base_result.counts.ExactMatch();
          baseline_json["micro_f1"] = base_result.counts.MicroF1();
          baseline_json["macro_f1"] = base_result.counts.MacroF1();
        } else {
          EvalInput base_input = input;
          if (options.baseline_threshold) {
            base_input.threshold = *options.baseline_threshold;
            baseline_json["threshold"] = *options.baseline_threshold;
          }
          const EvalResult base_result = Evaluate(baseline, std::move(test_rows), base_input);
          regression = RegressionChecks(*result, base_result, gates.regression, spec.seed);
          baseline_json["accuracy"] = base_result.confusion.Accuracy();
          baseline_json["macro_f1"] = base_result.confusion.MacroF1();
        }
        for (auto& c : regression) report.checks.push_back(std::move(c));
      }
    }
  }

  if (!gates.behaviour.file.empty()) {
    for (auto& c : BehaviourChecks(candidate, gates.behaviour, spec.seed, options.threads)) {
      report.checks.push_back(std::move(c));
    }
  }

  std::vector<std::string> texts;
  texts.reserve(scored_rows.size());
  for (const auto& e : scored_rows) texts.push_back(e.text);
  for (auto& c : BudgetChecks(candidate, options.candidate, texts, gates.budgets)) report.checks.push_back(std::move(c));

  report.context = {
      {"task", spec.name},
      {"spec", spec.spec_path.string()},
      {"spec_hash", spec.spec_path.empty() ? std::string() : FileFingerprint(spec.spec_path)},
      {"candidate", {{"path", options.candidate.string()}, {"file_hash", FileFingerprint(options.candidate)}}},
      {"baseline", baseline_json},
      {"data", {{"test", spec.data.test.string()}, {"test_hash", FileFingerprint(spec.data.test)}}},
      {"eval", Summary(eval)},
      {"settings", GateSettingsJson(gates)},
      {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
  if (skipped_rows > 0) report.context["skipped_rows"] = skipped_rows;
  return report;
}

}  // namespace trainops
