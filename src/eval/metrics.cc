#include "eval/metrics.h"

#include <algorithm>

namespace trainops {

ConfusionMatrix::ConfusionMatrix(std::vector<std::string> labels)
    : labels_(std::move(labels)), counts_(labels_.size() * labels_.size(), 0) {}

void ConfusionMatrix::Add(uint32_t gold, uint32_t predicted, uint64_t count) {
  counts_[gold * size() + predicted] += count;
  total_ += count;
}

double ConfusionMatrix::Accuracy() const {
  if (total_ == 0) return 0;
  uint64_t correct = 0;
  for (uint32_t i = 0; i < size(); ++i) correct += At(i, i);
  return static_cast<double>(correct) / static_cast<double>(total_);
}

LabelMetrics ConfusionMatrix::ForLabel(uint32_t label) const {
  LabelMetrics m;
  for (uint32_t j = 0; j < size(); ++j) {
    m.support += At(label, j);
    m.predicted += At(j, label);
  }
  uint64_t tp = At(label, label);
  m.precision = m.predicted ? static_cast<double>(tp) / static_cast<double>(m.predicted) : 0;
  m.recall = m.support ? static_cast<double>(tp) / static_cast<double>(m.support) : 0;
  m.f1 = (m.precision + m.recall) > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
  return m;
}

double ConfusionMatrix::MacroF1() const {
  double sum = 0;
  size_t n = 0;
  for (uint32_t i = 0; i < size(); ++i) {
    LabelMetrics m = ForLabel(i);
    if (m.support == 0) continue;
    sum += m.f1;
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0;
}

double ConfusionMatrix::WeightedF1() const {
  if (total_ == 0) return 0;
  double sum = 0;
  for (uint32_t i = 0; i < size(); ++i) {
    LabelMetrics m = ForLabel(i);
    sum += m.f1 * static_cast<double>(m.support);
  }
  return sum / static_cast<double>(total_);
}

double ConfusionMatrix::Metric(const MetricSpec& metric) const {
  switch (metric.kind) {
    case MetricSpec::Kind::kAccuracy: return Accuracy();
    case MetricSpec::Kind::kMacroF1: return MacroF1();
    case MetricSpec::Kind::kWeightedF1: return WeightedF1();
    case MetricSpec::Kind::kMicroF1: return Accuracy();  // one gold and one predicted label a row
    case MetricSpec::Kind::kRecall: {
      auto it = std::find(labels_.begin(), labels_.end(), metric.label);
      return it == labels_.end() ? 0 : ForLabel(static_cast<uint32_t>(it - labels_.begin())).recall;
    }
  }
  return 0;
}

nlohmann::json ConfusionMatrix::ToJson() const {
  nlohmann::json j;
  j["n"] = total_;
  j["accuracy"] = Accuracy();
  j["macro_f1"] = MacroF1();
  j["weighted_f1"] = WeightedF1();
  nlohmann::json per_label = nlohmann::json::object();
  for (uint32_t i = 0; i < size(); ++i) {
    LabelMetrics m = ForLabel(i);
    per_label[labels_[i]] = {{"precision", m.precision},
                             {"recall", m.recall},
                             {"f1", m.f1},
                             {"support", m.support},
                             {"predicted", m.predicted}};
  }
  j["per_label"] = per_label;
  nlohmann::json matrix = nlohmann::json::array();
  for (uint32_t i = 0; i < size(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (uint32_t k = 0; k < size(); ++k) row.push_back(At(i, k));
    matrix.push_back(row);
  }
  j["confusion"] = {{"labels", labels_}, {"matrix", matrix}};
  return j;
}

}  // namespace trainops
