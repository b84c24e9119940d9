// `trainops check-data`: runs every data check on a task's files (--task) or on files
// named by flags (--data ...), prints a summary grouped by check, optionally writes JSON,
// Markdown and cleaned copies. Exit 0 without errors, 1 with errors, 2 on usage or
// unreadable input.
#include <iostream>

#include <fmt/format.h>

#include "check/check_data.h"
#include "check/pre_train_gate.h"
#include "check/timestamp.h"
#include "check/write_clean.h"
#include "cli/cli_context.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/strings.h"
#include "task/task_spec.h"

namespace trainops::cli {
namespace {

struct CheckFlags {
  std::string task, data, validation, test, text_column, label_column, time_column, format, on_bad_row;
  std::vector<std::string> segment_columns, labels;
  std::string json, markdown, write_clean, now, max_age;
  bool drop_conflicts = false;
  std::optional<int> min_examples_per_label, label_error_folds, min_segment_examples, threads;
  std::optional<double> near_duplicate_threshold, max_imbalance_ratio;
  std::optional<uint64_t> seed;
};

TaskSpec BuildCheckSpec(const CheckFlags& f) {
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
  if (f.near_duplicate_threshold) spec.checks.near_duplicate_threshold = *f.near_duplicate_threshold;
  if (f.max_imbalance_ratio) spec.checks.max_imbalance_ratio = *f.max_imbalance_ratio;
  if (f.threads) spec.threads = *f.threads;
  if (f.seed) spec.seed = *f.seed;
  spec.Validate();
  return spec;
}

}  // namespace

nlohmann::json CheckDataBeforeTraining(const TaskSpec& spec, bool allow_errors, const CliContext& ctx) {
  CheckOptions options;
  options.info = [&ctx](const std::string& m) { ctx.Debug(m); };
  const PreTrainVerdict verdict = CheckBeforeTraining(spec, options);
  const CheckReport& report = verdict.report;
  std::vector<std::string> parts;
  for (const auto& [check, counts] : report.summary["by_check"].items()) {
    const int n = counts["error"].get<int>() + counts["warning"].get<int>();
    if (n > 0) parts.push_back(fmt::format("{} {}", check, n));
  }
  const std::string how = spec.spec_path.empty() ? "trainops check-data --data ..."
                                                  : "trainops check-data --task " + spec.spec_path.string();
  ctx.Info(fmt::format("check-data: {} errors, {} warnings{}; details and likely label errors: `{}`",
                       report.Count(Severity::kError),
                       report.Count(Severity::kWarning), parts.empty() ? "" : " (" + Join(parts, ", ") + ")",
                       how));
  if (verdict.tolerated_conflict_rows > 0) {
    ctx.Warn(fmt::format("{} rows with conflicting labels ({:.3f}% of training rows, under the {:.1f}% tolerance): "
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
        ctx.Warn(fmt::format("... and {} more errors", report.Count(Severity::kError) - 20));
        break;
      }
      ctx.Warn(fmt::format("data error [{}]: {}", f.check, f.message));
    }
    if (!allow_errors && verdict.blocks()) {
      throw InputError(fmt::format("check-data found {} error{} in the data, so training did not start; fix "
                                   "them (`{} --write-clean DIR` writes cleaned copies) or pass "
                                   "--allow-data-errors to train anyway",
                                   verdict.blocking_errors, verdict.blocking_errors == 1 ? "" : "s", how));
    }
  }
  return PreTrainSummary(verdict, allow_errors);
}

void RegisterCheckData(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<CheckFlags>();
  CLI::App* cmd = app.add_subcommand("check-data", "Find what is wrong with the data, row by row, before training");
  cmd->footer(
      "Examples:\n"
      "  trainops check-data --task task.yaml --json report.json\n"
      "  trainops check-data --data train.csv --test test.csv --text-column text --label-column intent\n"
      "  trainops check-data --task task.yaml --write-clean cleaned/\n"
      "Checks: broken_rows, duplicates, conflicting_labels, leakage, label_health, staleness,\n"
      "label_errors, outliers, thin_segments (docs/check_data.md). Exit 0: no errors; 1: errors\n"
      "found; 2: usage or unreadable input.");
  cmd->add_option("--task", f->task, "Task spec (YAML)");
  cmd->add_option("--data", f->data, "Training file (overrides data.train)");
  cmd->add_option("--validation", f->validation, "Validation file");
  cmd->add_option("--test", f->test, "Test file");
  cmd->add_option("--text-column", f->text_column, "Column holding the text");
  cmd->add_option("--label-column", f->label_column, "Column holding the label");
  cmd->add_option("--time-column", f->time_column, "Column holding an ISO 8601 time (staleness)");
  cmd->add_option("--segment-columns", f->segment_columns, "Segment columns (thin segments)")->delimiter(',');
  cmd->add_option("--labels", f->labels, "The label set; any other label is a broken row")->delimiter(',');
  cmd->add_option("--format", f->format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", f->on_bad_row, "error (default: broken rows are errors) or skip (warnings)");
  cmd->add_option("--json", f->json, "Write the report as JSON (- for stdout)");
  cmd->add_option("--markdown", f->markdown, "Write the report as Markdown for a review");
  cmd->add_option("--write-clean", f->write_clean, "Write cleaned copies and removed.csv into this folder");
  cmd->add_flag("--drop-conflicts", f->drop_conflicts, "With --write-clean, also drop conflicting-label rows");
  cmd->add_option("--now", f->now, "Reference time for ages, ISO 8601 (default: the current time)");
  cmd->add_option("--max-age", f->max_age, "Rows older than this are stale, e.g. 365d (checks.max_age)");
  cmd->add_option("--min-examples-per-label", f->min_examples_per_label, "Error below this many (default 10)");
  cmd->add_option("--max-imbalance-ratio", f->max_imbalance_ratio, "Warn above this largest/smallest ratio");
  cmd->add_option("--near-duplicate-threshold", f->near_duplicate_threshold, "Jaccard for near-duplicate leakage (0.9)");
  cmd->add_option("--label-error-folds", f->label_error_folds, "Folds for label errors (5; 0 = off)");
  cmd->add_option("--min-segment-examples", f->min_segment_examples, "Thin below this many per label x segment");
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)");
  cmd->add_option("--seed", f->seed, "Random seed (fold assignment)");
  cmd->callback([f, &ctx] {
    TaskSpec spec = BuildCheckSpec(*f);
    CheckOptions options;
    if (!f->now.empty()) {
      auto now = ParseIsoTimestamp(f->now);
      if (!now) throw InputError(fmt::format("--now \"{}\": not an ISO 8601 time; write e.g. 2025-06-01T00:00:00Z", f->now));
      options.now = *now;
    }
    options.info = [&ctx](const std::string& m) { ctx.Debug(m); };
    CheckReport report = RunCheckData(spec, options);
    if (!f->write_clean.empty()) {
      nlohmann::json clean = WriteCleanCopies(spec, report, f->write_clean, f->drop_conflicts);
      report.summary["write_clean"] = clean;
    }
    const nlohmann::json j = report.ToJson();
    if (f->json == "-") {
      std::cout << j.dump(2) << "\n";
    } else {
      for (const auto& file : report.summary["files"]) {
        std::cout << fmt::format("{} {}: {} rows read, {} loaded, {} broken\n", file["split"].get<std::string>(),
                                 file["file"].get<std::string>(), file["rows_read"].get<uint64_t>(),
                                 file["rows_loaded"].get<uint64_t>(), file["broken_rows"].get<uint64_t>());
      }
      for (const auto& [check, why] : report.summary["checks_skipped"].items()) {
        std::cout << fmt::format("{}: skipped, {}\n", check, why.get<std::string>());
      }
      std::cout << "\n" << report.ToText(ctx.verbose ? 1000 : 8);
    }
    if (!f->json.empty() && f->json != "-") {
      WriteFileAtomically(f->json, j.dump(2) + "\n");
      ctx.Info("report written to " + f->json);
    }
    if (!f->markdown.empty()) {
      WriteFileAtomically(f->markdown, report.ToMarkdown());
      ctx.Info("review written to " + f->markdown);
    }
    if (report.summary.contains("write_clean")) {
      for (const auto& file : report.summary["write_clean"]["files"]) {
        ctx.Info(fmt::format("cleaned {} -> {} ({} rows kept, {} removed)", file["source"].get<std::string>(),
                             file["written"].get<std::string>(), file["rows_kept"].get<uint64_t>(),
                             file["rows_removed"].get<uint64_t>()));
      }
      ctx.Info("removed rows listed in " + report.summary["write_clean"]["removed"].get<std::string>());
    }
    if (report.HasErrors()) throw ExitRequest{1};
  });
}

}  // namespace trainops::cli
