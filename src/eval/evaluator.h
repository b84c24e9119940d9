// Scores a model on a labelled file: predictions for every row, then the confusion matrix
// and metrics. Labels in the data that the model never learned count as errors under
// their own name (so a label seen only in test shows up with recall 0, not silently).
#pragma once

#include <filesystem>
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
  BadRowPolicy on_bad_row = BadRowPolicy::kError;
  int threads = 0;
};

struct RowPrediction {
  uint32_t gold = 0;       // index into EvalResult::labels
  uint32_t predicted = 0;  // index into model labels
  float confidence = 0;
};

struct EvalResult {
  std::vector<std::string> labels;  // model labels + labels only the data has
  std::vector<Example> examples;
  std::vector<RowPrediction> rows;
  std::vector<RowProblem> skipped;
  ConfusionMatrix confusion{{}};
  nlohmann::json ToJson() const;  // metrics as ConfusionMatrix::ToJson plus context
};

EvalResult Evaluate(const Model& model, const EvalInput& input);

}  // namespace trainops
