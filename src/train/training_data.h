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
  // Multi-label tasks only: each text's labels (sorted indices into TrainingData::labels,
  // or validation_labels), with `labels` all kNoSingleLabel.
  std::vector<std::vector<uint32_t>> label_sets;
  // Per-row training weights (data.weight_column), one per text; empty when every row
  // weighs 1 (no weight column, or one of only 1s). Validation rows never have weights,
  // even when carved from the weighted training file: validation metrics, and with them
  // checkpoint selection, stay unweighted.
  std::vector<float> weights;
};

// Appends the training weights' summary to a lineage entry ("weight_column", "weight_sum",
// "weighted_rows": rows whose weight is not 1); nothing when `column` is empty.
void AddWeightLineage(const std::string& column, double weight_sum, uint64_t weighted_rows,
                      nlohmann::json& entry);

// The `labels` entry of a multi-label row: past every label, so code reading single labels
// counts it as unknown.
inline constexpr uint32_t kNoSingleLabel = 0xFFFFFFFFu;

struct TrainingData {
  std::vector<std::string> labels;             // the model's labels
  std::vector<std::string> validation_labels;  // labels + labels seen only in validation
  bool multi_label = false;                    // task.multi_label: rows have label_sets
  LabelledTexts train;
  LabelledTexts validation;
  nlohmann::json lineage;  // file fingerprints, split seed, row counts
  std::vector<RowProblem> skipped;
};

TrainingData LoadTrainingData(const TaskSpec& spec);

// Multi-label rows (Example::labels) as LabelledTexts: each label's index in `extended`
// (labels `extended` lacks are appended, in order of first appearance); moves the texts.
LabelledTexts IndexLabelSets(std::vector<Example>& examples, std::vector<std::string>& extended);

}  // namespace trainops
