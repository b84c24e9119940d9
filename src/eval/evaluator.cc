#include "eval/evaluator.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.h"
#include "common/parallel.h"
#include "eval/label_index.h"
#include "model/inference.h"

namespace trainops {

DataSource EvalSource(const Model& model, const EvalInput& input) {
  DataSource source;
  source.path = input.data;
  source.format = input.format;
  source.text_column = input.text_column.empty() ? model.info.text_column : input.text_column;
  source.label_column = input.label_column.empty() ? model.info.label_column : input.label_column;
  source.segment_columns = input.segment_columns;
  source.on_bad_row = input.on_bad_row;
  source.multi_label = model.info.multi_label;
  source.label_separator = model.info.label_separator;
  return source;
}

void RequireRows(const Dataset& rows, const std::string& data) {
  if (!rows.examples.empty()) return;
  throw InputError(fmt::format("{}: no rows to evaluate on ({}); pass a file with labelled rows", data,
                               rows.skipped.empty() ? "only a header, or nothing but blank lines"
                                                    : fmt::format("all {} rows were skipped as bad", rows.skipped.size())));
}

EvalResult Evaluate(const Model& model, const EvalInput& input) {
  return Evaluate(model, LoadDataset(EvalSource(model, input)), input);
}

EvalResult Evaluate(const Model& model, Dataset dataset, const EvalInput& input) {
  EvalResult result;
  result.labels = model.info.labels;
  result.model_labels = result.labels.size();
  result.segment_columns = input.segment_columns;
  result.reject_score = std::string(RejectScoreName(model.info.reject_score));
  result.oos_label = input.oos_label.empty() ? model.info.oos_label : input.oos_label;
  if (!result.oos_label.empty()) {
    auto it = std::find(result.labels.begin(), result.labels.end(), result.oos_label);
    if (it == result.labels.end()) {
      result.labels.push_back(result.oos_label);
      it = result.labels.end() - 1;
    }
    result.oos_index = static_cast<uint32_t>(it - result.labels.begin());
  }
  std::vector<uint32_t> gold = IndexLabels(dataset.examples, result.labels);
  result.examples = std::move(dataset.examples);
  result.skipped = std::move(dataset.skipped);
  result.rows.resize(result.examples.size());
  ParallelFor(result.examples.size(), ResolveThreads(input.threads), [&](size_t, size_t begin, size_t end) {
    Model::Scratch scratch;
    std::vector<float> raw;
    for (size_t i = begin; i < end; ++i) {
      // Rejection is applied below (ApplyThreshold), with the eval's own oos label.
      const Decision d = Classify(model, result.examples[i].text, scratch, /*threshold=*/0);
      raw = scratch.logits;
      model.Softmax(raw, 1.0f);
      RowPrediction& row = result.rows[i];
      row.gold = gold[i];
      row.top = d.top;
      row.second = d.second;
      row.confidence = d.confidence;
      row.raw_confidence = raw[d.top];
      row.margin = d.margin;
      row.reject_score = d.reject_score;
      row.empty = d.empty;
    }
  });
  const bool from_flag = input.threshold >= 0;
  ApplyThreshold(result, from_flag ? input.threshold : model.info.reject_threshold);
  result.threshold_source = result.threshold <= 0 ? "off" : from_flag ? "flag" : "model";
  return result;
}

void ApplyThreshold(EvalResult& result, float threshold) {
  result.threshold = result.oos_index ? std::max(0.0f, threshold) : 0.0f;
  result.confusion = ConfusionMatrix(result.labels);
  for (auto& row : result.rows) {
    row.rejected = BelowThreshold(row.reject_score, result.threshold) || (row.empty && result.oos_index);
    row.predicted = row.rejected ? *result.oos_index : row.top;
    result.confusion.Add(row.gold, row.predicted);
  }
}

nlohmann::json EvalResult::ToJson() const {
  nlohmann::json j = confusion.ToJson();
  j["skipped_rows"] = skipped.size();
  return j;
}

}  // namespace trainops
