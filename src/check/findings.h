// The findings of `trainops check-data`: one record per problem, with a stable snake_case
// check name, a severity, a one-line explanation for people and the file:line of every
// row involved, plus renderers for the JSON, Markdown and terminal forms of a report.
// Plain data; not thread-safe (checks append from one thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

enum class Severity { kInfo = 0, kWarning = 1, kError = 2 };
std::string SeverityName(Severity severity);  // "info" | "warning" | "error"

struct RowRef {
  std::string file;
  uint64_t line = 0;
  bool operator==(const RowRef&) const = default;
};

struct Finding {
  std::string check;  // broken_rows, duplicates, conflicting_labels, leakage, label_health,
                      // staleness, label_errors, outliers, thin_segments
  Severity severity = Severity::kWarning;
  std::string message;
  std::vector<RowRef> rows;
  nlohmann::json details = nlohmann::json::object();  // check-specific fields
};

// A row that `--write-clean` may drop, and why.
struct Removal {
  enum class Kind { kBroken, kExactDuplicate, kConflict, kLeak };
  Kind kind;
  size_t split = 0;  // index into the report's files
  uint64_t line = 0;
  std::string reason;
};

struct CheckReport {
  std::vector<Finding> findings;
  nlohmann::json summary = nlohmann::json::object();  // filled by RunCheckData
  std::vector<Removal> removals;

  size_t Count(Severity severity) const;
  bool HasErrors() const { return Count(Severity::kError) > 0; }
  // Recomputes summary["errors"/"warnings"/"infos"/"by_check"] from the findings.
  void Tally();
  nlohmann::json ToJson() const;  // {"summary": ..., "findings": [...]}
  std::string ToMarkdown() const;
  // Grouped by check; lists of rows longer than `max_rows` end with "... and N more".
  std::string ToText(size_t max_rows = 8) const;
};

}  // namespace trainops
