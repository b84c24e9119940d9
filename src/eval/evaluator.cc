#include "eval/evaluator.h"

#include "common/parallel.h"
#include "eval/label_index.h"

namespace trainops {

EvalResult Evaluate(const Model& model, const EvalInput& input) {
  DataSource source;
  source.path = input.data;
  source.format = input.format;
  source.text_column = input.text_column.empty() ? model.info.text_column : input.text_column;
  source.label_column = input.label_column.empty() ? model.info.label_column : input.label_column;
  source.on_bad_row = input.on_bad_row;
  Dataset dataset = LoadDataset(source);
  EvalResult result;
  result.labels = model.info.labels;
  std::vector<uint32_t> gold = IndexLabels(dataset.examples, result.labels);
  result.examples = std::move(dataset.examples);
  result.skipped = std::move(dataset.skipped);
  result.rows.resize(result.examples.size());
  ParallelFor(result.examples.size(), ResolveThreads(input.threads), [&](size_t, size_t begin, size_t end) {
    Model::Scratch scratch;
    for (size_t i = begin; i < end; ++i) {
      Model::Prediction p = model.PredictTop(result.examples[i].text, scratch);
      result.rows[i] = {gold[i], p.label, p.confidence};
    }
  });
  result.confusion = ConfusionMatrix(result.labels);
  for (const auto& row : result.rows) result.confusion.Add(row.gold, row.predicted);
  return result;
}

nlohmann::json EvalResult::ToJson() const {
  nlohmann::json j = confusion.ToJson();
  j["skipped_rows"] = skipped.size();
  return j;
}

}  // namespace trainops
