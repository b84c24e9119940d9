// Internal to src/check/: the loaded splits every check reads, and one function per check.
// Each check appends findings (and removal candidates) to the report and may add its own
// statistics under report.summary[<check>]. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "check/findings.h"
#include "data/dataset.h"
#include "task/task_spec.h"

namespace trainops {
struct EncodedData;
}

namespace trainops::check_internal {

struct Split {
  std::string name;  // train | validation | test
  std::filesystem::path path;
  std::string file;  // as shown in findings
  std::vector<Example> examples;
  std::vector<RowProblem> problems;
  uint64_t rows_read = 0;
  // Set when the file had more rows than checks.max_rows: `examples` is then a seeded
  // uniform sample of the rows, `problems` the first ones, and these are the whole file's.
  uint64_t rows_in_file = 0;  // good rows
  uint64_t problems_in_file = 0;
  std::map<std::string, uint64_t> label_counts;
  bool sampled() const { return rows_in_file > examples.size() || problems_in_file > problems.size(); }
  RowRef Ref(size_t example) const { return {file, examples[example].line}; }
};

struct CheckInput {
  const TaskSpec& spec;
  int64_t now = 0;
  int threads = 1;
  std::vector<Split> splits;  // train first, then validation and test when present
  std::function<void(const std::string&)> info;
};

// The labels a row counts for: its set in a multi-label task (none for the empty set),
// else its one label.
inline std::vector<std::string> LabelsOf(const Example& e, bool multi_label) {
  return multi_label ? e.labels : std::vector<std::string>{e.label};
}

// At most this many characters of a text are quoted in messages.
std::string Quote(std::string_view text, size_t max_chars = 80);

void CheckBrokenRows(const CheckInput& in, CheckReport& report);
void CheckDuplicatesAndLeakage(const CheckInput& in, CheckReport& report);
void CheckLabelHealth(const CheckInput& in, CheckReport& report);
void CheckLabelSets(const CheckInput& in, CheckReport& report);
void CheckStaleness(const CheckInput& in, CheckReport& report);
void CheckLabelErrorsAndOutliers(const CheckInput& in, CheckReport& report);
// Multi-label tasks' label_errors, per label, and outliers (called by
// CheckLabelErrorsAndOutliers).
void CheckMultiLabelErrors(const CheckInput& in, CheckReport& report, int folds);
// The outliers check: rows whose TF-IDF vector (`data`, over a vocabulary of `vocab`
// n-grams) has a low cosine with the leave-one-out centroid of a label they have
// (`members[i]`: row i's labels, indices into label_names; one label for single-label
// tasks, the set for multi-label ones); `origin[i]` is row i's (split, example).
void FlagOutliers(const CheckInput& in, const std::vector<std::string>& label_names,
                  const std::vector<std::pair<uint32_t, uint32_t>>& origin, const EncodedData& data, size_t vocab,
                  const std::vector<std::vector<uint32_t>>& members, CheckReport& report);
void CheckThinSegments(const CheckInput& in, CheckReport& report);

}  // namespace trainops::check_internal
