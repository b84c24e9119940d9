// `trainops eval`: metrics of a model on a labelled file, as JSON (--json OUT, or - for
// stdout), a readable table, a self-contained HTML report (--report) and Markdown
// (--markdown): per-segment scores with bootstrap intervals, calibration, out-of-scope
// behaviour and failure categories. Settings come from flags, else the task spec's
// `evaluation:` section (--task), else defaults.
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "eval/eval_report.h"
#include "eval/evaluator.h"
#include "model/model_io.h"
#include "report/html_report.h"
#include "report/markdown_report.h"
#include "task/task_spec.h"

namespace trainops::cli {
namespace {

struct EvalFlags {
  std::string model, data, text_column, label_column, json, format, on_bad_row, task, oos_label, report, markdown;
  std::vector<std::string> segments, segment_split;
  std::optional<int> resamples, min_support, max_examples;
  std::optional<uint64_t> seed;
  std::optional<float> threshold;
  int threads = 0;
};

void PrintTable(const nlohmann::json& j, const EvalResult& result) {
  const ConfusionMatrix& c = result.confusion;
  std::cout << fmt::format("n {}  accuracy {:.4f} [{:.4f}, {:.4f}]  macro_f1 {:.4f}  weighted_f1 {:.4f}\n", c.total(),
                           c.Accuracy(), j["accuracy_ci"][0].get<double>(), j["accuracy_ci"][1].get<double>(),
                           c.MacroF1(), c.WeightedF1());
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
  size_t width = 5;
  for (const auto& l : c.labels()) width = std::max(width, l.size());
  std::cout << fmt::format("{:<{}}  {:>9}  {:>6}  {:>6}  {:>7}\n", "label", width, "precision", "recall", "f1",
                           "support");
  for (uint32_t i = 0; i < c.size(); ++i) {
    LabelMetrics m = c.ForLabel(i);
    if (m.support == 0 && m.predicted == 0) continue;
    std::cout << fmt::format("{:<{}}  {:>9.4f}  {:>6.4f}  {:>6.4f}  {:>7}\n", c.labels()[i], width, m.precision,
                             m.recall, m.f1, m.support);
  }
  for (const auto& col : j["segments"]["columns"]) {
    std::cout << fmt::format("\nsegments by {}:\n", col["column"].get<std::string>());
    for (const auto& s : col["segments"]) {
      std::cout << fmt::format("  {:<24} n {:>6}  accuracy {:.4f} [{:.4f}, {:.4f}]  macro_f1 {:.4f}{}{}\n",
                               s["value"].get<std::string>(), s["n"].get<uint64_t>(), s["accuracy"].get<double>(),
                               s["accuracy_ci"][0].get<double>(), s["accuracy_ci"][1].get<double>(),
                               s["macro_f1"].get<double>(), s["too_small"].get<bool>() ? "  (too small)" : "",
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
  cmd->add_option("--model", f->model, "Model file (model.bin)")->required();
  cmd->add_option("--data", f->data, "Labelled file")->required();
  cmd->add_option("--task", f->task, "Task spec whose evaluation: section (and segment columns, oos_label) apply");
  cmd->add_option("--text-column", f->text_column, "Text column (default: the model's)");
  cmd->add_option("--label-column", f->label_column, "Label column (default: the model's)");
  cmd->add_option("--format", f->format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", f->on_bad_row, "error (default) or skip");
  cmd->add_option("--segments", f->segments, "Segment columns to score separately")->delimiter(',');
  cmd->add_option("--segment-split", f->segment_split,
                  "Several values per cell: chars (one per character) or a separator such as ';', for every "
                  "segment column; COL=SPLIT for one column (repeat the flag per column; split at the first '=')")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--resamples", f->resamples, "Bootstrap resamples for intervals (default 1000)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--min-support", f->min_support, "Segments with fewer rows are flagged too small (default 50)")
      ->check(CLI::Range(1, 1000000000));
  cmd->add_option("--seed", f->seed, "Seed for bootstrap and permutation tests");
  cmd->add_option("--threshold", f->threshold,
                  "Reject as the out-of-scope label below this rejection score (0 = off; default: the model's)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--oos-label", f->oos_label, "Out-of-scope label (default: the model's)");
  cmd->add_option("--max-examples", f->max_examples, "Example texts per failure category (default 5)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--json", f->json, "Write metrics as JSON to this file (- for stdout)");
  cmd->add_option("--report", f->report, "Write a self-contained HTML report to this file");
  cmd->add_option("--markdown", f->markdown, "Write a Markdown report to this file (- for stdout)");
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)");
  cmd->callback([f, &ctx] {
    Model model = LoadModel(f->model);
    EvalReportOptions options;
    EvalInput input;
    TaskSpec spec;  // defaults unless --task
    if (!f->task.empty()) {
      spec = LoadTaskSpec(f->task);
      input.segment_columns =
          spec.evaluation.segments.empty() ? spec.data.segment_columns : spec.evaluation.segments;
      input.oos_label = spec.oos_label;
      options.segments.seed = spec.seed;
    }
    const EvaluationSpec& ev = spec.evaluation;
    // Any --segment-split replaces the spec's segment_split as a whole.
    const bool split_from_flags = !f->segment_split.empty();
    if (split_from_flags) {
      options.segments.split = SegmentSplits::ParseFlags(f->segment_split);
    } else {
      options.segments.split = SegmentSplits::FromSpec(ev.segment_split, ev.segment_split_columns);
    }
    options.segments.resamples = f->resamples.value_or(ev.bootstrap_resamples);
    options.segments.permutations = options.segments.resamples;
    options.segments.min_support = static_cast<uint64_t>(f->min_support.value_or(ev.min_segment_support));
    if (f->seed) options.segments.seed = *f->seed;
    options.segments.threads = f->threads;
    options.failures.max_examples = static_cast<size_t>(f->max_examples.value_or(ev.max_failure_examples));
    options.failures.costs = ev.costs;
    if (!f->segments.empty()) input.segment_columns = f->segments;
    if (split_from_flags) options.segments.split.CheckColumns(input.segment_columns, "--segment-split");
    if (!f->oos_label.empty()) input.oos_label = f->oos_label;
    input.data = f->data;
    if (!f->format.empty()) input.format = ParseFileFormat(f->format);
    input.text_column = f->text_column;
    input.label_column = f->label_column;
    if (!f->on_bad_row.empty()) input.on_bad_row = ParseBadRowPolicy(f->on_bad_row);
    input.threads = f->threads;
    if (f->threshold) input.threshold = *f->threshold;
    EvalResult result = Evaluate(model, input);
    for (const auto& p : result.skipped) ctx.Warn("skipped row: " + p.ToString());
    if (input.threshold > 0 && !result.oos_index) {
      ctx.Warn("--threshold has no effect: the model has no out-of-scope label; pass --oos-label NAME");
    }
    nlohmann::json j = BuildEvalReport(model, result, options);
    j["model"] = f->model;
    j["data"] = f->data;
    const auto dump = [&] { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"; };
    if (!f->report.empty()) {
      WriteFileAtomically(f->report, RenderHtmlReport(j));
      ctx.Info("HTML report written to " + f->report);
    }
    if (!f->markdown.empty() && f->markdown != "-") {
      WriteFileAtomically(f->markdown, RenderMarkdownReport(j));
      ctx.Info("Markdown report written to " + f->markdown);
    }
    if (f->json == "-") {
      std::cout << dump();
    } else if (f->markdown == "-") {
      if (!f->json.empty()) WriteFileAtomically(f->json, dump());
      std::cout << RenderMarkdownReport(j);
    } else {
      if (!f->json.empty()) {
        WriteFileAtomically(f->json, dump());
        ctx.Info("metrics written to " + f->json);
      }
      PrintTable(j, result);
    }
  });
}

}  // namespace trainops::cli
