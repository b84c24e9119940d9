// The label_health check: examples per label (error under the minimum), the imbalance
// ratio of train, labels that validation or test use but train lacks (the model can
// never predict them; the declared out-of-scope label is the exception) and labels of
// train missing from test (never evaluated).
// Not thread-safe.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "check/checks_internal.h"
#include "common/strings.h"

namespace trainops::check_internal {

void CheckLabelHealth(const CheckInput& in, CheckReport& report) {
  // Rows (of the loaded examples) by label, and every label's count in the whole file:
  // the same unless the split was sampled (checks.max_rows), when the counts stay exact.
  std::vector<std::map<std::string, std::vector<uint32_t>>> rows_by_label(in.splits.size());
  std::vector<std::map<std::string, uint64_t>> count_of(in.splits.size());
  nlohmann::json counts = nlohmann::json::object();
  for (size_t s = 0; s < in.splits.size(); ++s) {
    for (uint32_t i = 0; i < in.splits[s].examples.size(); ++i) {
      for (const std::string& label : LabelsOf(in.splits[s].examples[i], in.spec.data.multi_label)) {
        rows_by_label[s][label].push_back(i);
      }
    }
    if (in.splits[s].sampled()) {
      count_of[s] = in.splits[s].label_counts;
    } else {
      for (const auto& [label, rows] : rows_by_label[s]) count_of[s][label] = rows.size();
    }
    nlohmann::json c = nlohmann::json::object();
    for (const auto& [label, n] : count_of[s]) c[label] = n;
    counts[in.splits[s].name] = c;
  }
  report.summary["label_health"]["label_counts"] = counts;
  const Split& train = in.splits[0];
  const auto& train_rows = rows_by_label[0];
  const auto& train_counts = count_of[0];
  const int minimum = in.spec.checks.min_examples_per_label;

  std::vector<std::string> labels(in.spec.labels.begin(), in.spec.labels.end());
  for (const auto& [label, n] : train_counts)
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  for (const auto& label : labels) {
    auto it = train_rows.find(label);
    const auto counted = train_counts.find(label);
    const size_t n = counted == train_counts.end() ? 0 : static_cast<size_t>(counted->second);
    if (n >= static_cast<size_t>(minimum)) continue;
    Finding f;
    f.check = "label_health";
    f.severity = Severity::kError;
    f.message = n == 0 ? fmt::format("label \"{}\" has no training examples in {} (minimum {}): the model "
                                     "cannot learn it; add examples or remove it from the label set",
                                     label, train.file, minimum)
                       : fmt::format("label \"{}\" has only {} training example{} in {} (minimum {}): too "
                                     "few to learn from; add examples or merge the label into another",
                                     label, n, n == 1 ? "" : "s", train.file, minimum);
    if (it != train_rows.end())
      for (uint32_t i : it->second) f.rows.push_back(train.Ref(i));
    f.details = {{"kind", "too_few_examples"}, {"label", label}, {"count", n}, {"minimum", minimum}};
    report.findings.push_back(std::move(f));
  }

  if (train_counts.size() >= 2) {
    auto [smallest, largest] = std::minmax_element(train_counts.begin(), train_counts.end(),
                                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    const double ratio = static_cast<double>(largest->second) / static_cast<double>(smallest->second);
    report.summary["label_health"]["imbalance_ratio"] = ratio;
    if (ratio > in.spec.checks.max_imbalance_ratio) {
      Finding f;
      f.check = "label_health";
      f.severity = Severity::kWarning;
      f.message = fmt::format("train is imbalanced: \"{}\" has {} examples but \"{}\" only {} (ratio {:.1f}, "
                              "above {}); the model will favour the large labels, so watch the small "
                              "labels' recall",
                              largest->first, largest->second, smallest->first, smallest->second,
                              ratio, in.spec.checks.max_imbalance_ratio);
      f.details = {{"kind", "imbalance"}, {"ratio", ratio}, {"largest", largest->first},
                   {"smallest", smallest->first}};
      report.findings.push_back(std::move(f));
    }
  }

  for (size_t s = 1; s < in.splits.size(); ++s) {
    const Split& split = in.splits[s];
    for (const auto& [label, rows] : rows_by_label[s]) {
      if (train_counts.count(label)) continue;
      // The declared out-of-scope label only in validation (or test) is the threshold-only
      // set-up: the model learns no class for it, and training tunes the rejection threshold
      // on those rows (docs/evaluation.md), so they are not "always wrong".
      if (!in.spec.oos_label.empty() && label == in.spec.oos_label) {
        Finding f;
        f.check = "label_health";
        f.severity = Severity::kInfo;
        f.message = fmt::format("out-of-scope label \"{}\" is used by {} rows of {} and never in train: the model "
                                "learns no class for it and rejects texts below a confidence threshold{}",
                                label, rows.size(), split.file,
                                split.name == "validation" ? ", chosen on these rows" : "");
        f.details = {{"kind", "oos_label_not_in_train"}, {"split", split.name}, {"label", label},
                     {"count", rows.size()}};
        report.findings.push_back(std::move(f));
        continue;
      }
      Finding f;
      f.check = "label_health";
      f.severity = Severity::kError;
      f.message = fmt::format("label \"{}\" is used by {} rows of {} but never in train: the model can never "
                              "predict it, so these rows are always wrong; add training examples or fix "
                              "the labels",
                              label, rows.size(), split.file);
      for (uint32_t i : rows) f.rows.push_back(split.Ref(i));
      f.details = {{"kind", "labels_missing_from_train"}, {"split", split.name}, {"label", label},
                   {"count", rows.size()}};
      report.findings.push_back(std::move(f));
    }
    if (split.name != "test") continue;
    std::vector<std::string> missing;
    for (const auto& [label, n] : train_counts)
      if (!count_of[s].count(label)) missing.push_back(label);
    if (!missing.empty()) {
      Finding f;
      f.check = "label_health";
      f.severity = Severity::kWarning;
      f.message = fmt::format("{} label{} of train never appear{} in {}, so {} never evaluated: {}",
                              missing.size(), missing.size() == 1 ? "" : "s", missing.size() == 1 ? "s" : "",
                              split.file, missing.size() == 1 ? "it is" : "they are", Join(missing, ", "));
      f.details = {{"kind", "labels_missing_from_test"}, {"labels", missing}};
      report.findings.push_back(std::move(f));
    }
  }
}

}  // namespace trainops::check_internal
