// The label_sets check of multi-label tasks: how many labels a message has, which labels
// come together (co-occurrence), label sets seen only once in train (a model learns each
// label on its own, so a rare combination is fine, but a set that exists only in
// validation or test is worth knowing about), and the share of messages with none of the
// intents. Not thread-safe.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "check/checks_internal.h"
#include "common/strings.h"

namespace trainops::check_internal {

namespace {

constexpr size_t kTopPairs = 20;

}  // namespace

void CheckLabelSets(const CheckInput& in, CheckReport& report) {
  if (!in.spec.data.multi_label) {
    // A single-label task whose labels look like joined sets was probably meant to be
    // multi-label: each "a|b" would be learned as one more class.
    const std::string& separator = in.spec.data.label_separator;
    std::map<std::string, uint64_t> joined;
    for (const Split& split : in.splits) {
      for (const auto& [label, n] : split.label_counts) {
        if (label.find(separator) != std::string::npos) joined[label] += n;
      }
      if (split.label_counts.empty()) {
        for (const Example& e : split.examples) {
          if (e.label.find(separator) != std::string::npos) joined[e.label] += 1;
        }
      }
    }
    if (!joined.empty()) {
      Finding f;
      f.check = "label_sets";
      f.severity = Severity::kWarning;
      f.message = fmt::format("{} labels contain \"{}\", the multi-label separator (e.g. \"{}\"); if these rows have "
                              "several intents, set task.multi_label: true, or they are learned as classes of their own",
                              joined.size(), separator, joined.begin()->first);
      f.details = {{"kind", "separator_in_single_label"}, {"labels", joined.size()}};
      report.findings.push_back(std::move(f));
    }
    return;
  }
  nlohmann::json summary = nlohmann::json::object();
  std::map<std::string, uint64_t> train_sets;
  for (size_t s = 0; s < in.splits.size(); ++s) {
    const Split& split = in.splits[s];
    std::map<size_t, uint64_t> cardinality;
    std::map<std::pair<std::string, std::string>, uint64_t> pairs;
    std::map<std::string, uint64_t> sets;
    uint64_t empty = 0;
    for (const Example& e : split.examples) {
      cardinality[e.labels.size()] += 1;
      empty += e.labels.empty() ? 1 : 0;
      sets[e.label] += 1;
      for (size_t a = 0; a < e.labels.size(); ++a) {
        for (size_t b = a + 1; b < e.labels.size(); ++b) pairs[{e.labels[a], e.labels[b]}] += 1;
      }
    }
    std::vector<std::pair<std::pair<std::string, std::string>, uint64_t>> top(pairs.begin(), pairs.end());
    std::stable_sort(top.begin(), top.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    if (top.size() > kTopPairs) top.resize(kTopPairs);
    nlohmann::json co = nlohmann::json::array();
    for (const auto& [pair, n] : top) co.push_back({{"labels", {pair.first, pair.second}}, {"count", n}});
    nlohmann::json sizes = nlohmann::json::object();
    for (const auto& [k, n] : cardinality) sizes[std::to_string(k)] = n;
    const double rows = static_cast<double>(split.examples.size());
    uint64_t labels = 0;
    for (const auto& [k, n] : cardinality) labels += k * n;
    summary[split.name] = {{"rows", split.examples.size()},
                           {"labels_per_message", rows > 0 ? static_cast<double>(labels) / rows : 0.0},
                           {"set_sizes", sizes},
                           {"no_label_rows", empty},
                           {"distinct_sets", sets.size()},
                           {"top_co_occurrences", co}};
    if (s == 0) {
      train_sets = sets;
      uint64_t once = 0;
      for (const auto& [set, n] : sets) once += n == 1 ? 1 : 0;
      summary[split.name]["sets_seen_once"] = once;
      if (once > 0) {
        Finding f;
        f.check = "label_sets";
        f.severity = Severity::kInfo;
        f.message = fmt::format("{} of {} label sets in {} occur only once; each label is learned on its own, so rare "
                                "combinations are fine as long as every label has enough rows (label_health)",
                                once, sets.size(), split.file);
        f.details = {{"kind", "rare_label_sets"}, {"count", once}, {"distinct_sets", sets.size()}};
        report.findings.push_back(std::move(f));
      }
      continue;
    }
    std::vector<std::string> unseen;
    uint64_t unseen_rows = 0;
    for (const auto& [set, n] : sets) {
      if (!train_sets.count(set) && !set.empty()) {
        unseen.push_back(set);
        unseen_rows += n;
      }
    }
    if (!unseen.empty()) {
      Finding f;
      f.check = "label_sets";
      f.severity = Severity::kInfo;
      f.message = fmt::format("{} rows of {} have a label set train never has ({} sets, e.g. \"{}\"); the model can "
                              "still predict it, label by label, but exact-set accuracy on them is the hard part",
                              unseen_rows, split.file, unseen.size(), unseen.front());
      f.details = {{"kind", "label_sets_not_in_train"}, {"split", split.name}, {"rows", unseen_rows},
                   {"sets", unseen.size()}};
      report.findings.push_back(std::move(f));
    }
  }
  report.summary["label_sets"] = summary;
}

}  // namespace trainops::check_internal
