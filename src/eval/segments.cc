#include "eval/segments.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "common/error.h"
#include "common/parallel.h"
#include "common/strings.h"
#include "eval/bootstrap.h"

namespace trainops {
namespace {

nlohmann::json ScoreGroup(const EvalResult& result, const std::vector<uint32_t>& rows,
                          const SegmentOptions& options, uint64_t seed) {
  ConfusionMatrix cm(result.labels);
  for (uint32_t r : rows) cm.Add(result.rows[r].gold, result.rows[r].predicted);
  ConfusionIntervals ci = BootstrapConfusion(cm, options.resamples, seed, options.level, options.threads);
  nlohmann::json j;
  j["n"] = cm.total();
  j["accuracy"] = cm.Accuracy();
  // No resamples, no interval: null rather than a [0, 0] that reads as a certainty.
  const bool intervals = options.resamples > 0 && cm.total() > 0;
  j["accuracy_ci"] = intervals ? ci.accuracy.ToJson() : nlohmann::json(nullptr);
  j["macro_f1"] = cm.MacroF1();
  j["macro_f1_ci"] = intervals ? ci.macro_f1.ToJson() : nlohmann::json(nullptr);
  j["too_small"] = cm.total() < options.min_support;
  nlohmann::json recall = nlohmann::json::object();
  size_t classes = 0;
  for (uint32_t l = 0; l < cm.size(); ++l) {
    LabelMetrics m = cm.ForLabel(l);
    if (m.support == 0) continue;
    ++classes;
    recall[cm.labels()[l]] = {{"recall", m.recall}, {"support", m.support}, {"ci", ci.recall[l] ? ci.recall[l]->ToJson() : nlohmann::json(nullptr)}};
  }
  j["labels"] = classes;
  // One class only: macro-F1 is just that class's F1 and says little; flag it.
  j["single_class"] = classes == 1;
  j["per_label_recall"] = recall;
  return j;
}

}  // namespace

std::string SegmentSplit::ToString() const {
  switch (kind) {
    case Kind::kNone: return "none";
    case Kind::kChars: return "chars";
    case Kind::kSeparator: return separator;
  }
  return "?";
}

SegmentSplit SegmentSplit::Parse(std::string_view text) {
  SegmentSplit s;
  if (text.empty() || text == "none") return s;
  if (text == "chars") {
    s.kind = Kind::kChars;
  } else {
    s.kind = Kind::kSeparator;
    s.separator = std::string(text);
  }
  return s;
}

const SegmentSplit& SegmentSplits::For(std::string_view column) const {
  auto it = columns.find(std::string(column));
  return it == columns.end() ? all : it->second;
}

nlohmann::json SegmentSplits::ToJson() const {
  if (columns.empty()) return all.ToString();
  nlohmann::json j = {{"*", all.ToString()}};
  for (const auto& [column, split] : columns) j[column] = split.ToString();
  return j;
}

SegmentSplits SegmentSplits::ParseFlags(const std::vector<std::string>& values) {
  SegmentSplits out;
  bool have_all = false;
  for (const auto& value : values) {
    const size_t eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      if (have_all) {
        throw InputError(fmt::format(
            "--segment-split given twice for every column (\"{}\", then \"{}\"); give one SPLIT, and name "
            "columns for the others: --segment-split COL=SPLIT",
            out.all.ToString(), value));
      }
      have_all = true;
      out.all = SegmentSplit::Parse(value);
      continue;
    }
    std::string column = value.substr(0, eq);
    if (out.columns.count(column)) {
      throw InputError(fmt::format("--segment-split names column \"{}\" twice; give one split per column", column));
    }
    out.columns[column] = SegmentSplit::Parse(std::string_view(value).substr(eq + 1));
  }
  return out;
}

SegmentSplits SegmentSplits::FromSpec(std::string_view all, const std::map<std::string, std::string>& columns) {
  SegmentSplits out(SegmentSplit::Parse(all));
  for (const auto& [column, split] : columns) out.columns[column] = SegmentSplit::Parse(split);
  return out;
}

void SegmentSplits::CheckColumns(const std::vector<std::string>& segment_columns, std::string_view what) const {
  for (const auto& [column, split] : columns) {
    if (std::find(segment_columns.begin(), segment_columns.end(), column) != segment_columns.end()) continue;
    throw InputError(fmt::format(
        "{}: column \"{}\" is not a segment column{}{}", what, column,
        segment_columns.empty() ? std::string(" (no segment columns are set; pass --segments COL)")
                                : fmt::format(" (segment columns: {})", Join(segment_columns, ", ")),
        DidYouMean(column, segment_columns)));
  }
}

std::vector<std::string> SplitSegmentValue(std::string_view value, const SegmentSplit& split) {
  std::vector<std::string> out;
  auto add = [&](std::string_view v) {
    v = Trim(v);
    if (v.empty()) return;
    if (std::find(out.begin(), out.end(), v) == out.end()) out.emplace_back(v);
  };
  switch (split.kind) {
    case SegmentSplit::Kind::kNone:
      add(value);
      break;
    case SegmentSplit::Kind::kChars:
      // One value per UTF-8 character (continuation bytes stay with their lead byte).
      for (size_t i = 0; i < value.size();) {
        size_t j = i + 1;
        while (j < value.size() && (static_cast<unsigned char>(value[j]) & 0xC0) == 0x80) ++j;
        add(value.substr(i, j - i));
        i = j;
      }
      break;
    case SegmentSplit::Kind::kSeparator: {
      size_t start = 0;
      while (true) {
        size_t pos = value.find(split.separator, start);
        add(value.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + split.separator.size();
      }
      break;
    }
  }
  if (out.empty()) out.emplace_back(kMissingSegment);
  return out;
}

GapTest PermutationGapTest(const std::vector<std::vector<uint32_t>>& members,
                           const std::vector<uint8_t>& correct, int permutations, uint64_t seed,
                           int threads) {
  GapTest test;
  test.segments = members.size();
  if (members.size() < 2) return test;
  // Renumber the rows that appear anywhere, so permutations shuffle only those.
  std::unordered_map<uint32_t, uint32_t> local;
  std::vector<uint8_t> values;
  std::vector<std::vector<uint32_t>> seg(members.size());
  for (size_t s = 0; s < members.size(); ++s) {
    for (uint32_t r : members[s]) {
      auto [it, fresh] = local.emplace(r, static_cast<uint32_t>(values.size()));
      if (fresh) values.push_back(correct[r]);
      seg[s].push_back(it->second);
    }
  }
  auto gap_of = [&](const std::vector<uint8_t>& v) {
    double lo = 2, hi = -1;
    for (const auto& rows : seg) {
      uint64_t c = 0;
      for (uint32_t r : rows) c += v[r];
      double acc = rows.empty() ? 0 : static_cast<double>(c) / static_cast<double>(rows.size());
      lo = std::min(lo, acc);
      hi = std::max(hi, acc);
    }
    return hi - lo;
  };
  test.gap = gap_of(values);
  if (permutations <= 0) return test;
  const int t = ResolveThreads(threads);
  std::vector<uint64_t> at_least(static_cast<size_t>(t), 0);
  ParallelFor(static_cast<size_t>(permutations), t, [&](size_t thread, size_t begin, size_t end) {
    std::vector<uint8_t> v;
    for (size_t p = begin; p < end; ++p) {
      v = values;
      SplitMix64 rng(DeriveSeed(seed, p));
      for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.Below(i)]);
      if (gap_of(v) >= test.gap - 1e-12) ++at_least[thread];
    }
  });
  uint64_t count = 0;
  for (uint64_t c : at_least) count += c;
  test.p_value = static_cast<double>(1 + count) / static_cast<double>(1 + permutations);
  return test;
}

nlohmann::json AnalyzeSegments(const EvalResult& result, const SegmentOptions& options) {
  nlohmann::json out;
  out["resamples"] = options.resamples;
  out["permutations"] = options.permutations;
  out["seed"] = options.seed;
  out["level"] = options.level;
  out["min_support"] = options.min_support;
  out["split"] = options.split.ToJson();
  std::vector<uint32_t> all(result.rows.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  out["overall"] = ScoreGroup(result, all, options, options.seed);
  std::vector<uint8_t> correct(result.rows.size());
  for (size_t i = 0; i < correct.size(); ++i) correct[i] = result.rows[i].correct();
  out["columns"] = nlohmann::json::array();
  for (size_t c = 0; c < result.segment_columns.size(); ++c) {
    const SegmentSplit& split = options.split.For(result.segment_columns[c]);
    std::map<std::string, std::vector<uint32_t>> groups;
    for (uint32_t i = 0; i < result.examples.size(); ++i) {
      const auto& segs = result.examples[i].segments;
      std::string_view cell = c < segs.size() ? std::string_view(segs[c]) : std::string_view();
      for (auto& v : SplitSegmentValue(cell, split)) groups[v].push_back(i);
    }
    std::vector<std::pair<std::string, std::vector<uint32_t>>> ordered(groups.begin(), groups.end());
    // Largest first; ties by name so the order is stable.
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
    nlohmann::json col;
    col["column"] = result.segment_columns[c];
    col["split"] = split.ToString();
    col["distinct_values"] = ordered.size();
    if (ordered.size() > options.max_segments) {
      col["truncated_to"] = options.max_segments;
      ordered.resize(options.max_segments);
    }
    col["segments"] = nlohmann::json::array();
    std::vector<std::vector<uint32_t>> eligible;
    std::vector<std::string> eligible_names;
    for (size_t s = 0; s < ordered.size(); ++s) {
      nlohmann::json seg = ScoreGroup(result, ordered[s].second, options, DeriveSeed(options.seed, 1000 * (c + 1) + s));
      seg["value"] = ordered[s].first;
      if (!seg["too_small"].get<bool>()) {
        eligible.push_back(ordered[s].second);
        eligible_names.push_back(ordered[s].first);
      }
      col["segments"].push_back(std::move(seg));
    }
    nlohmann::json gap = SegmentGapJson(eligible, eligible_names, correct, options, DeriveSeed(options.seed, 77 + c));
    col["gap"] = gap;
    out["columns"].push_back(std::move(col));
  }
  return out;
}

nlohmann::json SegmentGapJson(const std::vector<std::vector<uint32_t>>& eligible, const std::vector<std::string>& names,
                              const std::vector<uint8_t>& correct, const SegmentOptions& options, uint64_t seed) {
  nlohmann::json gap = {{"segments_compared", eligible.size()},
                        {"test", "permutation test: per-row correctness shuffled across rows (memberships "
                                 "kept), statistic = best minus worst segment accuracy"}};
  if (eligible.size() < 2) {
    gap["note"] = "fewer than two segments reach min_support; no gap to judge";
    return gap;
  }
  const GapTest t = PermutationGapTest(eligible, correct, options.permutations, seed, options.threads);
  size_t best = 0, worst = 0;
  std::vector<double> acc;
  for (const auto& rows : eligible) {
    uint64_t k = 0;
    for (uint32_t r : rows) k += correct[r];
    acc.push_back(static_cast<double>(k) / static_cast<double>(rows.size()));
  }
  for (size_t s = 0; s < acc.size(); ++s) {
    if (acc[s] > acc[best]) best = s;
    if (acc[s] < acc[worst]) worst = s;
  }
  gap["best"] = names[best];
  gap["best_accuracy"] = acc[best];
  gap["worst"] = names[worst];
  gap["worst_accuracy"] = acc[worst];
  gap["gap"] = t.gap;
  gap["p_value"] = t.p_value;
  gap["larger_than_chance"] = t.p_value < 0.05;
  return gap;
}

}  // namespace trainops
