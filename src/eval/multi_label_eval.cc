#include "eval/multi_label_eval.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <random>

#include <fmt/format.h>

#include "common/parallel.h"
#include "eval/bootstrap.h"
#include "eval/segments.h"
#include "model/inference.h"

namespace trainops {
namespace {

// Each example's label set as indices into `labels`, which grows by the labels only the
// data has.
std::vector<uint32_t> IndexSet(const std::vector<std::string>& names, std::vector<std::string>& labels,
                               std::map<std::string, uint32_t>& index) {
  std::vector<uint32_t> set;
  for (const std::string& name : names) {
    auto [it, added] = index.emplace(name, static_cast<uint32_t>(labels.size()));
    if (added) labels.push_back(name);
    set.push_back(it->second);
  }
  std::sort(set.begin(), set.end());
  return set;
}

std::vector<uint32_t> Difference(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<std::string> Names(const std::vector<uint32_t>& set, const std::vector<std::string>& labels) {
  std::vector<std::string> out;
  for (uint32_t k : set) out.push_back(labels[k]);
  return out;
}

// Bootstrap over messages: percentile intervals of the pooled metrics and of each label's F1.
struct BootstrapIntervals {
  Interval micro_f1, macro_f1, samples_f1, exact_match;
  std::vector<std::optional<Interval>> label_f1;
};

BootstrapIntervals Bootstrap(const MultiLabelEvalResult& r, const SegmentOptions& options) {
  BootstrapIntervals out;
  out.label_f1.resize(r.labels.size());
  const int resamples = options.resamples;
  if (resamples <= 0 || r.rows.empty()) return out;
  const size_t n = r.rows.size(), labels = r.labels.size();
  std::vector<double> micro(resamples), macro(resamples), samples(resamples), exact(resamples);
  std::vector<std::vector<double>> per_label(labels, std::vector<double>(resamples, -1));
  ParallelFor(static_cast<size_t>(resamples), ResolveThreads(options.threads), [&](size_t, size_t begin, size_t end) {
    for (size_t b = begin; b < end; ++b) {
      std::mt19937_64 rng(DeriveSeed(options.seed, b));
      MultiLabelCounts counts(r.labels);
      for (size_t i = 0; i < n; ++i) {
        const MultiLabelRow& row = r.rows[rng() % n];
        counts.Add(row.gold, row.predicted);
      }
      micro[b] = counts.MicroF1();
      macro[b] = counts.MacroF1();
      samples[b] = counts.SamplesF1();
      exact[b] = counts.ExactMatch();
      for (uint32_t k = 0; k < labels; ++k) {
        const LabelMetrics m = counts.ForLabel(k);
        if (m.support) per_label[k][b] = m.f1;
      }
    }
  });
  const double lo = (1 - options.level) / 2, hi = 1 - lo;
  auto interval = [&](std::vector<double>& v) { return Interval{Quantile(v, lo), Quantile(v, hi)}; };
  out.micro_f1 = interval(micro);
  out.macro_f1 = interval(macro);
  out.samples_f1 = interval(samples);
  out.exact_match = interval(exact);
  for (uint32_t k = 0; k < labels; ++k) {
    std::vector<double> v;
    for (double f : per_label[k]) {
      if (f >= 0) v.push_back(f);
    }
    // A label absent from most resamples has no interval worth stating.
    if (v.size() * 2 >= static_cast<size_t>(resamples)) out.label_f1[k] = interval(v);
  }
  return out;
}

nlohmann::json FailureExample(const MultiLabelEvalResult& r, size_t i) {
  const MultiLabelRow& row = r.rows[i];
  return {{"line", r.examples[i].line},
          {"text", r.examples[i].text},
          {"gold", Names(row.gold, r.labels)},
          {"predicted", Names(row.predicted, r.labels)}};
}

// Missed labels, spurious labels and confused pairs (gold X missed while Y was predicted in
// the same message), largest first; each with its share of all wrong label decisions.
nlohmann::json Failures(const MultiLabelEvalResult& r, const FailureOptions& options) {
  struct Category {
    std::string kind, title;
    std::vector<std::string> labels;
    std::vector<size_t> rows;
  };
  std::map<std::pair<std::string, std::vector<uint32_t>>, Category> categories;
  uint64_t wrong = 0;
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const MultiLabelRow& row = r.rows[i];
    const std::vector<uint32_t> missed = Difference(row.gold, row.predicted);
    const std::vector<uint32_t> spurious = Difference(row.predicted, row.gold);
    wrong += missed.size() + spurious.size();
    for (const auto& [wrong_labels, word] : {std::pair{&missed, "missed"}, std::pair{&spurious, "spurious"}}) {
      for (uint32_t k : *wrong_labels) {
        Category& c = categories[{word, {k}}];
        c.kind = std::string(word) + "_label";
        c.title = fmt::format("{} label {}", word, r.labels[k]);
        c.labels = {r.labels[k]};
        c.rows.push_back(i);
      }
    }
    for (uint32_t g : missed) {
      for (uint32_t p : spurious) {
        Category& c = categories[{"pair", {g, p}}];
        c.kind = "confused_pair";
        c.title = fmt::format("{} predicted as {}", r.labels[g], r.labels[p]);
        c.labels = {r.labels[g], r.labels[p]};
        c.rows.push_back(i);
      }
    }
  }
  std::vector<const Category*> sorted;
  for (const auto& [key, c] : categories) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Category* a, const Category* b) { return a->rows.size() > b->rows.size(); });
  nlohmann::json list = nlohmann::json::array();
  nlohmann::json pairs = nlohmann::json::array();
  int rank = 0;
  for (const Category* c : sorted) {
    nlohmann::json examples = nlohmann::json::array();
    for (size_t e = 0; e < c->rows.size() && e < options.max_examples; ++e) examples.push_back(FailureExample(r, c->rows[e]));
    nlohmann::json item = {{"kind", c->kind},
                           {"title", c->title},
                           {"labels", c->labels},
                           {"count", c->rows.size()},
                           {"share", wrong ? static_cast<double>(c->rows.size()) / static_cast<double>(wrong) : 0.0},
                           {"examples", examples}};
    if (c->kind == "confused_pair") {
      if (pairs.size() < options.max_confusion_pairs) pairs.push_back(item);
      continue;
    }
    item["rank"] = ++rank;
    item["impact"] = static_cast<double>(c->rows.size());
    list.push_back(std::move(item));
  }
  return {{"total_errors", wrong}, {"unit", "wrong label decisions"}, {"categories", list}, {"confused_pairs", pairs}};
}

// Micro-F1 and exact match per segment value, with the bootstrap's resamples for the
// intervals; segments under min_support are flagged too small to judge.
nlohmann::json Segments(const MultiLabelEvalResult& r, const SegmentOptions& options) {
  nlohmann::json columns = nlohmann::json::array();
  std::vector<uint8_t> exact_correct(r.rows.size());
  for (size_t i = 0; i < r.rows.size(); ++i) exact_correct[i] = r.rows[i].gold == r.rows[i].predicted;
  for (size_t c = 0; c < r.segment_columns.size(); ++c) {
    const std::string& column = r.segment_columns[c];
    const SegmentSplit split = options.split.For(column);
    std::map<std::string, std::vector<size_t>> members;
    std::vector<std::string> order;
    for (size_t i = 0; i < r.examples.size(); ++i) {
      const std::string& cell = c < r.examples[i].segments.size() ? r.examples[i].segments[c] : std::string();
      for (const std::string& value : SplitSegmentValue(cell, split)) {
        auto [it, added] = members.emplace(value, std::vector<size_t>{});
        if (added) order.push_back(value);
        it->second.push_back(i);
      }
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](const std::string& a, const std::string& b) { return members[a].size() > members[b].size(); });
    if (order.size() > options.max_segments) order.resize(options.max_segments);
    nlohmann::json segments = nlohmann::json::array();
    std::vector<std::vector<uint32_t>> eligible;
    std::vector<std::string> eligible_names;
    for (const std::string& value : order) {
      MultiLabelCounts counts(r.labels);
      for (size_t i : members[value]) counts.Add(r.rows[i].gold, r.rows[i].predicted);
      const uint64_t exact = static_cast<uint64_t>(std::llround(counts.ExactMatch() * static_cast<double>(counts.total())));
      const Interval ci = WilsonInterval(exact, counts.total());
      const bool too_small = counts.total() < options.min_support;
      // "accuracy" is exact-set accuracy, the key segment gates read (gates.segments.min_accuracy).
      segments.push_back({{"value", value},
                          {"n", counts.total()},
                          {"micro_f1", counts.MicroF1()},
                          {"exact_match", counts.ExactMatch()},
                          {"accuracy", counts.ExactMatch()},
                          {"accuracy_ci", {ci.low, ci.high}},
                          {"accuracy_ci_method", "Wilson score interval"},
                          {"samples_f1", counts.SamplesF1()},
                          {"too_small", too_small}});
      if (!too_small) {
        eligible.emplace_back(members[value].begin(), members[value].end());
        eligible_names.push_back(value);
      }
    }
    // The gap test on exact-set correctness, as single-label segments test accuracy.
    columns.push_back({{"column", column},
                       {"segments", segments},
                       {"gap", SegmentGapJson(eligible, eligible_names, exact_correct, options,
                                              DeriveSeed(options.seed, 77 + c))}});
  }
  return {{"columns", columns}, {"min_support", options.min_support}};
}

}  // namespace

MultiLabelEvalResult EvaluateMultiLabel(const Model& model, Dataset dataset, const EvalInput& input) {
  MultiLabelEvalResult result;
  result.labels = model.info.labels;
  result.model_labels = result.labels.size();
  result.segment_columns = input.segment_columns;
  result.threshold = input.threshold >= 0 ? input.threshold : -1;
  result.threshold_source = input.threshold >= 0 ? "flag" : "model";
  std::map<std::string, uint32_t> index;
  for (uint32_t k = 0; k < result.labels.size(); ++k) index.emplace(result.labels[k], k);
  result.examples = std::move(dataset.examples);
  result.skipped = std::move(dataset.skipped);
  result.rows.resize(result.examples.size());
  for (size_t i = 0; i < result.examples.size(); ++i) {
    result.rows[i].gold = IndexSet(result.examples[i].labels, result.labels, index);
  }
  ParallelFor(result.examples.size(), ResolveThreads(input.threads), [&](size_t, size_t begin, size_t end) {
    Model::Scratch scratch;
    for (size_t i = begin; i < end; ++i) {
      MultiLabelRow& row = result.rows[i];
      const Decision d = Classify(model, result.examples[i].text, scratch, result.threshold);
      row.empty = d.empty;
      ChosenLabels(model, scratch.probs, result.threshold, d.empty, row.predicted);
    }
  });
  result.counts = MultiLabelCounts(result.labels);
  for (const MultiLabelRow& row : result.rows) result.counts.Add(row.gold, row.predicted);
  return result;
}

nlohmann::json BuildMultiLabelReport(const Model& model, const MultiLabelEvalResult& result,
                                     const EvalReportOptions& options) {
  nlohmann::json j = result.counts.ToJson();
  j["task_kind"] = "multi_label";
  j["accuracy"] = j["exact_match"];  // exact-set accuracy: the single-label key, the strict reading
  const BootstrapIntervals ci = Bootstrap(result, options.segments);
  if (options.segments.resamples > 0) {
    j["micro_f1_ci"] = ci.micro_f1.ToJson();
    j["macro_f1_ci"] = ci.macro_f1.ToJson();
    j["samples_f1_ci"] = ci.samples_f1.ToJson();
    j["exact_match_ci"] = ci.exact_match.ToJson();
    j["accuracy_ci"] = ci.exact_match.ToJson();
  } else {
    for (const char* key : {"micro_f1_ci", "macro_f1_ci", "samples_f1_ci", "exact_match_ci", "accuracy_ci"}) j[key] = nullptr;
  }
  for (uint32_t k = 0; k < result.labels.size(); ++k) {
    nlohmann::json& m = j["per_label"][result.labels[k]];
    const LabelMetrics lm = result.counts.ForLabel(k);
    const uint64_t tp = static_cast<uint64_t>(std::llround(lm.recall * static_cast<double>(lm.support)));
    m["precision_ci"] = lm.predicted ? WilsonInterval(tp, lm.predicted).ToJson() : nlohmann::json(nullptr);
    m["recall_ci"] = lm.support ? WilsonInterval(tp, lm.support).ToJson() : nlohmann::json(nullptr);
    m["f1_ci"] = ci.label_f1[k] ? ci.label_f1[k]->ToJson() : nlohmann::json(nullptr);
    m["in_model"] = k < result.model_labels;
    if (k < result.model_labels) {
      m["threshold"] = result.threshold >= 0 ? result.threshold
                       : k < model.info.label_thresholds.size() ? model.info.label_thresholds[k]
                                                                : 0.5f;
    }
  }
  j["labels"] = result.labels;
  j["threshold"] = result.threshold >= 0 ? nlohmann::json(result.threshold) : nlohmann::json("per label");
  j["threshold_source"] = result.threshold_source;
  j["failures"] = Failures(result, options.failures);
  j["segments"] = Segments(result, options.segments);
  j["skipped_rows"] = result.skipped.size();
  return j;
}

AlignedLabelSets AlignLabelSets(const MultiLabelEvalResult& a, const MultiLabelEvalResult& b) {
  AlignedLabelSets out;
  out.labels = a.labels;
  std::map<std::string, uint32_t> index;
  for (uint32_t k = 0; k < out.labels.size(); ++k) index.emplace(out.labels[k], k);
  auto remap = [&](const std::vector<uint32_t>& set, const std::vector<std::string>& names) {
    std::vector<uint32_t> mapped;
    for (uint32_t k : set) {
      auto [it, added] = index.emplace(names[k], static_cast<uint32_t>(out.labels.size()));
      if (added) out.labels.push_back(names[k]);
      mapped.push_back(it->second);
    }
    std::sort(mapped.begin(), mapped.end());
    return mapped;
  };
  const size_t n = std::min(a.rows.size(), b.rows.size());
  out.gold.resize(n);
  out.predicted_a.resize(n);
  out.predicted_b.resize(n);
  for (size_t i = 0; i < n; ++i) {
    out.gold[i] = a.rows[i].gold;
    out.predicted_a[i] = a.rows[i].predicted;
    out.predicted_b[i] = remap(b.rows[i].predicted, b.labels);
    const bool same_text = i >= a.examples.size() || i >= b.examples.size() || a.examples[i].text == b.examples[i].text;
    if (!out.first_mismatch && (remap(b.rows[i].gold, b.labels) != out.gold[i] || !same_text)) out.first_mismatch = i;
  }
  return out;
}

}  // namespace trainops
