#include "eval/prediction_format.h"

#include <algorithm>

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

std::string PredictionCsvRow(const Model& model, const Decision& decision, const std::vector<float>& probs,
                             const PredictSettings& settings) {
  const size_t wanted = static_cast<size_t>(std::max(1, settings.top_k));
  thread_local std::vector<uint32_t> order;
  TopK(probs, wanted, order);
  std::vector<std::string> fields;
  for (size_t i = 0; i < wanted; ++i) {
    if (i >= order.size()) {
      fields.emplace_back();
      fields.emplace_back();
      continue;
    }
    const uint32_t label = i == 0 ? decision.label : order[i];
    fields.push_back(LabelName(model, label));
    // A rejected prediction keeps the confidence of the intent it refused; an empty text
    // has no evidence for any.
    fields.push_back(fmt::format("{:.6f}", decision.empty ? 0.0f : probs[order[i]]));
  }
  return CsvLine(fields);
}

}  // namespace trainops
