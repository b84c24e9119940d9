// The thin_segments check: for each segment column, label x segment-value combinations
// of train and test with fewer than checks.min_segment_examples rows (but at least one),
// since per-segment metrics on a handful of rows are noise. Not thread-safe.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "check/checks_internal.h"

namespace trainops::check_internal {

void CheckThinSegments(const CheckInput& in, CheckReport& report) {
  const auto& columns = in.spec.data.segment_columns;
  if (columns.empty()) {
    report.summary["checks_skipped"]["thin_segments"] = "no segment columns (data.segment_columns)";
    return;
  }
  const size_t minimum = static_cast<size_t>(in.spec.checks.min_segment_examples);
  nlohmann::json stats = nlohmann::json::object();
  for (const Split& split : in.splits) {
    if (split.name == "validation") continue;  // per-segment evaluation uses test; training uses train
    for (size_t c = 0; c < columns.size(); ++c) {
      std::map<std::pair<std::string, std::string>, std::vector<uint32_t>> combos;  // (value, label)
      for (uint32_t i = 0; i < split.examples.size(); ++i) {
        const Example& e = split.examples[i];
        std::string value = c < e.segments.size() ? e.segments[c] : "";
        for (const std::string& label : LabelsOf(e, in.spec.data.multi_label)) {
          combos[{value.empty() ? "(missing)" : value, label}].push_back(i);
        }
      }
      std::vector<const decltype(combos)::value_type*> thin;
      for (const auto& entry : combos)
        if (entry.second.size() < minimum) thin.push_back(&entry);
      std::stable_sort(thin.begin(), thin.end(),
                       [](auto* a, auto* b) { return a->second.size() < b->second.size(); });
      for (const auto* entry : thin) {
        const auto& [value, label] = entry->first;
        Finding f;
        f.check = "thin_segments";
        f.severity = Severity::kWarning;
        f.message = fmt::format("{}: only {} example{} of \"{}\" with {} = \"{}\" (minimum {}): too few for {}",
                                split.file, entry->second.size(), entry->second.size() == 1 ? "" : "s", label,
                                columns[c], value, minimum,
                                split.name == "test" ? "per-segment metrics to mean anything"
                                                     : "the model to learn this segment");
        for (uint32_t i : entry->second) f.rows.push_back(split.Ref(i));
        f.details = {{"split", split.name}, {"column", columns[c]}, {"value", value}, {"label", label},
                     {"count", entry->second.size()}, {"minimum", minimum}};
        report.findings.push_back(std::move(f));
      }
      stats[split.name][columns[c]] = {{"combinations", combos.size()}, {"thin", thin.size()}};
    }
  }
  report.summary["thin_segments"] = stats;
}

}  // namespace trainops::check_internal
