// `trainops select`: which messages of a window of traffic to label first. A thin layer
// over SelectForLabeling (trainops/select.h, docs/select.md): flags in, CSV out.
// Exit codes: 0 selected, 2 bad input.
#include <iostream>

#include <fmt/format.h>
#include <trainops/select.h>

#include "cli/cli_context.h"

namespace trainops::cli {
namespace {

struct SelectFlags {
  SelectOptions options;
  double random_share = 0;
  uint64_t seed = 0;
  CLI::Option* random_share_option = nullptr;
  CLI::Option* seed_option = nullptr;
};

}  // namespace

void RegisterSelect(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<SelectFlags>();
  CLI::App* cmd = app.add_subcommand("select", "Pick the messages of a window of traffic to label first");
  cmd->footer(
      "Example:\n"
      "  trainops select --task task.yaml --traffic week07.csv --budget 40 --output to_label.csv\n"
      "Picks uncertain messages (low top-two margin), messages from drifted regions (unseen words, low\n"
      "feature coverage, rejected as out of scope), diverse ones (a paraphrase of a pick is discounted, a\n"
      "duplicate never picked twice), plus a uniform random share of the budget (default 10%) so accuracy\n"
      "estimated from the labels stays unbiased. The output keeps every input column and adds score and\n"
      "reason, in the order to label them (docs/select.md). Exit 0 selected, 2 error.");
  SelectOptions& o = f->options;
  cmd->add_option("--task", o.task, "Task spec (its text column, seed and registry apply)")->required();
  cmd->add_option("--traffic", o.traffic, "The window of traffic: CSV, TSV or JSONL with the text column");
  cmd->add_option("--since", o.since, "Or: window start in the server's traffic log (ISO-8601 UTC, inclusive)");
  cmd->add_option("--until", o.until, "Window end in the traffic log (exclusive; default: now)");
  cmd->add_option("--traffic-log", o.traffic_log, "Traffic log database (default: traffic.db next to the registry)");
  cmd->add_option("--budget", o.budget, "How many messages to pick")->required();
  cmd->add_option("--output", o.output, "Output CSV (- for stdout)")->required();
  cmd->add_option("--model", o.model, "Model file (default: the task's production model in its registry)");
  cmd->add_option("--registry", o.registry, "Registry database (default: .trainops/registry.db next to the spec)");
  f->random_share_option = cmd->add_option("--random-share", f->random_share,
                                           "Share of the budget drawn uniformly at random (default 0.1)");
  f->seed_option = cmd->add_option("--seed", f->seed, "Seed of the random share (default: the spec's seed)");
  cmd->add_option("--text-column", o.text_column, "Text column (default: the spec's data.text_column)");
  cmd->add_option("--format", o.format, "csv, tsv or jsonl (default: by extension)");
  cmd->callback([f, &ctx] {
    CommandInputs inputs;
    inputs.AddTask(f->options.task, f->options.registry);
    if (!f->options.traffic.empty()) inputs.Add("--traffic", f->options.traffic);
    if (!f->options.model.empty()) inputs.Add("--model", f->options.model);
    if (!f->options.traffic_log.empty()) inputs.Add("--traffic-log", f->options.traffic_log);
    CheckOutputPath(f->options.output, "--output", inputs);
    SelectOptions options = f->options;
    if (f->random_share_option->count()) options.random_share = f->random_share;
    if (f->seed_option->count()) options.seed = f->seed;
    const SelectResult r = SelectForLabeling(options, ctx.messages());
    if (options.output == "-") std::cout << SelectionCsv(r);
    for (const auto& note : r.notes) ctx.Info("note: " + note);
    ctx.Info(fmt::format("selected {} of {} rows ({} random, {} duplicate(s) never picked twice) with model {}{}",
                         r.rows.size(), r.window_rows, r.random_picks, r.duplicate_rows, r.model_id.substr(0, 12),
                         options.output == "-" ? "" : " -> " + options.output));
  });
}

}  // namespace trainops::cli
