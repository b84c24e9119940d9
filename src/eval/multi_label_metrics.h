// Metrics of multi-label predictions (task.multi_label): every message has a set of gold
// labels and a set of predicted ones, possibly empty ("none of the intents").
//   micro P/R/F1   over every (message, label) decision pooled;
//   macro F1       the mean of per-label F1 over labels with gold support (as
//                  ConfusionMatrix::MacroF1, and scikit-learn given the labels present);
//   weighted F1    per-label F1 weighted by gold support;
//   samples F1     the mean per-message F1, 2|G∩P| / (|G| + |P|), where a message with no
//                  gold and no predicted label scores 1 (predicting none for it is right);
//   exact match    share of messages whose predicted set equals the gold set;
//   Hamming loss   wrong (message, label) decisions / (messages x labels);
//   cardinality    mean gold and mean predicted set size.
// Not thread-safe while adding; read-only use is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/metrics.h"
#include "task/task_spec.h"

namespace trainops {

class MultiLabelCounts {
 public:
  // `labels`: the model's labels, then any only the gold data has.
  explicit MultiLabelCounts(std::vector<std::string> labels);
  // Both sets sorted, indices into labels().
  void Add(const std::vector<uint32_t>& gold, const std::vector<uint32_t>& predicted);

  const std::vector<std::string>& labels() const { return labels_; }
  uint64_t total() const { return total_; }
  LabelMetrics ForLabel(uint32_t label) const;
  double MicroPrecision() const;
  double MicroRecall() const;
  double MicroF1() const;
  double MacroF1() const;
  double WeightedF1() const;
  double SamplesF1() const;
  double ExactMatch() const;
  double HammingLoss() const;
  double GoldCardinality() const;
  double PredictedCardinality() const;
  // The task's metric: accuracy is exact match, recall:<label> that label's recall (0 when
  // the label is not in labels()).
  double Metric(const MetricSpec& metric) const;

  // {"n", "exact_match", "micro_precision", "micro_recall", "micro_f1", "macro_f1",
  //  "weighted_f1", "samples_f1", "hamming_loss", "label_cardinality",
  //  "predicted_cardinality", "per_label": {label: {precision, recall, f1, support,
  //  predicted}}}.
  nlohmann::json ToJson() const;

 private:
  std::vector<std::string> labels_;
  std::vector<uint64_t> true_positive_, gold_, predicted_;
  uint64_t total_ = 0, exact_ = 0, gold_labels_ = 0, predicted_labels_ = 0, wrong_decisions_ = 0;
  double samples_f1_sum_ = 0;
};

}  // namespace trainops
