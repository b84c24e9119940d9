// CheckData (include/trainops/workflows.h): `trainops check-data` as a library call, and the
// data check that runs before every training run.
#include <fmt/format.h>

#include <trainops/workflows.h>

#include "api/workflow_support.h"
#include "check/check_data.h"
#include "check/pre_train_gate.h"
#include "check/timestamp.h"
#include "check/write_clean.h"
#include "api/boundary.h"
#include "common/error.h"
#include "common/strings.h"
#include "task/task_spec.h"

namespace trainops {
namespace {

TaskSpec BuildCheckSpec(const CheckDataOptions& f) {
  TaskSpec spec;
  if (!f.task.empty()) {
    spec = LoadTaskSpec(f.task);
  } else {
    if (f.data.empty() || f.text_column.empty() || f.label_column.empty()) {
      throw InputError("check-data needs --task T.yaml, or --data F with --text-column and --label-column");
    }
    spec.name = std::filesystem::path(f.data).stem().string();
  }
  if (!f.data.empty()) spec.data.train = f.data;
  if (!f.validation.empty()) spec.data.validation = f.validation;
  if (!f.test.empty()) spec.data.test = f.test;
  if (!f.text_column.empty()) spec.data.text_column = f.text_column;
  if (!f.label_column.empty()) spec.data.label_column = f.label_column;
  if (!f.time_column.empty()) spec.data.time_column = f.time_column;
  if (!f.segment_columns.empty()) spec.data.segment_columns = f.segment_columns;
  if (!f.labels.empty()) spec.labels = f.labels;
  if (!f.format.empty()) spec.data.format = ParseFileFormat(f.format);
  if (!f.on_bad_row.empty()) spec.data.on_bad_row = ParseBadRowPolicy(f.on_bad_row);
  if (!f.max_age.empty()) {
    try {
      spec.checks.max_age_seconds = ParseDurationSeconds(f.max_age);
    } catch (const InputError& e) {
      throw InputError(std::string("--max-age: ") + e.what());
    }
    spec.checks.max_age = f.max_age;
  }
  if (f.min_examples_per_label) spec.checks.min_examples_per_label = *f.min_examples_per_label;
  if (f.label_error_folds) spec.checks.label_error_folds = *f.label_error_folds;
  if (f.min_segment_examples) spec.checks.min_segment_examples = *f.min_segment_examples;
  if (f.max_rows) spec.checks.max_rows = *f.max_rows;
  if (f.near_duplicate_threshold) spec.checks.near_duplicate_threshold = *f.near_duplicate_threshold;
  if (f.max_imbalance_ratio) spec.checks.max_imbalance_ratio = *f.max_imbalance_ratio;
  if (f.threads) spec.threads = *f.threads;
  if (f.seed) spec.seed = *f.seed;
  spec.Validate();
  return spec;
}

}  // namespace

nlohmann::json CheckDataBeforeTraining(const TaskSpec& spec, bool allow_errors, const Messages& messages) {
  CheckOptions options;
  options.info = [&messages](const std::string& m) { Say(messages.debug, m); };
  const PreTrainVerdict verdict = CheckBeforeTraining(spec, options);
  const CheckReport& report = verdict.report;
  std::vector<std::string> parts;
  for (const auto& [check, counts] : report.summary["by_check"].items()) {
    const int n = counts["error"].get<int>() + counts["warning"].get<int>();
    if (n > 0) parts.push_back(fmt::format("{} {}", check, n));
  }
  const std::string how = spec.spec_path.empty() ? "trainops check-data --data ..."
                                                  : "trainops check-data --task " + spec.spec_path.string();
  Say(messages.info, fmt::format("check-data: {} errors, {} warnings{}; details and likely label errors: `{}`",
                       report.Count(Severity::kError),
                       report.Count(Severity::kWarning), parts.empty() ? "" : " (" + Join(parts, ", ") + ")",
                       how));
  if (verdict.tolerated_conflict_rows > 0) {
    Say(messages.warn, fmt::format("{} rows with conflicting labels ({:.3f}% of training rows, under the {:.1f}% tolerance): "
                         "training goes on; fix them with `{}`",
                         verdict.tolerated_conflict_rows,
                         100.0 * static_cast<double>(verdict.tolerated_conflict_rows) /
                             static_cast<double>(verdict.train_rows),
                         100.0 * kTolerableConflictShare, how));
  }
  if (report.HasErrors()) {
    size_t shown = 0;
    for (const auto& f : report.findings) {
      if (f.severity != Severity::kError) continue;
      if (++shown > 20) {
        Say(messages.warn, fmt::format("... and {} more errors", report.Count(Severity::kError) - 20));
        break;
      }
      Say(messages.warn, fmt::format("[{}] {}", f.check, f.message));
    }
    if (!allow_errors && verdict.blocks()) {
      // The first error travels in the exception too: a library caller (Python) may show
      // only the exception, and it must still say which file, row and field.
      std::string first;
      for (const auto& f : report.findings) {
        if (f.severity == Severity::kError) {
          first = fmt::format(" (the first: [{}] {})", f.check, f.message);
          break;
        }
      }
      throw InputError(fmt::format("check-data found {} error{} in the data{}, so training did not start; fix "
                                   "them (`{} --write-clean DIR` writes cleaned copies) or pass "
                                   "--allow-data-errors to train anyway",
                                   verdict.blocking_errors, verdict.blocking_errors == 1 ? "" : "s", first, how));
    }
  }
  return PreTrainSummary(verdict, allow_errors);
}

namespace {

CheckDataResult CheckDataImpl(const CheckDataOptions& options, const Messages& messages, int max_findings) {
  const TaskSpec spec = BuildCheckSpec(options);
  CheckOptions check;
  if (!options.now.empty()) {
    auto now = ParseIsoTimestamp(options.now);
    if (!now) {
      throw InputError(fmt::format("--now \"{}\": not an ISO 8601 time; write e.g. 2025-06-01T00:00:00Z", options.now));
    }
    check.now = *now;
  }
  check.info = [&messages](const std::string& m) { Say(messages.debug, m); };
  if (!options.write_clean.empty()) {
    CommandInputs inputs;
    inputs.AddTask(options.task);
    inputs.Add("data.train", spec.data.train.string());
    inputs.Add("data.validation", spec.data.validation.string());
    inputs.Add("data.test", spec.data.test.string());
    CheckOutputFolder(options.write_clean, "--write-clean", inputs);
  }
  CheckReport report = RunCheckData(spec, check);
  if (!options.write_clean.empty()) {
    report.summary["write_clean"] = WriteCleanCopies(spec, report, options.write_clean, options.drop_conflicts);
  }
  CheckDataResult result;
  result.has_errors = report.HasErrors();
  result.report = report.ToJson();
  result.text = report.ToText(static_cast<size_t>(std::max(0, max_findings)));
  result.markdown = report.ToMarkdown();
  return result;
}

}  // namespace

CheckDataResult CheckData(const CheckDataOptions& options, const Messages& messages, int max_findings) {
  return AtBoundary([&] { return CheckDataImpl(options, messages, max_findings); });
}

}  // namespace trainops
