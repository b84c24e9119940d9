// Assembles everything `trainops eval` reports into one JSON document: the metrics keys
// external checks rely on (accuracy, macro_f1, weighted_f1, n, per_label, confusion),
// then `segments`, `calibration`, `oos` and `failures`. The HTML and Markdown reports
// render this document. Thread-safe (pure).
#pragma once

#include <nlohmann/json.hpp>

#include "eval/evaluator.h"
#include "eval/failures.h"
#include "eval/segments.h"
#include "model/model.h"

namespace trainops {

struct EvalReportOptions {
  SegmentOptions segments;
  FailureOptions failures;
  int calibration_bins = 10;
};

nlohmann::json BuildEvalReport(const Model& model, const EvalResult& result, const EvalReportOptions& options);

// In-scope accuracy, out-of-scope recall and precision, overall accuracy (CLINC150's
// definitions) at the result's threshold and without rejection.
nlohmann::json OosMetrics(const EvalResult& result);

// ECE and the reliability table at temperature 1 ("before") and at the model's ("after"),
// over rows whose gold label the model has as a class.
nlohmann::json CalibrationReport(const Model& model, const EvalResult& result, int bins);

}  // namespace trainops
