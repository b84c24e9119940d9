#include "eval/multi_label_compare.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "common/error.h"
#include "data/label_set.h"
#include "eval/significance.h"

namespace trainops {
namespace {

// Resamples of the paired bootstrap: enough for a p-value to two decimals, fast on test sets
// of thousands of messages.
constexpr int kResamples = 1000;

}  // namespace

nlohmann::json CompareMultiLabelResults(const MultiLabelEvalResult& a, const MultiLabelEvalResult& b,
                                        const std::string& name_a, const std::string& name_b, size_t max_examples,
                                        const std::string& separator) {
  const size_t n = a.rows.size();
  if (b.rows.size() != n) {
    throw InputError(fmt::format("the two models read different numbers of rows ({} and {}); compare on one file "
                                 "with the same text and label columns",
                                 n, b.rows.size()));
  }
  const AlignedLabelSets aligned = AlignLabelSets(a, b);
  if (aligned.first_mismatch) {
    throw InputError(fmt::format("line {}: the two models read different rows; pass the same --text-column and "
                                 "--label-column for both",
                                 a.examples[*aligned.first_mismatch].line));
  }
  const std::vector<std::string>& labels = aligned.labels;
  const auto& gold = aligned.gold;
  const auto& pred_a = aligned.predicted_a;
  const auto& pred_b = aligned.predicted_b;
  auto names = [&](const std::vector<uint32_t>& set) {
    std::vector<std::string> out;
    for (uint32_t k : set) out.push_back(labels[k]);
    return JoinLabelSet(out, separator);
  };
  auto counts_of = [&](const std::vector<std::vector<uint32_t>>& predicted) {
    MultiLabelCounts counts(labels);
    for (size_t i = 0; i < n; ++i) counts.Add(gold[i], predicted[i]);
    return counts;
  };
  const MultiLabelCounts ca = counts_of(pred_a), cb = counts_of(pred_b);

  uint64_t only_a = 0, only_b = 0, both = 0, neither = 0;
  nlohmann::json a_wins = nlohmann::json::array(), b_wins = nlohmann::json::array();
  std::vector<uint64_t> label_only_a(labels.size(), 0), label_only_b(labels.size(), 0);
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t k : gold[i]) {
      const bool fa = std::binary_search(pred_a[i].begin(), pred_a[i].end(), k);
      const bool fb = std::binary_search(pred_b[i].begin(), pred_b[i].end(), k);
      label_only_a[k] += fa && !fb;
      label_only_b[k] += fb && !fa;
    }
    const bool ra = pred_a[i] == gold[i], rb = pred_b[i] == gold[i];
    both += ra && rb;
    neither += !ra && !rb;
    if (ra == rb) continue;
    nlohmann::json row = {{"line", a.examples[i].line},
                          {"text", a.examples[i].text},
                          {"gold", names(gold[i])},
                          {"predicted_a", names(pred_a[i])},
                          {"predicted_b", names(pred_b[i])}};
    if (ra) {
      ++only_a;
      if (a_wins.size() < max_examples) a_wins.push_back(std::move(row));
    } else {
      ++only_b;
      if (b_wins.size() < max_examples) b_wins.push_back(std::move(row));
    }
  }

  // Paired bootstrap of the micro-F1 change: two-sided, the smaller tail doubled.
  std::mt19937_64 rng(0x60b1a5edull ^ n);
  std::uniform_int_distribution<size_t> pick(0, n == 0 ? 0 : n - 1);
  size_t b_not_worse = 0, a_not_worse = 0;
  for (int r = 0; r < kResamples && n > 0; ++r) {
    MultiLabelCounts sa(labels), sb(labels);
    for (size_t j = 0; j < n; ++j) {
      const size_t i = pick(rng);
      sa.Add(gold[i], pred_a[i]);
      sb.Add(gold[i], pred_b[i]);
    }
    b_not_worse += sb.MicroF1() >= sa.MicroF1();
    a_not_worse += sa.MicroF1() >= sb.MicroF1();
  }
  const double tail = static_cast<double>(std::min(b_not_worse, a_not_worse) + 1) / (kResamples + 1);

  nlohmann::json out;
  out["task_kind"] = "multi_label";
  out["model_a"] = name_a;
  out["model_b"] = name_b;
  out["n"] = n;
  auto metrics = [](const MultiLabelCounts& c) {
    return nlohmann::json{{"accuracy", c.ExactMatch()},   {"micro_f1", c.MicroF1()},
                          {"macro_f1", c.MacroF1()},      {"weighted_f1", c.WeightedF1()},
                          {"samples_f1", c.SamplesF1()},  {"hamming_loss", c.HammingLoss()}};
  };
  out["a"] = metrics(ca);
  out["b"] = metrics(cb);
  nlohmann::json delta;
  for (const auto& [key, value] : out["a"].items()) delta[key] = out["b"][key].get<double>() - value.get<double>();
  out["delta"] = delta;
  const McNemarResult test = McNemar(only_a, only_b);
  out["paired"] = {{"both_right", both}, {"both_wrong", neither}, {"only_a_right", only_a}, {"only_b_right", only_b}};
  out["mcnemar"] = {{"test", "McNemar exact on the messages exactly one model gets exactly right (two-sided "
                             "binomial); mid-p also given"},
                    {"p_value", test.p_exact},
                    {"p_value_midp", test.p_midp},
                    {"significant", test.p_exact < 0.05}};
  out["micro_f1_bootstrap"] = {{"test", fmt::format("paired bootstrap over messages ({} resamples), two-sided",
                                                    kResamples)},
                               {"p_value", std::min(1.0, 2 * tail)},
                               {"significant", 2 * tail < 0.05}};
  nlohmann::json per_label = nlohmann::json::object();
  for (uint32_t k = 0; k < labels.size(); ++k) {
    const LabelMetrics la = ca.ForLabel(k), lb = cb.ForLabel(k);
    if (la.support == 0 && la.predicted == 0 && lb.predicted == 0) continue;
    const McNemarResult label_test = McNemar(label_only_a[k], label_only_b[k]);
    per_label[labels[k]] = {{"support", la.support},
                            {"recall_a", la.recall},
                            {"recall_b", lb.recall},
                            {"recall_delta", lb.recall - la.recall},
                            {"precision_a", la.precision},
                            {"precision_b", lb.precision},
                            {"f1_a", la.f1},
                            {"f1_b", lb.f1},
                            {"f1_delta", lb.f1 - la.f1},
                            {"mcnemar",
                             {{"only_a_right", label_only_a[k]},
                              {"only_b_right", label_only_b[k]},
                              {"p_value", label_test.p_exact},
                              {"p_value_midp", label_test.p_midp}}}};
  }
  out["per_label"] = per_label;
  out["a_right_b_wrong"] = a_wins;
  out["b_right_a_wrong"] = b_wins;
  return out;
}

}  // namespace trainops
