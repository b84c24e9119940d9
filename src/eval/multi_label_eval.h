// `trainops eval` for a multi-label model (ModelInfo::multi_label): every row's gold label
// set against the predicted one, the metrics of eval/multi_label_metrics.h with bootstrap
// intervals over messages, per-label precision/recall (Wilson intervals) and F1
// (bootstrap), failure categories (a label missed, a label predicted spuriously, and the
// pairs most often confused: gold label X missed while Y was predicted in the same
// message) and per-segment scores. The report says "task_kind": "multi_label"; single-label
// reports are unchanged. Thread-safety: reentrant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "eval/eval_report.h"
#include "eval/evaluator.h"
#include "eval/multi_label_metrics.h"
#include "model/model.h"

namespace trainops {

struct MultiLabelRow {
  std::vector<uint32_t> gold;       // sorted, indices into MultiLabelEvalResult::labels
  std::vector<uint32_t> predicted;  // sorted
  bool empty = false;               // no features at all: nothing predicted
};

struct MultiLabelEvalResult {
  std::vector<std::string> labels;  // the model's labels, then labels only the data has
  size_t model_labels = 0;
  std::vector<std::string> segment_columns;
  std::vector<Example> examples;
  std::vector<MultiLabelRow> rows;
  std::vector<RowProblem> skipped;
  MultiLabelCounts counts{{}};
  float threshold = -1;          // < 0: each label's stored threshold
  std::string threshold_source;  // "model" or "flag"
};

// Scores `dataset` (read with EvalSource, which reads label sets for a multi-label model).
// `input.threshold` >= 0 replaces every label's threshold.
MultiLabelEvalResult EvaluateMultiLabel(const Model& model, Dataset dataset, const EvalInput& input);

// Two results over the same rows (same count: the caller checks) on one label list: a's
// labels, then any only b knows; every set re-indexed into it. `first_mismatch` is the
// first row whose text or gold set differs between them (they did not read the same rows).
struct AlignedLabelSets {
  std::vector<std::string> labels;
  std::vector<std::vector<uint32_t>> gold, predicted_a, predicted_b;
  std::optional<size_t> first_mismatch;
};
AlignedLabelSets AlignLabelSets(const MultiLabelEvalResult& a, const MultiLabelEvalResult& b);

// The eval report: {"task_kind": "multi_label", "n", "exact_match", "accuracy" (= exact
// match), "micro_precision", "micro_recall", "micro_f1", "macro_f1", "weighted_f1",
// "samples_f1", "hamming_loss", "label_cardinality", "predicted_cardinality", "<metric>_ci"
// for micro_f1, macro_f1, samples_f1 and exact_match, "per_label": {label: {precision,
// recall, f1, support, predicted, precision_ci, recall_ci, f1_ci, threshold}},
// "failures": {...}, "segments": {...}, "threshold", "skipped_rows"}.
nlohmann::json BuildMultiLabelReport(const Model& model, const MultiLabelEvalResult& result,
                                     const EvalReportOptions& options);

}  // namespace trainops
