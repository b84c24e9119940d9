#include "eval/eval_report.h"

#include "eval/reliability.h"

namespace trainops {

nlohmann::json OosMetrics(const EvalResult& result) {
  nlohmann::json j;
  j["enabled"] = result.oos_index.has_value();
  if (!result.oos_index) {
    j["note"] = "no out-of-scope label: set oos_label in the spec or pass --oos-label";
    return j;
  }
  const uint32_t oos = *result.oos_index;
  j["label"] = result.oos_label;
  j["label_is_class"] = oos < result.model_labels;
  j["threshold"] = result.threshold;
  j["threshold_source"] = result.threshold_source;
  j["score"] = result.reject_score;
  auto tally = [&](bool with_rejection) {
    uint64_t in_rows = 0, in_right = 0, oos_rows = 0, oos_caught = 0, said_oos = 0, right = 0, rejected = 0;
    for (const auto& r : result.rows) {
      const uint32_t pred = with_rejection ? r.predicted : r.top;
      if (r.gold == oos) {
        ++oos_rows;
        oos_caught += pred == oos;
      } else {
        ++in_rows;
        in_right += pred == r.gold;
      }
      said_oos += pred == oos;
      right += pred == r.gold;
      rejected += with_rejection && r.rejected;
    }
    auto ratio = [](uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
    return nlohmann::json{{"in_scope_accuracy", ratio(in_right, in_rows)},
                          {"oos_recall", ratio(oos_caught, oos_rows)},
                          {"oos_precision", ratio(oos_caught, said_oos)},
                          {"overall_accuracy", ratio(right, in_rows + oos_rows)},
                          {"in_scope_rows", in_rows},
                          {"oos_rows", oos_rows},
                          {"predicted_oos", said_oos},
                          {"rejected_rows", rejected}};
  };
  j.update(tally(true));
  j["without_rejection"] = tally(false);
  return j;
}

nlohmann::json CalibrationReport(const Model& model, const EvalResult& result, int bins) {
  std::vector<float> before, after;
  std::vector<uint8_t> correct;
  for (const auto& r : result.rows) {
    if (r.gold >= result.model_labels) continue;
    before.push_back(r.raw_confidence);
    after.push_back(r.confidence);
    correct.push_back(r.top == r.gold);
  }
  nlohmann::json j;
  j["temperature"] = model.info.temperature;
  j["bins"] = bins;
  j["rows"] = correct.size();
  j["note"] = "top-1 confidence vs accuracy before rejection, over rows whose gold label the model knows";
  j["before"] = ComputeReliability(before, correct, bins).ToJson();
  j["after"] = ComputeReliability(after, correct, bins).ToJson();
  j["ece_before"] = j["before"]["ece"];
  j["ece_after"] = j["after"]["ece"];
  return j;
}

nlohmann::json BuildEvalReport(const Model& model, const EvalResult& result, const EvalReportOptions& options) {
  nlohmann::json j = result.ToJson();
  j["segments"] = AnalyzeSegments(result, options.segments);
  // Headline intervals, so a reader sees the uncertainty of the overall numbers too.
  j["accuracy_ci"] = j["segments"]["overall"]["accuracy_ci"];
  j["macro_f1_ci"] = j["segments"]["overall"]["macro_f1_ci"];
  j["calibration"] = CalibrationReport(model, result, options.calibration_bins);
  j["oos"] = OosMetrics(result);
  FailureOptions failures = options.failures;
  failures.split = options.segments.split;
  failures.min_support = options.segments.min_support;
  j["failures"] = AnalyzeFailures(result, failures);
  j["model_labels"] = result.model_labels;
  return j;
}

}  // namespace trainops
