// The duplicates, conflicting_labels and leakage checks, which share the normalized text
// keys (text_key.h): duplicates and conflicts within each split, then validation/test
// rows whose key is in train (exact after normalization) or whose shingles are nearly
// the same as a train row's (MinHash LSH, near_duplicates.h), and test rows likewise
// found in validation. Not thread-safe.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "check/checks_internal.h"
#include "check/near_duplicates.h"
#include "check/text_key.h"
#include "common/parallel.h"
#include "common/strings.h"

namespace trainops::check_internal {
namespace {

struct Keys {
  std::vector<std::string> shingle_text;
  std::vector<std::string> key;
};

Keys ComputeKeys(const Split& split, int threads) {
  Keys k;
  const size_t n = split.examples.size();
  k.shingle_text.resize(n);
  k.key.resize(n);
  ParallelFor(n, threads, [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      k.shingle_text[i] = ShingleText(split.examples[i].text);
      k.key[i] = DuplicateKeyFromShingleText(k.shingle_text[i]);
    }
  });
  return k;
}

// Rows grouped by key, groups in order of their first row; rows with an empty key (all
// punctuation) are left out: they have nothing to compare.
std::vector<std::vector<uint32_t>> GroupByKey(const Keys& keys,
                                              std::unordered_map<std::string_view, uint32_t>* index) {
  std::unordered_map<std::string_view, uint32_t> local;
  auto& ids = index ? *index : local;
  std::vector<std::vector<uint32_t>> groups;
  for (uint32_t i = 0; i < keys.key.size(); ++i) {
    if (keys.key[i].empty()) continue;
    auto [it, inserted] = ids.emplace(keys.key[i], static_cast<uint32_t>(groups.size()));
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

void WithinSplit(const CheckInput& in, const Split& split, size_t split_index,
                 const std::vector<std::vector<uint32_t>>& groups,
                 CheckReport& report, nlohmann::json& stats) {
  size_t exact_extra = 0, duplicate_groups = 0, conflict_groups = 0;
  for (const auto& group : groups) {
    if (group.size() < 2) continue;
    std::map<std::string, size_t> labels;
    for (uint32_t i : group) labels[split.examples[i].label]++;
    // Exact copies (same text and label) beyond the first of each: what --write-clean drops.
    std::map<std::pair<std::string_view, std::string_view>, uint32_t> first_of;
    size_t exact_in_group = 0;
    for (uint32_t i : group) {
      const auto& e = split.examples[i];
      auto [it, inserted] = first_of.emplace(std::make_pair(std::string_view(e.text), std::string_view(e.label)), i);
      if (!inserted) {
        ++exact_in_group;
        report.removals.push_back({Removal::Kind::kExactDuplicate, split_index, e.line,
                                   fmt::format("exact duplicate of {}:{}", split.file,
                                               split.examples[it->second].line)});
      }
    }
    exact_extra += exact_in_group;
    Finding f;
    for (uint32_t i : group) f.rows.push_back(split.Ref(i));
    const std::string& text = split.examples[group[0]].text;
    if (labels.size() > 1) {
      ++conflict_groups;
      std::vector<std::string> parts;
      nlohmann::json label_counts = nlohmann::json::object();
      for (const auto& [label, count] : labels) {
        parts.push_back(fmt::format("\"{}\" x{}", label, count));
        label_counts[label] = count;
      }
      f.check = "conflicting_labels";
      f.severity = Severity::kError;
      f.message = in.spec.data.multi_label
                      ? fmt::format("{}: {} rows with the same text {} (after normalization) have different label "
                                    "sets ({}; \"\" is none of the intents); at most one set is right, fix the others",
                                    split.file, group.size(), Quote(text), Join(parts, ", "))
                      : fmt::format("{}: {} rows with the same text {} (after normalization) have different labels "
                                    "({}); at most one label is right, fix the others",
                                    split.file, group.size(), Quote(text), Join(parts, ", "));
      f.details = {{"split", split.name}, {"labels", label_counts}, {"text", text}};
      for (uint32_t i : group) {
        report.removals.push_back({Removal::Kind::kConflict, split_index, split.examples[i].line,
                                   "conflicting labels: " + Join(parts, ", ")});
      }
    } else {
      ++duplicate_groups;
      const bool all_exact = first_of.size() == 1;
      f.check = "duplicates";
      f.severity = Severity::kWarning;
      f.message = all_exact ? fmt::format("{}: {} appears {} times (exact copies, label \"{}\")", split.file,
                                          Quote(text), group.size(), labels.begin()->first)
                            : fmt::format("{}: {} appears {} times counting case, punctuation, spacing "
                                          "and number variants ({} exact copies, label \"{}\")",
                                          split.file, Quote(text), group.size(), exact_in_group,
                                          labels.begin()->first);
      f.details = {{"split", split.name}, {"kind", all_exact ? "exact" : "normalized"},
                   {"count", group.size()}, {"exact_copies", exact_in_group},
                   {"label", labels.begin()->first}, {"text", text}};
    }
    report.findings.push_back(std::move(f));
  }
  stats[split.name] = {{"duplicate_groups", duplicate_groups},
                       {"conflicting_groups", conflict_groups},
                       {"exact_duplicate_rows", exact_extra}};
}

// A held-out split with more than this share of its rows in the reference split is the
// same data, not overlap (real traffic repeats short messages, but not most of a file).
constexpr double kSharedSplitShare = 0.5;
constexpr size_t kMinRowsForSharedSplit = 10;

// What held-out rows are checked against: train, or validation for test rows.
struct Reference {
  const Split& split;
  size_t index;  // in CheckInput::splits, for --write-clean removals
  const Keys& keys;
  const std::unordered_map<std::string_view, uint32_t>& key_index;
  const std::vector<std::vector<uint32_t>>& groups;
};

// Rows of `split` found in `ref` after normalization, or nearly (MinHash LSH). The
// reference row is what --write-clean removes: held-out rows stay held out.
// Returns {normalized, near_duplicate} counts.
nlohmann::json LeaksInto(const Reference& ref, const Split& split, const Keys& keys, const NearDuplicateOptions& nd,
                         std::set<uint64_t>& removed_ref_lines, CheckReport& report) {
  // Train rows leaking into validation or test let the model see held-out text; validation
  // rows repeated in test mean checkpoint, threshold and temperature were chosen on them.
  const std::string consequence = ref.split.name == "train"
                                      ? "the model has seen it, so evaluating on it is not a test on unseen data"
                                      : "checkpoint selection and calibration saw it, so the test score on it is "
                                        "optimistic";
  auto remove = [&](uint32_t r, std::string reason) {
    if (removed_ref_lines.insert(ref.split.examples[r].line).second) {
      report.removals.push_back({Removal::Kind::kLeak, ref.index, ref.split.examples[r].line, std::move(reason)});
    }
  };
  size_t exact = 0, near = 0;
  const size_t first_finding = report.findings.size();
  std::vector<std::string_view> queries(split.examples.size());
  for (uint32_t i = 0; i < split.examples.size(); ++i) {
    auto it = keys.key[i].empty() ? ref.key_index.end() : ref.key_index.find(keys.key[i]);
    if (it == ref.key_index.end()) {
      queries[i] = keys.shingle_text[i];
      continue;
    }
    ++exact;
    const auto& group = ref.groups[it->second];
    Finding f;
    f.check = "leakage";
    // A warning, not an error: short common messages ("where is my order") recur in real
    // traffic, so some overlap is honest; the count tells whether metrics are inflated.
    f.severity = Severity::kWarning;
    f.rows.push_back(split.Ref(i));
    std::set<std::string> ref_labels;
    for (uint32_t r : group) {
      f.rows.push_back(ref.split.Ref(r));
      ref_labels.insert(ref.split.examples[r].label);
      remove(r, fmt::format("leaks into {} ({}:{})", split.name, split.file, split.examples[i].line));
    }
    f.message = fmt::format("{}:{} {} is also in {} ({}:{}{}) after normalization: {}", split.file,
                            split.examples[i].line, Quote(split.examples[i].text, 60), ref.split.name, ref.split.file,
                            ref.split.examples[group[0]].line,
                            group.size() > 1 ? fmt::format(" and {} more", group.size() - 1) : "", consequence);
    f.details = {{"kind", "normalized"}, {"split", split.name}, {"against", ref.split.name}, {"jaccard", 1.0},
                 {"label", split.examples[i].label},
                 {ref.split.name + "_labels", std::vector<std::string>(ref_labels.begin(), ref_labels.end())},
                 {"text", split.examples[i].text}};
    report.findings.push_back(std::move(f));
  }
  std::vector<std::string_view> references(ref.keys.shingle_text.begin(), ref.keys.shingle_text.end());
  const auto pairs = FindNearDuplicates(queries, references, nd);
  for (size_t p = 0; p < pairs.size();) {
    size_t q_end = p;
    while (q_end < pairs.size() && pairs[q_end].query == pairs[p].query) ++q_end;
    const uint32_t q = pairs[p].query;
    ++near;
    Finding f;
    f.check = "leakage";
    f.severity = Severity::kWarning;
    f.rows.push_back(split.Ref(q));
    nlohmann::json matches = nlohmann::json::array();
    for (size_t k = p; k < q_end; ++k) {
      // Every near copy goes from the cleaned reference file, not only the ten listed:
      // one left behind still shows the held-out text.
      remove(pairs[k].reference, fmt::format("near-duplicate (similarity {:.2f}) of {} ({}:{})", pairs[k].jaccard,
                                             split.name, split.file, split.examples[q].line));
      if (k >= p + 10) continue;
      f.rows.push_back(ref.split.Ref(pairs[k].reference));
      matches.push_back({{"file", ref.split.file},
                         {"line", ref.split.examples[pairs[k].reference].line},
                         {"jaccard", pairs[k].jaccard},
                         {"label", ref.split.examples[pairs[k].reference].label}});
    }
    const auto& best = ref.split.examples[pairs[p].reference];
    f.message = fmt::format("{}:{} {} is a near-duplicate of {} row {}:{} {} (similarity {:.2f}{})", split.file,
                            split.examples[q].line, Quote(split.examples[q].text, 60), ref.split.name, ref.split.file,
                            best.line, Quote(best.text, 60), pairs[p].jaccard,
                            q_end - p > 1 ? fmt::format("; {} {} rows in all", q_end - p, ref.split.name) : "");
    f.details = {{"kind", "near_duplicate"}, {"split", split.name}, {"against", ref.split.name},
                 {"jaccard", pairs[p].jaccard}, {"label", split.examples[q].label}, {"matches", matches},
                 {"text", split.examples[q].text}};
    report.findings.push_back(std::move(f));
    p = q_end;
  }
  // Most of a held-out file in the reference is not overlap but the same data twice (a
  // copy, or a split done wrong): one error saying so, beside the row-level warnings.
  const size_t rows = split.examples.size();
  if (rows >= kMinRowsForSharedSplit && static_cast<double>(exact) > kSharedSplitShare * static_cast<double>(rows)) {
    Finding f;
    f.check = "leakage";
    f.severity = Severity::kError;
    f.message = fmt::format("{} ({}): {} of its {} rows ({:.0f}%) are also in {} ({}) after normalization: the two "
                            "splits hold mostly the same data, so {} scores say nothing about unseen text; split the "
                            "data again so that no text is in both",
                            split.name, split.file, exact, rows, 100.0 * static_cast<double>(exact) / rows,
                            ref.split.name, ref.split.file, split.name);
    f.details = {{"kind", "shared_split"}, {"split", split.name}, {"against", ref.split.name},
                 {"shared_rows", exact}, {"rows", rows}};
    // Before the row warnings it explains, so a report cut at N findings per check shows it.
    report.findings.insert(report.findings.begin() + static_cast<std::ptrdiff_t>(first_finding), std::move(f));
  }
  return {{"normalized", exact}, {"near_duplicate", near}};
}

}  // namespace

void CheckDuplicatesAndLeakage(const CheckInput& in, CheckReport& report) {
  const size_t n = in.splits.size();
  std::vector<Keys> keys;
  for (const auto& split : in.splits) keys.push_back(ComputeKeys(split, in.threads));
  nlohmann::json dup_stats = nlohmann::json::object();
  std::vector<std::unordered_map<std::string_view, uint32_t>> key_index(n);
  std::vector<std::vector<std::vector<uint32_t>>> groups(n);
  for (size_t s = 0; s < n; ++s) {
    groups[s] = GroupByKey(keys[s], &key_index[s]);
    WithinSplit(in, in.splits[s], s, groups[s], report, dup_stats);
  }
  report.summary["duplicates"] = dup_stats;

  NearDuplicateOptions nd;
  nd.threshold = in.spec.checks.near_duplicate_threshold;
  nd.threads = in.threads;
  nlohmann::json leak_stats = nlohmann::json::object();
  std::vector<std::set<uint64_t>> removed_lines(n);
  const Reference train{in.splits[0], 0, keys[0], key_index[0], groups[0]};
  for (size_t s = 1; s < n; ++s) {
    leak_stats[in.splits[s].name] = LeaksInto(train, in.splits[s], keys[s], nd, removed_lines[0], report);
  }
  // Test against validation (splits are train, then validation and test when present).
  if (n == 3 && in.splits[1].name == "validation" && in.splits[2].name == "test") {
    const Reference validation{in.splits[1], 1, keys[1], key_index[1], groups[1]};
    leak_stats["test_vs_validation"] = LeaksInto(validation, in.splits[2], keys[2], nd, removed_lines[1], report);
  }
  report.summary["leakage"] = leak_stats;
}

}  // namespace trainops::check_internal
