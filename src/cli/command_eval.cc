// `trainops eval`: metrics of a model on a labelled file, as JSON (--json OUT, or - for
// stdout), a readable table, a self-contained HTML report (--report) and Markdown
// (--markdown): per-segment scores with bootstrap intervals, calibration, out-of-scope
// behaviour and failure categories. Settings come from flags, else the task spec's
// `evaluation:` section (--task), else defaults.
#include <iostream>

#include <fmt/format.h>

#include <trainops/workflows.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"

namespace trainops::cli {
namespace {

struct EvalFlags {
  EvaluateOptions options;
  std::string json, report, markdown;
};

// " [low, high]" for an interval, "" for none (--resamples 0).
std::string Interval(const nlohmann::json& ci) {
  return ci.is_array() ? fmt::format(" [{:.4f}, {:.4f}]", ci[0].get<double>(), ci[1].get<double>()) : "";
}

// Multi-label reports (eval/multi_label_eval.h): set metrics, then labels and failures.
void PrintMultiLabelTable(const nlohmann::json& j) {
  std::cout << fmt::format("n {}  micro_f1 {:.4f}{}  exact_match {:.4f}{}  macro_f1 {:.4f}  samples_f1 {:.4f}\n",
                           j["n"].get<uint64_t>(), j["micro_f1"].get<double>(), Interval(j["micro_f1_ci"]),
                           j["exact_match"].get<double>(), Interval(j["exact_match_ci"]), j["macro_f1"].get<double>(),
                           j["samples_f1"].get<double>());
  std::cout << fmt::format("hamming_loss {:.4f}  labels per message {:.2f} (predicted {:.2f})  thresholds: {}\n\n",
                           j["hamming_loss"].get<double>(), j["label_cardinality"].get<double>(),
                           j["predicted_cardinality"].get<double>(),
                           j["threshold"].is_string() ? j["threshold"].get<std::string>()
                                                      : fmt::format("{:.3f} for every label", j["threshold"].get<double>()));
  const auto labels = j["labels"].get<std::vector<std::string>>();
  size_t width = 5;
  for (const auto& l : labels) width = std::max(width, l.size());
  std::cout << fmt::format("{:<{}}  {:>9}  {:>6}  {:>6}  {:>7}\n", "label", width, "precision", "recall", "f1", "support");
  for (const auto& label : labels) {
    const auto& m = j["per_label"][label];
    if (m["support"].get<uint64_t>() == 0 && m["predicted"].get<uint64_t>() == 0) continue;
    std::cout << fmt::format("{:<{}}  {:>9.4f}  {:>6.4f}  {:>6.4f}  {:>7}\n", label, width, m["precision"].get<double>(),
                             m["recall"].get<double>(), m["f1"].get<double>(), m["support"].get<uint64_t>());
  }
  const auto& cats = j["failures"]["categories"];
  if (!cats.empty()) {
    std::cout << fmt::format("\nfailure categories ({} wrong label decisions), largest first:\n",
                             j["failures"]["total_errors"].get<uint64_t>());
    for (size_t i = 0; i < cats.size() && i < 10; ++i) {
      std::cout << fmt::format("  {:>2}. {:<60} {:>6}  {:>5.1f}%\n", cats[i]["rank"].get<int>(),
                               cats[i]["title"].get<std::string>(), cats[i]["count"].get<uint64_t>(),
                               100 * cats[i]["share"].get<double>());
    }
  }
  const auto& pairs = j["failures"]["confused_pairs"];
  if (!pairs.empty()) {
    std::cout << "\nmost confused (gold label missed, other label predicted in the same message):\n";
    for (size_t i = 0; i < pairs.size() && i < 5; ++i) {
      std::cout << fmt::format("  {:<60} {:>6}\n", pairs[i]["title"].get<std::string>(), pairs[i]["count"].get<uint64_t>());
    }
  }
}

void PrintTable(const nlohmann::json& j) {
  if (j.value("task_kind", "") == "multi_label") return PrintMultiLabelTable(j);
  std::cout << fmt::format("n {}  accuracy {:.4f}{}  macro_f1 {:.4f}  weighted_f1 {:.4f}\n", j["n"].get<uint64_t>(),
                           j["accuracy"].get<double>(), Interval(j["accuracy_ci"]), j["macro_f1"].get<double>(),
                           j["weighted_f1"].get<double>());
  const auto& cal = j["calibration"];
  std::cout << fmt::format("ECE {:.4f} before calibration, {:.4f} after (temperature {:.3f})\n",
                           cal["ece_before"].get<double>(), cal["ece_after"].get<double>(),
                           cal["temperature"].get<double>());
  const auto& o = j["oos"];
  if (o["enabled"].get<bool>()) {
    std::cout << fmt::format(
        "out-of-scope \"{}\" (threshold {:.4f}, {}): in-scope accuracy {:.4f}, oos recall {:.4f}, oos precision "
        "{:.4f}, overall accuracy {:.4f}\n",
        o["label"].get<std::string>(), o["threshold"].get<double>(), o["threshold_source"].get<std::string>(),
        o["in_scope_accuracy"].get<double>(), o["oos_recall"].get<double>(), o["oos_precision"].get<double>(),
        o["overall_accuracy"].get<double>());
  }
  std::cout << "\n";
  const auto labels = j["confusion"]["labels"].get<std::vector<std::string>>();
  size_t width = 5;
  for (const auto& l : labels) width = std::max(width, l.size());
  std::cout << fmt::format("{:<{}}  {:>9}  {:>6}  {:>6}  {:>7}\n", "label", width, "precision", "recall", "f1",
                           "support");
  for (const auto& label : labels) {
    const auto& m = j["per_label"][label];
    if (m["support"].get<uint64_t>() == 0 && m["predicted"].get<uint64_t>() == 0) continue;
    std::cout << fmt::format("{:<{}}  {:>9.4f}  {:>6.4f}  {:>6.4f}  {:>7}\n", label, width,
                             m["precision"].get<double>(), m["recall"].get<double>(), m["f1"].get<double>(),
                             m["support"].get<uint64_t>());
  }
  for (const auto& col : j["segments"]["columns"]) {
    std::cout << fmt::format("\nsegments by {}:\n", col["column"].get<std::string>());
    for (const auto& s : col["segments"]) {
      std::cout << fmt::format("  {:<24} n {:>6}  accuracy {:.4f}{}  macro_f1 {:.4f}{}{}\n",
                               s["value"].get<std::string>(), s["n"].get<uint64_t>(), s["accuracy"].get<double>(),
                               Interval(s["accuracy_ci"]), s["macro_f1"].get<double>(), s["too_small"].get<bool>() ? "  (too small)" : "",
                               s["single_class"].get<bool>() ? "  (one class)" : "");
    }
    const auto& g = col["gap"];
    if (g.contains("gap")) {
      std::cout << fmt::format("  gap best-worst {:.4f} ({} vs {}), permutation p = {:.4f}: {}\n",
                               g["gap"].get<double>(), g["best"].get<std::string>(), g["worst"].get<std::string>(),
                               g["p_value"].get<double>(),
                               g["larger_than_chance"].get<bool>() ? "larger than chance" : "within chance");
    }
  }
  const auto& cats = j["failures"]["categories"];
  if (!cats.empty()) {
    std::cout << fmt::format("\nfailure categories ({} errors), by impact:\n", j["failures"]["total_errors"].get<uint64_t>());
    for (size_t i = 0; i < cats.size() && i < 10; ++i) {
      std::cout << fmt::format("  {:>2}. {:<60} {:>6}  {:>5.1f}%  impact {:.1f}\n", cats[i]["rank"].get<int>(),
                               cats[i]["title"].get<std::string>(), cats[i]["count"].get<uint64_t>(),
                               100 * cats[i]["share"].get<double>(), cats[i]["impact"].get<double>());
    }
  }
}

}  // namespace

void RegisterEval(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<EvalFlags>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a model on labelled data");
  cmd->footer(
      "Examples:\n"
      "  trainops eval --model runs/r1/model.bin --data test.csv\n"
      "  trainops eval --model runs/r1/model.bin --data test.csv --json metrics.json --report report.html\n"
      "  trainops eval --model m.bin --data bitext.csv --segments tags --segment-split chars\n"
      "  trainops eval --model m.bin --data d.csv --segments tags,topics --segment-split tags=chars "
      "--segment-split 'topics=;'\n"
      "JSON keys: accuracy, macro_f1, weighted_f1, n, per_label, confusion, segments, calibration, oos, failures.\n"
      "See docs/evaluation.md.");
  cmd->add_option("--model", f->options.model, "Model file (model.bin)")->required();
  cmd->add_option("--data", f->options.data, "Labelled file")->required();
  cmd->add_option("--task", f->options.task, "Task spec whose evaluation: section (and segment columns, oos_label) apply");
  cmd->add_option("--text-column", f->options.text_column, "Text column (default: the model's)");
  cmd->add_option("--label-column", f->options.label_column, "Label column (default: the model's)");
  cmd->add_option("--format", f->options.format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", f->options.on_bad_row, "error (default) or skip");
  cmd->add_option("--segments", f->options.segments, "Segment columns to score separately")->delimiter(',');
  cmd->add_option("--segment-split", f->options.segment_split,
                  "Several values per cell: chars (one per character) or a separator such as ';', for every "
                  "segment column; COL=SPLIT for one column (repeat the flag per column; split at the first '=')")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--resamples", f->options.resamples, "Bootstrap resamples for intervals (default 1000)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--min-support", f->options.min_support, "Segments with fewer rows are flagged too small (default 50)")
      ->check(CLI::Range(1, 1000000000));
  cmd->add_option("--seed", f->options.seed, "Seed for bootstrap and permutation tests");
  cmd->add_option("--threshold", f->options.threshold,
                  "Reject as the out-of-scope label below this rejection score (0 = off; default: the model's)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--oos-label", f->options.oos_label, "Out-of-scope label (default: the model's)");
  cmd->add_option("--max-examples", f->options.max_examples, "Example texts per failure category (default 5)")
      ->check(CLI::Range(0, 100000));
  AddJsonOption(cmd, f->json, "Write the metrics");
  cmd->add_option("--report", f->report, "Write a self-contained HTML report to this file (- for stdout)");
  cmd->add_option("--markdown", f->markdown, "Write a Markdown report to this file (- for stdout)");
  cmd->add_option("--threads", f->options.threads, "Threads (0 = all cores)");
  cmd->callback([f, &ctx] {
    CommandInputs inputs;
    inputs.Add("--model", f->options.model);
    inputs.Add("--data", f->options.data);
    inputs.Add("--task", f->options.task);
    CheckOutputPath(f->json, "--json", inputs);
    CheckOutputPath(f->report, "--report", inputs);
    CheckOutputPath(f->markdown, "--markdown", inputs);
    CheckOneStdout({{"--json", f->json}, {"--report", f->report}, {"--markdown", f->markdown}});
    const EvaluateResult result = EvaluateModel(f->options);
    for (const auto& w : result.warnings) ctx.Warn(w);
    const nlohmann::json& j = result.report;
    const auto dump = [&] { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"; };
    // Files first, standard output last: a failed write is reported before any result.
    const auto written = [&](const std::string& path, const std::string& what) {
      if (!path.empty() && path != "-") ctx.Info(what + " written to " + path);
    };
    if (!f->report.empty()) WriteOutput(f->report, EvaluationHtml(j));
    written(f->report, "HTML report");
    if (!f->markdown.empty()) WriteOutput(f->markdown, EvaluationMarkdown(j));
    written(f->markdown, "Markdown report");
    if (!f->json.empty()) WriteOutput(f->json, dump());
    written(f->json, "metrics");
    if (f->json != "-" && f->report != "-" && f->markdown != "-") PrintTable(j);
  });
}

}  // namespace trainops::cli
