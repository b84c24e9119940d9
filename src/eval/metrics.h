// Classification metrics from a confusion matrix: accuracy, macro/weighted F1 and
// per-label precision/recall/F1. Labels are indices into a label list; a gold label the
// model does not know (seen only in test) gets its own index past the model's labels.
// Not thread-safe while adding; read-only use is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "task/task_spec.h"

namespace trainops {

struct LabelMetrics {
  double precision = 0, recall = 0, f1 = 0;
  uint64_t support = 0;    // gold count
  uint64_t predicted = 0;  // predicted count
};

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(std::vector<std::string> labels);
  void Add(uint32_t gold, uint32_t predicted, uint64_t count = 1);
  uint64_t At(uint32_t gold, uint32_t predicted) const { return counts_[gold * size() + predicted]; }
  size_t size() const { return labels_.size(); }
  uint64_t total() const { return total_; }
  const std::vector<std::string>& labels() const { return labels_; }

  double Accuracy() const;
  LabelMetrics ForLabel(uint32_t label) const;
  // Averages over labels with support > 0 (labels never seen in the gold data are left out,
  // as scikit-learn does when given only the labels present).
  double MacroF1() const;
  double WeightedF1() const;
  // The task's success metric; for recall of a label missing from `labels`, 0.
  double Metric(const MetricSpec& metric) const;

  // {"accuracy", "macro_f1", "weighted_f1", "n", "per_label", "confusion"}.
  nlohmann::json ToJson() const;

 private:
  std::vector<std::string> labels_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
};

}  // namespace trainops
