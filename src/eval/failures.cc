#include "eval/failures.h"

#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "eval/significance.h"

namespace trainops {
namespace {

struct Category {
  std::string id, kind, title;
  std::vector<uint32_t> rows;
  // Example order: lower key first.
  std::function<double(const RowPrediction&)> key;
};

}  // namespace

nlohmann::json AnalyzeFailures(const EvalResult& result, const FailureOptions& options) {
  const auto& labels = result.labels;
  std::vector<uint32_t> errors;
  for (uint32_t i = 0; i < result.rows.size(); ++i)
    if (!result.rows[i].correct()) errors.push_back(i);
  auto cost = [&](uint32_t row) {
    auto it = options.costs.find(labels[result.rows[row].gold]);
    return it == options.costs.end() ? 1.0 : it->second;
  };
  auto by_confidence = [](const RowPrediction& r) { return -static_cast<double>(r.confidence); };
  const bool has_oos = result.oos_index.has_value();
  auto is_oos = [&](uint32_t label) { return has_oos && label == *result.oos_index; };

  std::vector<Category> cats;
  Category oos_accepted{"oos_accepted", "oos_accepted", "out-of-scope accepted as an intent", {}, by_confidence};
  Category in_rejected{"in_scope_rejected", "in_scope_rejected", "in-scope text rejected as out of scope", {},
                       [](const RowPrediction& r) { return static_cast<double>(r.confidence); }};
  Category unseen{"unseen_label", "unseen_label", "gold label the model never learned", {}, by_confidence};
  Category confident{"confidently_wrong", "confidently_wrong",
                     fmt::format("confidently wrong (confidence >= {:.2f})", options.confident), {}, by_confidence};
  Category uncertain{"uncertain", "uncertain",
                     fmt::format("uncertain (top-two margin < {:.2f})", options.uncertain_margin), {},
                     [](const RowPrediction& r) { return static_cast<double>(r.margin); }};
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> pairs;
  for (uint32_t i : errors) {
    const RowPrediction& r = result.rows[i];
    if (is_oos(r.gold)) {
      oos_accepted.rows.push_back(i);
    } else if (is_oos(r.predicted)) {
      in_rejected.rows.push_back(i);
    } else if (r.gold >= result.model_labels) {
      unseen.rows.push_back(i);
    } else {
      pairs[{r.gold, r.predicted}].push_back(i);
    }
    if (!r.rejected && r.confidence >= options.confident) confident.rows.push_back(i);
    if (!r.rejected && r.margin < options.uncertain_margin) uncertain.rows.push_back(i);
  }
  for (Category* c : {&oos_accepted, &in_rejected, &unseen, &confident, &uncertain}) {
    if (!c->rows.empty()) cats.push_back(std::move(*c));
  }
  std::vector<std::pair<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>>> pair_list(pairs.begin(), pairs.end());
  std::stable_sort(pair_list.begin(), pair_list.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  size_t kept_pairs = 0;
  for (auto& [key, rows] : pair_list) {
    if (rows.size() < 2 || kept_pairs >= options.max_confusion_pairs) break;
    ++kept_pairs;
    cats.push_back({fmt::format("confusion:{}->{}", labels[key.first], labels[key.second]), "confusion",
                    fmt::format("\"{}\" predicted as \"{}\"", labels[key.first], labels[key.second]),
                    std::move(rows), by_confidence});
  }
  // Segments where errors concentrate.
  const double overall_error =
      result.rows.empty() ? 0 : static_cast<double>(errors.size()) / static_cast<double>(result.rows.size());
  for (size_t c = 0; c < result.segment_columns.size() && overall_error > 0; ++c) {
    std::map<std::string, std::vector<uint32_t>> groups;
    for (uint32_t i = 0; i < result.examples.size(); ++i) {
      const auto& segs = result.examples[i].segments;
      for (auto& v : SplitSegmentValue(c < segs.size() ? segs[c] : "", options.split.For(result.segment_columns[c])))
        groups[v].push_back(i);
    }
    size_t judged = 0;
    for (const auto& [value, rows] : groups) judged += rows.size() >= options.min_support;
    for (auto& [value, rows] : groups) {
      if (rows.size() < options.min_support) continue;
      std::vector<uint32_t> wrong;
      for (uint32_t r : rows)
        if (!result.rows[r].correct()) wrong.push_back(r);
      const double rate = static_cast<double>(wrong.size()) / static_cast<double>(rows.size());
      if (wrong.empty() || rate < 1.5 * overall_error) continue;
      const double p = 1 - BinomialCdf(wrong.size() - 1, rows.size(), overall_error);
      if (p * static_cast<double>(judged) >= 0.05) continue;
      cats.push_back({fmt::format("segment:{}={}", result.segment_columns[c], value), "segment",
                      fmt::format("errors concentrated in {} = \"{}\" ({:.1f}% wrong vs {:.1f}% overall)",
                                  result.segment_columns[c], value, 100 * rate, 100 * overall_error),
                      std::move(wrong), by_confidence});
    }
  }

  nlohmann::json out;
  out["total_errors"] = errors.size();
  out["settings"] = {{"max_examples", options.max_examples},
                     {"confident", options.confident},
                     {"uncertain_margin", options.uncertain_margin},
                     {"costs", options.costs},
                     {"note", "an error can be in several categories; impact = sum of per-label costs "
                              "(1 when not set) of the gold labels"}};
  std::vector<nlohmann::json> list;
  for (auto& c : cats) {
    double impact = 0;
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> label_pairs;
    std::map<std::pair<size_t, std::string>, uint64_t> segs;
    for (uint32_t r : c.rows) {
      impact += cost(r);
      ++label_pairs[{result.rows[r].gold, result.rows[r].predicted}];
      const auto& values = result.examples[r].segments;
      for (size_t s = 0; s < result.segment_columns.size(); ++s) {
        const SegmentSplit& split = options.split.For(result.segment_columns[s]);
        for (auto& v : SplitSegmentValue(s < values.size() ? values[s] : "", split)) ++segs[{s, v}];
      }
    }
    auto top = [](auto& m, size_t k) {
      std::vector<std::pair<typename std::decay_t<decltype(m)>::key_type, uint64_t>> v(m.begin(), m.end());
      std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      if (v.size() > k) v.resize(k);
      return v;
    };
    nlohmann::json lj = nlohmann::json::array();
    for (auto& [k, n] : top(label_pairs, 5))
      lj.push_back({{"gold", labels[k.first]}, {"predicted", labels[k.second]}, {"count", n}});
    nlohmann::json sj = nlohmann::json::array();
    for (auto& [k, n] : top(segs, 5))
      sj.push_back({{"column", result.segment_columns[k.first]}, {"value", k.second}, {"count", n}});
    std::vector<uint32_t> ex = c.rows;
    std::stable_sort(ex.begin(), ex.end(),
                     [&](uint32_t a, uint32_t b) { return c.key(result.rows[a]) < c.key(result.rows[b]); });
    if (ex.size() > options.max_examples) ex.resize(options.max_examples);
    nlohmann::json ej = nlohmann::json::array();
    for (uint32_t r : ex) {
      const RowPrediction& p = result.rows[r];
      ej.push_back({{"text", result.examples[r].text},
                    {"line", result.examples[r].line},
                    {"gold", labels[p.gold]},
                    {"predicted", labels[p.predicted]},
                    {"confidence", p.confidence},
                    {"margin", p.margin},
                    {"rejected", p.rejected}});
    }
    list.push_back({{"id", c.id},
                    {"kind", c.kind},
                    {"title", c.title},
                    {"count", c.rows.size()},
                    {"share", errors.empty() ? 0.0 : static_cast<double>(c.rows.size()) / static_cast<double>(errors.size())},
                    {"impact", impact},
                    {"labels", lj},
                    {"segments", sj},
                    {"examples", ej}});
  }
  std::stable_sort(list.begin(), list.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    if (a["impact"].get<double>() != b["impact"].get<double>()) return a["impact"].get<double>() > b["impact"].get<double>();
    return a["count"].get<uint64_t>() > b["count"].get<uint64_t>();
  });
  for (size_t i = 0; i < list.size(); ++i) list[i]["rank"] = i + 1;
  out["categories"] = list;
  return out;
}

}  // namespace trainops
