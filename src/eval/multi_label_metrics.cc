#include "eval/multi_label_metrics.h"

#include <algorithm>

namespace trainops {
namespace {

double Ratio(uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }
double F1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

}  // namespace

MultiLabelCounts::MultiLabelCounts(std::vector<std::string> labels)
    : labels_(std::move(labels)),
      true_positive_(labels_.size(), 0),
      gold_(labels_.size(), 0),
      predicted_(labels_.size(), 0) {}

void MultiLabelCounts::Add(const std::vector<uint32_t>& gold, const std::vector<uint32_t>& predicted) {
  // Both sorted: one merge pass counts the intersection (the bootstrap calls this a
  // thousand times per row, so it allocates nothing).
  size_t both = 0;
  for (size_t g = 0, p = 0; g < gold.size() && p < predicted.size();) {
    if (gold[g] < predicted[p]) {
      ++g;
    } else if (predicted[p] < gold[g]) {
      ++p;
    } else {
      ++true_positive_[gold[g]];
      ++both;
      ++g;
      ++p;
    }
  }
  for (uint32_t k : gold) ++gold_[k];
  for (uint32_t k : predicted) ++predicted_[k];
  ++total_;
  gold_labels_ += gold.size();
  predicted_labels_ += predicted.size();
  wrong_decisions_ += gold.size() + predicted.size() - 2 * both;
  exact_ += both == gold.size() && both == predicted.size() ? 1 : 0;
  samples_f1_sum_ += gold.empty() && predicted.empty()
                         ? 1.0
                         : 2.0 * static_cast<double>(both) / static_cast<double>(gold.size() + predicted.size());
}

LabelMetrics MultiLabelCounts::ForLabel(uint32_t label) const {
  LabelMetrics m;
  m.support = gold_[label];
  m.predicted = predicted_[label];
  m.precision = Ratio(true_positive_[label], predicted_[label]);
  m.recall = Ratio(true_positive_[label], gold_[label]);
  m.f1 = F1(m.precision, m.recall);
  return m;
}

double MultiLabelCounts::MicroPrecision() const {
  uint64_t tp = 0;
  for (uint64_t v : true_positive_) tp += v;
  return Ratio(tp, predicted_labels_);
}

double MultiLabelCounts::MicroRecall() const {
  uint64_t tp = 0;
  for (uint64_t v : true_positive_) tp += v;
  return Ratio(tp, gold_labels_);
}

double MultiLabelCounts::MicroF1() const {
  uint64_t tp = 0;
  for (uint64_t v : true_positive_) tp += v;
  // 2TP / (2TP + FP + FN), which is F1(micro P, micro R) without dividing twice.
  return Ratio(2 * tp, gold_labels_ + predicted_labels_);
}

double MultiLabelCounts::MacroF1() const {
  double sum = 0;
  size_t counted = 0;
  for (uint32_t k = 0; k < labels_.size(); ++k) {
    if (!gold_[k]) continue;
    sum += ForLabel(k).f1;
    ++counted;
  }
  return counted ? sum / static_cast<double>(counted) : 0.0;
}

double MultiLabelCounts::WeightedF1() const {
  double sum = 0;
  for (uint32_t k = 0; k < labels_.size(); ++k) sum += ForLabel(k).f1 * static_cast<double>(gold_[k]);
  return gold_labels_ ? sum / static_cast<double>(gold_labels_) : 0.0;
}

double MultiLabelCounts::SamplesF1() const { return total_ ? samples_f1_sum_ / static_cast<double>(total_) : 0.0; }
double MultiLabelCounts::ExactMatch() const { return Ratio(exact_, total_); }
double MultiLabelCounts::HammingLoss() const {
  return total_ && !labels_.empty() ? static_cast<double>(wrong_decisions_) /
                                          (static_cast<double>(total_) * static_cast<double>(labels_.size()))
                                    : 0.0;
}
double MultiLabelCounts::GoldCardinality() const { return Ratio(gold_labels_, total_); }
double MultiLabelCounts::PredictedCardinality() const { return Ratio(predicted_labels_, total_); }

double MultiLabelCounts::Metric(const MetricSpec& metric) const {
  switch (metric.kind) {
    case MetricSpec::Kind::kAccuracy: return ExactMatch();
    case MetricSpec::Kind::kMacroF1: return MacroF1();
    case MetricSpec::Kind::kWeightedF1: return WeightedF1();
    case MetricSpec::Kind::kMicroF1: return MicroF1();
    case MetricSpec::Kind::kRecall: {
      auto it = std::find(labels_.begin(), labels_.end(), metric.label);
      return it == labels_.end() ? 0.0 : ForLabel(static_cast<uint32_t>(it - labels_.begin())).recall;
    }
  }
  return 0.0;
}

nlohmann::json MultiLabelCounts::ToJson() const {
  nlohmann::json per_label = nlohmann::json::object();
  for (uint32_t k = 0; k < labels_.size(); ++k) {
    const LabelMetrics m = ForLabel(k);
    per_label[labels_[k]] = {{"precision", m.precision},
                             {"recall", m.recall},
                             {"f1", m.f1},
                             {"support", m.support},
                             {"predicted", m.predicted}};
  }
  return {{"n", total_},
          {"exact_match", ExactMatch()},
          {"micro_precision", MicroPrecision()},
          {"micro_recall", MicroRecall()},
          {"micro_f1", MicroF1()},
          {"macro_f1", MacroF1()},
          {"weighted_f1", WeightedF1()},
          {"samples_f1", SamplesF1()},
          {"hamming_loss", HammingLoss()},
          {"label_cardinality", GoldCardinality()},
          {"predicted_cardinality", PredictedCardinality()},
          {"per_label", per_label}};
}

}  // namespace trainops
