#include "eval/compare.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "common/error.h"
#include "eval/multi_label_compare.h"
#include "eval/significance.h"
#include "model/model_io.h"

namespace trainops {

nlohmann::json CompareResults(const EvalResult& a, const EvalResult& b, const std::string& name_a,
                              const std::string& name_b, size_t max_examples) {
  if (a.rows.size() != b.rows.size()) {
    throw InputError(fmt::format("the two models read different numbers of rows ({} and {}); compare on "
                                 "one file with the same text and label columns",
                                 a.rows.size(), b.rows.size()));
  }
  for (size_t i = 0; i < a.rows.size(); ++i) {
    if (a.labels[a.rows[i].gold] != b.labels[b.rows[i].gold] || a.examples[i].text != b.examples[i].text) {
      throw InputError(fmt::format("line {}: the two models read different rows; pass the same --text-column "
                                   "and --label-column for both",
                                   a.examples[i].line));
    }
  }
  uint64_t only_a = 0, only_b = 0, both = 0, neither = 0;
  // Per gold label: the rows of that label exactly one model gets right (McNemar per label).
  std::map<std::string, std::pair<uint64_t, uint64_t>> discordant_by_label;
  nlohmann::json a_wins = nlohmann::json::array(), b_wins = nlohmann::json::array();
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const bool ra = a.rows[i].correct(), rb = b.rows[i].correct();
    both += ra && rb;
    neither += !ra && !rb;
    if (ra == rb) continue;
    auto& by_label = discordant_by_label[a.labels[a.rows[i].gold]];
    (ra ? by_label.first : by_label.second) += 1;
    nlohmann::json row = {{"line", a.examples[i].line},
                          {"text", a.examples[i].text},
                          {"gold", a.labels[a.rows[i].gold]},
                          {"predicted_a", a.labels[a.rows[i].predicted]},
                          {"confidence_a", a.rows[i].confidence},
                          {"predicted_b", b.labels[b.rows[i].predicted]},
                          {"confidence_b", b.rows[i].confidence}};
    if (ra) {
      ++only_a;
      if (a_wins.size() < max_examples) a_wins.push_back(std::move(row));
    } else {
      ++only_b;
      if (b_wins.size() < max_examples) b_wins.push_back(std::move(row));
    }
  }
  McNemarResult test = McNemar(only_a, only_b);
  nlohmann::json out;
  out["model_a"] = name_a;
  out["model_b"] = name_b;
  out["n"] = a.rows.size();
  auto metrics = [](const EvalResult& r) {
    return nlohmann::json{{"accuracy", r.confusion.Accuracy()},
                          {"macro_f1", r.confusion.MacroF1()},
                          {"weighted_f1", r.confusion.WeightedF1()}};
  };
  out["a"] = metrics(a);
  out["b"] = metrics(b);
  out["delta"] = {{"accuracy", b.confusion.Accuracy() - a.confusion.Accuracy()},
                  {"macro_f1", b.confusion.MacroF1() - a.confusion.MacroF1()},
                  {"weighted_f1", b.confusion.WeightedF1() - a.confusion.WeightedF1()}};
  out["paired"] = {{"both_right", both}, {"both_wrong", neither}, {"only_a_right", only_a}, {"only_b_right", only_b}};
  out["mcnemar"] = {{"test", "McNemar exact (two-sided binomial on discordant rows); mid-p also given"},
                    {"p_value", test.p_exact},
                    {"p_value_midp", test.p_midp},
                    {"significant", test.p_exact < 0.05}};
  // Per-label deltas over the union of labels seen in either result.
  std::set<std::string> names(a.labels.begin(), a.labels.end());
  names.insert(b.labels.begin(), b.labels.end());
  auto find = [](const EvalResult& r, const std::string& name) -> std::optional<LabelMetrics> {
    for (uint32_t i = 0; i < r.labels.size(); ++i)
      if (r.labels[i] == name) return r.confusion.ForLabel(i);
    return std::nullopt;
  };
  nlohmann::json per_label = nlohmann::json::object();
  for (const auto& name : names) {
    auto ma = find(a, name), mb = find(b, name);
    LabelMetrics la = ma.value_or(LabelMetrics{}), lb = mb.value_or(LabelMetrics{});
    if (la.support == 0 && lb.support == 0 && la.predicted == 0 && lb.predicted == 0) continue;
    per_label[name] = {{"support", std::max(la.support, lb.support)},
                       {"recall_a", la.recall}, {"recall_b", lb.recall}, {"recall_delta", lb.recall - la.recall},
                       {"f1_a", la.f1}, {"f1_b", lb.f1}, {"f1_delta", lb.f1 - la.f1}};
    // The same exact test on the label's own rows: is its recall change more than chance?
    const auto [label_only_a, label_only_b] = discordant_by_label[name];
    const McNemarResult label_test = McNemar(label_only_a, label_only_b);
    per_label[name]["mcnemar"] = {{"only_a_right", label_only_a},
                                  {"only_b_right", label_only_b},
                                  {"p_value", label_test.p_exact},
                                  {"p_value_midp", label_test.p_midp}};
  }
  out["per_label"] = per_label;
  out["a_right_b_wrong"] = a_wins;
  out["b_right_a_wrong"] = b_wins;
  return out;
}

}  // namespace trainops

namespace trainops {

nlohmann::json CompareModelFiles(const std::filesystem::path& model_a, const std::filesystem::path& model_b,
                                 EvalInput input, size_t max_examples, const std::string& name_a,
                                 const std::string& name_b, std::vector<RowProblem>* skipped) {
  Model a = LoadModel(model_a);
  Model b = LoadModel(model_b);
  if (a.info.multi_label != b.info.multi_label) {
    throw InputError(fmt::format("{} is {} and {} is {}: compare two models of one task kind (their label sets and "
                                 "single labels are not scored alike)",
                                 model_a.string(), a.info.multi_label ? "multi-label" : "single-label",
                                 model_b.string(), b.info.multi_label ? "multi-label" : "single-label"));
  }
  if (input.text_column.empty()) input.text_column = a.info.text_column;
  if (input.label_column.empty()) input.label_column = a.info.label_column;
  Dataset rows = LoadDataset(EvalSource(a, input));
  RequireRows(rows, input.data.string());
  if (a.info.multi_label) {
    const MultiLabelEvalResult ra = EvaluateMultiLabel(a, rows, input);
    const MultiLabelEvalResult rb = EvaluateMultiLabel(b, std::move(rows), input);
    if (skipped) *skipped = ra.skipped;
    nlohmann::json j = CompareMultiLabelResults(ra, rb, name_a, name_b, max_examples, a.info.label_separator);
    j["data"] = input.data.string();
    return j;
  }
  EvalResult ra = Evaluate(a, rows, input);
  EvalResult rb = Evaluate(b, std::move(rows), input);
  if (skipped) *skipped = ra.skipped;
  nlohmann::json j = CompareResults(ra, rb, name_a, name_b, max_examples);
  j["data"] = input.data.string();
  return j;
}

}  // namespace trainops
