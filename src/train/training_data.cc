#include "train/training_data.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/error.h"
#include "common/hash.h"
#include "eval/label_index.h"
#include "train/split.h"

namespace trainops {

namespace {

LabelledTexts ToTexts(std::vector<Example>& examples, std::vector<std::string>& extended) {
  LabelledTexts out;
  out.labels = IndexLabels(examples, extended);
  out.texts.reserve(examples.size());
  for (auto& ex : examples) out.texts.push_back(std::move(ex.text));
  return out;
}

// The examples' weights, or none when every one is 1 (the unweighted case costs nothing).
std::vector<float> WeightsOf(const std::vector<Example>& examples) {
  const bool weighted =
      std::any_of(examples.begin(), examples.end(), [](const Example& e) { return e.weight != 1.0f; });
  std::vector<float> weights;
  if (!weighted) return weights;
  weights.reserve(examples.size());
  for (const auto& e : examples) weights.push_back(e.weight);
  return weights;
}

}  // namespace

void AddWeightLineage(const std::string& column, double weight_sum, uint64_t weighted_rows,
                      nlohmann::json& entry) {
  if (column.empty()) return;
  entry["weight_column"] = column;
  entry["weight_sum"] = weight_sum;
  entry["weighted_rows"] = weighted_rows;
}

TrainingData LoadTrainingData(const TaskSpec& spec) {
  TrainingData data;
  Dataset train = LoadDataset(spec.data.Source(spec.data.train, spec.labels));
  data.skipped = train.skipped;
  data.lineage["train"] = {{"path", spec.data.train.string()},
                           {"fingerprint", FileFingerprint(spec.data.train)},
                           {"rows", train.examples.size()},
                           {"skipped", train.skipped.size()}};
  std::vector<Example> train_examples = std::move(train.examples);
  std::vector<Example> validation_examples;
  if (!spec.data.validation.empty()) {
    Dataset validation = LoadDataset(spec.data.Source(spec.data.validation, spec.labels));
    data.skipped.insert(data.skipped.end(), validation.skipped.begin(), validation.skipped.end());
    data.lineage["validation"] = {{"path", spec.data.validation.string()},
                                  {"fingerprint", FileFingerprint(spec.data.validation)},
                                  {"rows", validation.examples.size()},
                                  {"skipped", validation.skipped.size()}};
    validation_examples = std::move(validation.examples);
  } else {
    SplitResult split = spec.data.multi_label
                            ? RandomSplit(std::move(train_examples), spec.training.validation_split, spec.seed)
                            : StratifiedSplit(std::move(train_examples), spec.training.validation_split, spec.seed);
    train_examples = std::move(split.train);
    validation_examples = std::move(split.validation);
    data.lineage["validation"] = {{"split_of", "train"},
                                  {"share", spec.training.validation_split},
                                  {"seed", spec.seed},
                                  {"rows", validation_examples.size()}};
  }
  if (train_examples.empty()) {
    throw InputError(fmt::format("{}: no usable training rows", spec.data.train.string()));
  }
  if (validation_examples.empty()) {
    throw InputError(fmt::format("{}: no validation rows: give data.validation or more training rows",
                                 spec.data.train.string()));
  }
  if (!spec.labels.empty()) {
    data.labels = spec.labels;
  } else {
    std::set<std::string> seen;
    for (const auto& ex : train_examples) {
      if (spec.data.multi_label) {
        seen.insert(ex.labels.begin(), ex.labels.end());
      } else {
        seen.insert(ex.label);
      }
    }
    data.labels.assign(seen.begin(), seen.end());
  }
  data.multi_label = spec.data.multi_label;
  if (data.multi_label && data.labels.empty()) {
    throw InputError(fmt::format("{}: column \"{}\": no row has a label (every set is empty); a multi-label "
                                 "classifier needs at least one label to learn",
                                 spec.data.train.string(), spec.data.label_column));
  }
  if (!data.multi_label && data.labels.size() < 2) {
    throw InputError(fmt::format("{}: column \"{}\" has only one label; a classifier needs at least two",
                                 spec.data.train.string(), spec.data.label_column));
  }
  data.validation_labels = data.labels;
  std::vector<std::string> train_extended = data.labels;
  // Over the rows trained on (after a validation carve), as the model sees them.
  double weight_sum = 0;
  uint64_t weighted_rows = 0;
  for (const auto& e : train_examples) {
    weight_sum += e.weight;
    weighted_rows += e.weight != 1.0f ? 1 : 0;
  }
  AddWeightLineage(spec.data.weight_column, weight_sum, weighted_rows, data.lineage["train"]);
  std::vector<float> weights = WeightsOf(train_examples);
  data.train = data.multi_label ? IndexLabelSets(train_examples, train_extended) : ToTexts(train_examples, train_extended);
  data.train.weights = std::move(weights);
  data.validation = data.multi_label ? IndexLabelSets(validation_examples, data.validation_labels)
                                     : ToTexts(validation_examples, data.validation_labels);
  return data;
}

// Multi-label rows: each label's index in `extended` (labels only validation has are
// appended, in order of first appearance).
LabelledTexts IndexLabelSets(std::vector<Example>& examples, std::vector<std::string>& extended) {
  LabelledTexts out;
  std::map<std::string, uint32_t> index;
  for (uint32_t i = 0; i < extended.size(); ++i) index.emplace(extended[i], i);
  out.labels.assign(examples.size(), kNoSingleLabel);
  out.label_sets.reserve(examples.size());
  out.texts.reserve(examples.size());
  for (auto& ex : examples) {
    std::vector<uint32_t> set;
    for (const std::string& label : ex.labels) {
      auto [it, added] = index.emplace(label, static_cast<uint32_t>(extended.size()));
      if (added) extended.push_back(label);
      set.push_back(it->second);
    }
    std::sort(set.begin(), set.end());
    out.label_sets.push_back(std::move(set));
    out.texts.push_back(std::move(ex.text));
  }
  return out;
}


}  // namespace trainops
