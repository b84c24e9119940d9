// Scores a model on a labelled file: predictions for every row, then the confusion matrix
// and metrics. Labels in the data that the model never learned count as errors under
// their own name (so a label seen only in test shows up with recall 0, not silently).
// Rejection applies: a row whose rejection score (the model's RejectScore: calibrated
// confidence, or for new models that of its coverage-scaled logits) is below the threshold is
// predicted as the out-of-scope label, even when the model has no class for it (the
// label is then appended to EvalResult::labels so gold out-of-scope rows that are
// rejected count as correct). Thread-safety: Evaluate is reentrant.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "eval/metrics.h"
#include "model/model.h"

namespace trainops {

struct EvalInput {
  std::filesystem::path data;
  std::optional<FileFormat> format;
  std::string text_column;   // "" = the model's
  std::string label_column;  // "" = the model's
  std::vector<std::string> segment_columns;
  BadRowPolicy on_bad_row = BadRowPolicy::kError;
  int threads = 0;
  // < 0: the model's stored reject_threshold; 0: rejection off.
  float threshold = -1;
  std::string oos_label;  // "" = the model's
};

struct RowPrediction {
  uint32_t gold = 0;       // index into EvalResult::labels
  uint32_t predicted = 0;  // after rejection; index into EvalResult::labels
  uint32_t top = 0;        // the model's best class (index into model labels)
  uint32_t second = 0;     // the runner-up class
  float confidence = 0;    // calibrated probability of `top`
  float raw_confidence = 0;  // the same at temperature 1 (before calibration)
  float margin = 0;        // calibrated p(top) - p(second)
  float reject_score = 0;  // what the threshold is compared with (model.h RejectScore)
  bool rejected = false;
  bool empty = false;      // no features at all (Decision::empty): rejected when there is an oos label
  bool correct() const { return gold == predicted; }
};

struct EvalResult {
  std::vector<std::string> labels;  // model labels (+ oos label) + labels only the data has
  size_t model_labels = 0;          // how many of `labels` the model has as classes
  std::vector<std::string> segment_columns;
  std::vector<Example> examples;
  std::vector<RowPrediction> rows;
  std::vector<RowProblem> skipped;
  ConfusionMatrix confusion{{}};
  std::string oos_label;             // "" = none
  std::optional<uint32_t> oos_index;  // index of oos_label in labels
  float threshold = 0;                // the threshold applied
  std::string threshold_source;       // "model", "flag" or "off"
  std::string reject_score;           // RejectScoreName of the model's score
  nlohmann::json ToJson() const;  // metrics as ConfusionMatrix::ToJson plus context
};

EvalResult Evaluate(const Model& model, const EvalInput& input);

// The same on rows already loaded (from EvalSource), so that two models scored on one
// file (a gate's candidate and baseline) read and parse it once.
DataSource EvalSource(const Model& model, const EvalInput& input);

// Throws InputError naming `data` when `rows` has no example to score (a header-only
// file, or every row skipped as bad): a metric over zero rows is not a result. The gates
// judge an empty test set themselves (as "cannot judge"), so Evaluate does not call this.
void RequireRows(const Dataset& rows, const std::string& data);
EvalResult Evaluate(const Model& model, Dataset dataset, const EvalInput& input);

// Fills rows[i].predicted/rejected, confusion and the threshold fields from the scores
// already in rows (used by Evaluate, and to re-apply another threshold cheaply).
void ApplyThreshold(EvalResult& result, float threshold);

}  // namespace trainops
