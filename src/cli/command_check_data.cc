// `trainops check-data`: runs every data check on a task's files (--task) or on files
// named by flags (--data ...), prints a summary grouped by check, optionally writes JSON,
// Markdown and cleaned copies. Exit 0 without errors, 1 with errors, 2 on usage or
// unreadable input.
#include <iostream>

#include <fmt/format.h>

#include <trainops/workflows.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"

namespace trainops::cli {
namespace {

struct CheckFlags {
  CheckDataOptions options;
  std::string json, markdown;
};

}  // namespace

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
  cmd->add_option("--task", f->options.task, "Task spec (YAML)");
  cmd->add_option("--data", f->options.data, "Training file (overrides data.train)");
  cmd->add_option("--validation", f->options.validation, "Validation file");
  cmd->add_option("--test", f->options.test, "Test file");
  cmd->add_option("--text-column", f->options.text_column, "Column holding the text");
  cmd->add_option("--label-column", f->options.label_column, "Column holding the label");
  cmd->add_option("--time-column", f->options.time_column, "Column holding an ISO 8601 time (staleness)");
  cmd->add_option("--segment-columns", f->options.segment_columns, "Segment columns (thin segments)")->delimiter(',');
  cmd->add_option("--labels", f->options.labels, "The label set; any other label is a broken row")->delimiter(',');
  cmd->add_option("--format", f->options.format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", f->options.on_bad_row, "error (default: broken rows are errors) or skip (warnings)");
  AddJsonOption(cmd, f->json, "Write the report");
  cmd->add_option("--markdown", f->markdown, "Write the report as Markdown for a review (- for stdout)");
  cmd->add_option("--write-clean", f->options.write_clean, "Write cleaned copies and removed.csv into this folder");
  cmd->add_flag("--drop-conflicts", f->options.drop_conflicts, "With --write-clean, also drop conflicting-label rows");
  cmd->add_option("--now", f->options.now, "Reference time for ages, ISO 8601 (default: the current time)");
  cmd->add_option("--max-age", f->options.max_age, "Rows older than this are stale, e.g. 365d (checks.max_age)");
  cmd->add_option("--min-examples-per-label", f->options.min_examples_per_label, "Error below this many (default 10)");
  cmd->add_option("--max-imbalance-ratio", f->options.max_imbalance_ratio, "Warn above this largest/smallest ratio");
  cmd->add_option("--near-duplicate-threshold", f->options.near_duplicate_threshold, "Jaccard for near-duplicate leakage (0.9)");
  cmd->add_option("--label-error-folds", f->options.label_error_folds, "Folds for label errors (5; 0 = off)");
  cmd->add_option("--min-segment-examples", f->options.min_segment_examples, "Thin below this many per label x segment");
  cmd->add_option("--max-rows", f->options.max_rows,
                  "Check a seeded uniform sample of this many rows of a larger file (label counts stay exact)");
  cmd->add_option("--threads", f->options.threads, "Threads (0 = all cores)");
  cmd->add_option("--seed", f->options.seed, "Random seed (fold assignment)");
  cmd->callback([f, &ctx] {
    CommandInputs inputs;
    inputs.AddTask(f->options.task);
    inputs.Add("--data", f->options.data);
    inputs.Add("--validation", f->options.validation);
    inputs.Add("--test", f->options.test);
    CheckOutputPath(f->json, "--json", inputs);
    CheckOutputPath(f->markdown, "--markdown", inputs);
    CheckOneStdout({{"--json", f->json}, {"--markdown", f->markdown}});
    const CheckDataResult result = CheckData(f->options, ctx.messages(), ctx.verbose ? 1000 : 8);
    const nlohmann::json& j = result.report;
    const nlohmann::json& summary = j["summary"];
    if (f->json == "-") {
      std::cout << j.dump(2) << "\n";
    } else if (f->markdown != "-") {
      for (const auto& file : summary["files"]) {
        std::cout << fmt::format("{} {}: {} rows read, {} loaded, {} broken\n", file["split"].get<std::string>(),
                                 file["file"].get<std::string>(), file["rows_read"].get<uint64_t>(),
                                 file["rows_loaded"].get<uint64_t>(), file["broken_rows"].get<uint64_t>());
        if (file.contains("sampled")) {
          std::cout << fmt::format("  more rows than checks.max_rows ({}): checked a uniform sample of {} (label "
                                   "counts are exact)\n",
                                   file["sampled"]["max_rows"].get<int>(), file["sampled"]["rows_checked"].get<uint64_t>());
        }
      }
      for (const auto& [check, why] : summary["checks_skipped"].items()) {
        std::cout << fmt::format("{}: skipped, {}\n", check, why.get<std::string>());
      }
      std::cout << "\n" << result.text;
    }
    if (!f->json.empty() && f->json != "-") {
      WriteFileAtomically(f->json, j.dump(2) + "\n");
      ctx.Info("report written to " + f->json);
    }
    if (!f->markdown.empty()) {
      WriteOutput(f->markdown, result.markdown);
      if (f->markdown != "-") ctx.Info("review written to " + f->markdown);
    }
    if (summary.contains("write_clean")) {
      for (const auto& file : summary["write_clean"]["files"]) {
        ctx.Info(fmt::format("cleaned {} -> {} ({} rows kept, {} removed)", file["source"].get<std::string>(),
                             file["written"].get<std::string>(), file["rows_kept"].get<uint64_t>(),
                             file["rows_removed"].get<uint64_t>()));
      }
      ctx.Info("removed rows listed in " + summary["write_clean"]["removed"].get<std::string>());
    }
    if (result.has_errors) throw ExitRequest{1};
  });
}

}  // namespace trainops::cli
