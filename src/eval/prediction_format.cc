#include "eval/prediction_format.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "data/csv_writer.h"

namespace trainops {

std::string PredictionCsvHeader(int top_k) {
  if (top_k <= 1) return "label,confidence\n";
  std::vector<std::string> columns;
  for (int k = 1; k <= top_k; ++k) {
    columns.push_back(fmt::format("label_{}", k));
    columns.push_back(fmt::format("confidence_{}", k));
  }
  return CsvLine(columns);
}

uint32_t ApplyRejection(const Model& model, uint32_t label, float reject_score, float threshold,
                        bool* rejected) {
  const float t = threshold < 0 ? model.info.reject_threshold : threshold;
  *rejected = false;
  if (model.info.oos_label.empty() || t <= 0 || reject_score >= t) return label;
  auto it = std::find(model.info.labels.begin(), model.info.labels.end(), model.info.oos_label);
  *rejected = true;
  return static_cast<uint32_t>(it - model.info.labels.begin());
}

const std::string& LabelName(const Model& model, uint32_t label) {
  return label < model.info.labels.size() ? model.info.labels[label] : model.info.oos_label;
}

std::string PredictionCsvRow(const Model& model, const std::vector<float>& probs, float reject_score,
                             const PredictSettings& settings) {
  const size_t k = std::min<size_t>(static_cast<size_t>(std::max(1, settings.top_k)), probs.size());
  std::vector<uint32_t> order(probs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](uint32_t a, uint32_t b) { return probs[a] > probs[b] || (probs[a] == probs[b] && a < b); });
  bool rejected = false;
  uint32_t top = ApplyRejection(model, order[0], reject_score, settings.threshold, &rejected);
  std::vector<std::string> fields;
  for (size_t i = 0; i < static_cast<size_t>(std::max(1, settings.top_k)); ++i) {
    if (i >= k) {
      fields.emplace_back();
      fields.emplace_back();
      continue;
    }
    uint32_t label = i == 0 ? top : order[i];
    fields.push_back(LabelName(model, label));
    // A rejected prediction keeps the confidence of the intent it refused.
    fields.push_back(fmt::format("{:.6f}", probs[order[i]]));
  }
  return CsvLine(fields);
}

}  // namespace trainops
