// Loads what a training run learns from: the training file, the validation file or a
// seeded stratified split of train, and the label list. The test file is never read here.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "task/task_spec.h"

namespace trainops {

struct LabelledTexts {
  std::vector<std::string> texts;
  std::vector<uint32_t> labels;  // index into TrainingData::labels, or past it for unknown
};

struct TrainingData {
  std::vector<std::string> labels;             // the model's labels
  std::vector<std::string> validation_labels;  // labels + labels seen only in validation
  LabelledTexts train;
  LabelledTexts validation;
  nlohmann::json lineage;  // file fingerprints, split seed, row counts
  std::vector<RowProblem> skipped;
};

TrainingData LoadTrainingData(const TaskSpec& spec);

}  // namespace trainops
