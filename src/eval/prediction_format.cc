#include "eval/prediction_format.h"

#include <algorithm>

#include <fmt/format.h>

#include "data/csv_writer.h"
#include "model/inference.h"

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

std::string PredictionCsvHeader(const Model& model, int top_k) {
  if (!model.info.multi_label) return PredictionCsvHeader(top_k);
  const std::string ranked = top_k > 1 ? PredictionCsvHeader(top_k) : "\n";
  return "labels,confidences" + (top_k > 1 ? "," + ranked : ranked);
}

size_t PredictionCsvColumns(const Model& model, int top_k) {
  const size_t ranked = 2 * static_cast<size_t>(std::max(1, top_k));
  if (!model.info.multi_label) return ranked;
  return 2 + (top_k > 1 ? ranked : 0);
}

std::string PredictionCsvRow(const Model& model, const Decision& decision, const std::vector<float>& probs,
                             const PredictSettings& settings) {
  const size_t wanted = static_cast<size_t>(std::max(1, settings.top_k));
  thread_local std::vector<uint32_t> order;
  TopK(probs, wanted, order);
  std::vector<std::string> fields;
  if (model.info.multi_label) {
    thread_local std::vector<uint32_t> chosen;
    ChosenLabels(model, probs, settings.threshold, decision.empty, chosen);
    std::string labels, confidences;
    for (size_t i = 0; i < chosen.size(); ++i) {
      if (i) {
        labels += model.info.label_separator;
        confidences += model.info.label_separator;
      }
      labels += model.info.labels[chosen[i]];
      confidences += fmt::format("{:.6f}", probs[chosen[i]]);
    }
    fields.push_back(std::move(labels));
    fields.push_back(std::move(confidences));
    if (wanted == 1) return CsvLine(fields);
  }
  for (size_t i = 0; i < wanted; ++i) {
    if (i >= order.size()) {
      fields.emplace_back();
      fields.emplace_back();
      continue;
    }
    const uint32_t label = i == 0 && !model.info.multi_label ? decision.label : order[i];
    fields.push_back(LabelName(model, label));
    // A rejected prediction keeps the confidence of the intent it refused; an empty text
    // has no evidence for any.
    fields.push_back(fmt::format("{:.6f}", decision.empty ? 0.0f : probs[order[i]]));
  }
  return CsvLine(fields);
}

}  // namespace trainops
