#include "gate/regression_gate.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "eval/significance.h"

namespace trainops {
namespace {

// Both results mapped onto one label space (by name), since the two models may list
// their labels in different orders or not share all of them.
struct PairedRows {
  std::vector<std::string> labels;
  std::vector<uint32_t> gold, pred_c, pred_b;
  size_t baseline_cannot_answer = 0;  // rows left out: their label is not one of the baseline's
};

// Rows whose gold label the baseline cannot answer (a label only the candidate learned,
// e.g. from feedback) are left out: the baseline is wrong there by construction, and
// counting them would let gains on new labels hide losses on the old ones. What both
// models can answer is compared; the metric gates judge the rest.
PairedRows Pair(const EvalResult& c, const EvalResult& b) {
  if (c.rows.size() != b.rows.size()) {
    throw InputError(fmt::format("candidate and baseline were scored on different rows ({} and {}); they must read "
                                 "the same test file with the same columns",
                                 c.rows.size(), b.rows.size()));
  }
  PairedRows p;
  std::map<std::string, uint32_t> index;
  auto id = [&](const std::string& name) {
    auto [it, inserted] = index.emplace(name, static_cast<uint32_t>(p.labels.size()));
    if (inserted) p.labels.push_back(name);
    return it->second;
  };
  const size_t n = c.rows.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string& gold = c.labels[c.rows[i].gold];
    if (gold != b.labels[b.rows[i].gold]) {
      throw InputError(fmt::format("line {}: candidate and baseline read different gold labels; score both on the "
                                   "same file and label column",
                                   c.examples[i].line));
    }
    const uint32_t b_gold = b.rows[i].gold;
    if (b_gold >= b.model_labels && b.oos_index != b_gold) {
      ++p.baseline_cannot_answer;
      continue;
    }
    p.gold.push_back(id(gold));
    p.pred_c.push_back(id(c.labels[c.rows[i].predicted]));
    p.pred_b.push_back(id(b.labels[b.rows[i].predicted]));
  }
  return p;
}

// Per-label true positive / predicted / support counts -> macro or weighted F1, with the
// same definitions as ConfusionMatrix (labels without support are left out of the mean).
struct F1Counts {
  std::vector<uint64_t> tp, predicted, support;
  explicit F1Counts(size_t labels) : tp(labels), predicted(labels), support(labels) {}
  void Add(uint32_t gold, uint32_t pred) {
    ++support[gold];
    ++predicted[pred];
    tp[gold] += gold == pred;
  }
  double Score(bool weighted) const {
    double sum = 0, weight = 0;
    for (size_t l = 0; l < tp.size(); ++l) {
      if (support[l] == 0) continue;
      const double p = predicted[l] ? static_cast<double>(tp[l]) / static_cast<double>(predicted[l]) : 0;
      const double r = static_cast<double>(tp[l]) / static_cast<double>(support[l]);
      const double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
      const double w = weighted ? static_cast<double>(support[l]) : 1.0;
      sum += w * f1;
      weight += w;
    }
    return weight > 0 ? sum / weight : 0;
  }
};

double F1Of(const PairedRows& p, const std::vector<uint32_t>& pred, const std::vector<uint32_t>* sample,
            bool weighted) {
  F1Counts counts(p.labels.size());
  if (sample) {
    for (uint32_t i : *sample) counts.Add(p.gold[i], pred[i]);
  } else {
    for (size_t i = 0; i < p.gold.size(); ++i) counts.Add(p.gold[i], pred[i]);
  }
  return counts.Score(weighted);
}

GateCheck DropCheck(const std::string& metric, double candidate, double baseline, double p_value, double tolerance,
                    double alpha, const std::string& test) {
  GateCheck c;
  c.kind = "regression";
  c.name = fmt::format("{} no worse than baseline (tolerance {}, alpha {})", metric, tolerance, alpha);
  c.value = candidate - baseline;
  c.op = ">=";
  c.threshold = -tolerance;
  const bool regressed = baseline - candidate > tolerance && p_value < alpha;
  c.status = regressed ? GateStatus::kFail : GateStatus::kPass;
  c.detail = fmt::format("candidate {:.4f}, baseline {:.4f} (change {:+.4f}); {} one-sided p = {:.4g}{}", candidate,
                         baseline, candidate - baseline, test, p_value,
                         regressed                          ? ": a real drop"
                         : baseline - candidate > tolerance ? ": larger than the tolerance but within noise"
                                                            : "");
  c.data = {{"candidate", candidate}, {"baseline", baseline}, {"p_value", p_value}, {"test", test}};
  return c;
}

// The paired bootstrap's resamples: `resamples` draws of n row indices with replacement,
// seeded, shared by the metrics of one comparison.
std::vector<std::vector<uint32_t>> PairedResamples(size_t n, int resamples, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5eedb007ull);
  std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(n - 1));
  std::vector<std::vector<uint32_t>> samples(static_cast<size_t>(resamples));
  for (auto& s : samples) {
    s.resize(n);
    for (auto& i : s) i = pick(rng);
  }
  return samples;
}

// Per label: rows with the label in gold, and how often each model found it.
struct LabelHits {
  explicit LabelHits(size_t labels)
      : support(labels), hit_c(labels), hit_b(labels), only_c(labels), only_b(labels) {}
  void Add(uint32_t label, bool candidate_found, bool baseline_found) {
    ++support[label];
    hit_c[label] += candidate_found;
    hit_b[label] += baseline_found;
    only_c[label] += candidate_found && !baseline_found;
    only_b[label] += baseline_found && !candidate_found;
  }
  std::vector<uint64_t> support, hit_c, hit_b, only_c, only_b;
};

// Recall of each label with enough rows: McNemar within the label's rows, Holm across
// labels; a drop beyond label_tolerance that stays significant fails.
GateCheck LabelRecallCheck(const std::vector<std::string>& labels, const LabelHits& hits, const RegressionGate& gate) {
  const size_t L = labels.size();
  const auto& [support, hit_c, hit_b, only_c_l, only_b_l] = hits;
  std::vector<uint32_t> tested;
  std::vector<double> raw;
  for (uint32_t l = 0; l < L; ++l) {
    if (support[l] < static_cast<uint64_t>(gate.min_label_support)) continue;
    tested.push_back(l);
    raw.push_back(OneSidedMcNemar(only_b_l[l], only_c_l[l]));
  }
  const std::vector<double> adjusted = HolmAdjust(raw);
  nlohmann::json regressed = nlohmann::json::array(), dropped = nlohmann::json::array();
  double worst = 0;
  std::string worst_label;
  for (size_t k = 0; k < tested.size(); ++k) {
    const uint32_t l = tested[k];
    const double rc = static_cast<double>(hit_c[l]) / support[l], rb = static_cast<double>(hit_b[l]) / support[l];
    if (rc - rb < worst) {
      worst = rc - rb;
      worst_label = labels[l];
    }
    if (rb - rc <= gate.label_tolerance) continue;
    nlohmann::json row = {{"label", labels[l]},       {"candidate_recall", rc}, {"baseline_recall", rb},
                          {"support", support[l]},      {"p_value", raw[k]},      {"p_holm", adjusted[k]}};
    (adjusted[k] < gate.alpha ? regressed : dropped).push_back(std::move(row));
  }
  GateCheck c;
  c.kind = "regression";
  c.name = fmt::format("recall of each label no worse than baseline (tolerance {}, alpha {}, Holm)",
                       gate.label_tolerance, gate.alpha);
  c.value = worst;
  c.op = ">=";
  c.threshold = -gate.label_tolerance;
  c.status = regressed.empty() ? GateStatus::kPass : GateStatus::kFail;
  if (tested.empty()) {
    // Nothing was compared, so nothing passed: say so instead of a PASS over zero labels.
    c.status = GateStatus::kSkip;
    c.value = 0;
    c.detail = fmt::format("not judged: no label has >= {} test rows for both models (gates.regression."
                           "min_label_support); add test rows or lower it",
                           gate.min_label_support);
    c.data = {{"labels_compared", 0}, {"regressed", nlohmann::json::array()}, {"within_noise", nlohmann::json::array()}};
    return c;
  }
  std::vector<std::string> names;
  for (const auto& r : regressed) names.push_back(r["label"].get<std::string>());
  c.detail = regressed.empty()
                 ? fmt::format("{} labels with >= {} test rows compared; largest drop {:+.4f}{}{}", tested.size(),
                               gate.min_label_support, worst, worst_label.empty() ? "" : " (" + worst_label + ")",
                               dropped.empty() ? "" : fmt::format("; {} drops within noise", dropped.size()))
                 : fmt::format("significant recall drop in {} label(s): {}", regressed.size(),
                               Join(names, ", "));
  c.data = {{"labels_compared", tested.size()}, {"regressed", regressed}, {"within_noise", dropped}};
  return c;
}

}  // namespace

double OneSidedMcNemar(uint64_t only_baseline, uint64_t only_candidate) {
  const uint64_t n = only_baseline + only_candidate;
  if (n == 0 || only_baseline == 0) return 1.0;
  // P(X >= only_baseline) for X ~ Binomial(n, 1/2).
  return std::clamp(1.0 - BinomialCdf(only_baseline - 1, n, 0.5), 0.0, 1.0);
}

std::vector<double> HolmAdjust(const std::vector<double>& p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - k) * p[order[k]]));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

std::vector<GateCheck> RegressionChecks(const EvalResult& candidate, const EvalResult& baseline,
                                        const RegressionGate& gate, uint64_t seed) {
  const PairedRows p = Pair(candidate, baseline);
  const size_t n = p.gold.size();
  std::vector<GateCheck> checks;
  if (n == 0) {
    return {StatusCheck("regression", "no regression against the baseline", GateStatus::kFail,
                        p.baseline_cannot_answer ? "no test row has a label the baseline can answer"
                                                 : "the test data has no rows")};
  }
  uint64_t only_b = 0, only_c = 0, right_c = 0, right_b = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool rc = p.pred_c[i] == p.gold[i], rb = p.pred_b[i] == p.gold[i];
    right_c += rc;
    right_b += rb;
    only_c += rc && !rb;
    only_b += rb && !rc;
  }
  // The paired bootstrap is drawn once and shared by the F1 metrics.
  std::vector<std::vector<uint32_t>> samples;
  auto bootstrap_p = [&](bool weighted) {
    if (samples.empty()) samples = PairedResamples(n, gate.resamples, seed);
    size_t not_worse = 0;
    for (const auto& s : samples) {
      not_worse += F1Of(p, p.pred_c, &s, weighted) >= F1Of(p, p.pred_b, &s, weighted);
    }
    return static_cast<double>(not_worse + 1) / static_cast<double>(samples.size() + 1);
  };
  for (const auto& metric : gate.metrics) {
    // With one gold and one predicted label a row, micro-F1 and per-message F1 are accuracy.
    if (metric == "accuracy" || metric == "micro_f1" || metric == "samples_f1") {
      GateCheck c = DropCheck(metric, static_cast<double>(right_c) / n, static_cast<double>(right_b) / n,
                              OneSidedMcNemar(only_b, only_c), gate.tolerance, gate.alpha, "McNemar exact");
      c.data["only_candidate_right"] = only_c;
      c.data["only_baseline_right"] = only_b;
      c.data["rows_compared"] = n;
      c.data["rows_baseline_cannot_answer"] = p.baseline_cannot_answer;
      checks.push_back(std::move(c));
    } else {
      const bool weighted = metric == "weighted_f1";
      checks.push_back(DropCheck(metric, F1Of(p, p.pred_c, nullptr, weighted), F1Of(p, p.pred_b, nullptr, weighted),
                                 bootstrap_p(weighted), gate.tolerance, gate.alpha,
                                 fmt::format("paired bootstrap ({} resamples)", gate.resamples)));
    }
  }

  // Per-label recall.
  const size_t L = p.labels.size();
  LabelHits hits(L);
  for (size_t i = 0; i < n; ++i) hits.Add(p.gold[i], p.pred_c[i] == p.gold[i], p.pred_b[i] == p.gold[i]);
  checks.push_back(LabelRecallCheck(p.labels, hits, gate));
  return checks;
}

std::vector<GateCheck> MultiLabelRegressionChecks(const MultiLabelEvalResult& candidate,
                                                  const MultiLabelEvalResult& baseline, const RegressionGate& gate,
                                                  uint64_t seed) {
  const size_t n = candidate.rows.size();
  if (baseline.rows.size() != n) {
    throw InternalError(fmt::format("regression: {} candidate rows but {} baseline rows", n, baseline.rows.size()));
  }
  if (n == 0) return {StatusCheck("regression", "no regression against the baseline", GateStatus::kFail, "the test data has no rows")};
  // One label list for both: the candidate's, then any only the baseline knows.
  AlignedLabelSets aligned = AlignLabelSets(candidate, baseline);
  if (aligned.first_mismatch) {
    throw InternalError(fmt::format("regression: row {} has other gold labels for the two models",
                                    *aligned.first_mismatch));
  }
  const std::vector<std::string>& labels = aligned.labels;
  const auto& gold = aligned.gold;
  const auto& pred_c = aligned.predicted_a;
  const auto& pred_b = aligned.predicted_b;
  // samples_f1 is no MetricSpec; every other comparable metric is (parsed once, not per resample).
  auto metric_of = [&](const std::optional<MetricSpec>& metric, const std::vector<std::vector<uint32_t>>& predicted,
                       const std::vector<uint32_t>* sample) {
    MultiLabelCounts counts(labels);
    if (sample) {
      for (uint32_t i : *sample) counts.Add(gold[i], predicted[i]);
    } else {
      for (size_t i = 0; i < n; ++i) counts.Add(gold[i], predicted[i]);
    }
    return metric ? counts.Metric(*metric) : counts.SamplesF1();
  };
  std::vector<std::vector<uint32_t>> samples;
  auto bootstrap_p = [&](const std::optional<MetricSpec>& metric) {
    if (samples.empty()) samples = PairedResamples(n, gate.resamples, seed);
    size_t not_worse = 0;
    for (const auto& s : samples) not_worse += metric_of(metric, pred_c, &s) >= metric_of(metric, pred_b, &s);
    return static_cast<double>(not_worse + 1) / static_cast<double>(samples.size() + 1);
  };
  std::vector<GateCheck> checks;
  for (const auto& name : gate.metrics) {
    const std::optional<MetricSpec> metric =
        name == "samples_f1" ? std::nullopt : std::optional<MetricSpec>(MetricSpec::Parse(name));
    if (name == "accuracy") {
      uint64_t only_c = 0, only_b = 0;
      for (size_t i = 0; i < n; ++i) {
        const bool rc = pred_c[i] == gold[i], rb = pred_b[i] == gold[i];
        only_c += rc && !rb;
        only_b += rb && !rc;
      }
      GateCheck c = DropCheck("accuracy (exact set)", metric_of(metric, pred_c, nullptr), metric_of(metric, pred_b, nullptr),
                              OneSidedMcNemar(only_b, only_c), gate.tolerance, gate.alpha, "McNemar exact");
      c.data["only_candidate_right"] = only_c;
      c.data["only_baseline_right"] = only_b;
      c.data["rows_compared"] = n;
      checks.push_back(std::move(c));
    } else {
      checks.push_back(DropCheck(name, metric_of(metric, pred_c, nullptr), metric_of(metric, pred_b, nullptr),
                                 bootstrap_p(metric), gate.tolerance, gate.alpha,
                                 fmt::format("paired bootstrap over messages ({} resamples)", gate.resamples)));
    }
  }
  LabelHits hits(labels.size());
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t k : gold[i]) {
      hits.Add(k, std::binary_search(pred_c[i].begin(), pred_c[i].end(), k),
               std::binary_search(pred_b[i].begin(), pred_b[i].end(), k));
    }
  }
  checks.push_back(LabelRecallCheck(labels, hits, gate));
  return checks;
}

}  // namespace trainops
