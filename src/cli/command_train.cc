// `trainops train`: from a task spec (--task) or from flags alone (--data ...), with any
// spec field that has a flag overridable by it; `--resume DIR` continues a run.
#include <iostream>

#include <fmt/format.h>

#include <trainops/workflows.h>

#include "cli/cli_context.h"
#include "cli/progress_bar.h"
#include "common/error.h"
#include "common/parallel.h"
#include "task/parameters.h"
#include "task/task_spec.h"
#include "train/world.h"

namespace trainops::cli {
namespace {

struct TrainFlags {
  std::string task, data, validation, text_column, label_column, out, resume, on_bad_row, format;
  std::vector<std::string> segment_columns;
  // One flag per parameter-table entry that has one (task/parameters.h), kept as the text
  // the user typed: the table parses and bounds-checks it like a YAML value.
  std::map<std::string, std::string> parameter_text;
  std::vector<std::pair<const Parameter*, CLI::Option*>> parameter_options;
  bool allow_data_errors = false;
  bool list_parameters = false;
  std::string registry;
  bool no_registry = false;

  // The parameters given on the command line, in table order.
  std::vector<std::pair<const Parameter*, std::string>> Given() const {
    std::vector<std::pair<const Parameter*, std::string>> given;
    for (const auto& [p, option] : parameter_options) {
      if (option->count() > 0) given.emplace_back(p, parameter_text.at(p->name));
    }
    return given;
  }
};

// A flag's value checked against the table before anything runs, so the message names
// the flag as typed: "--epochs: got "0"; must be an integer in 1..10000 (spec key
// training.epochs)". The library checks it again when it applies it.
void CheckFlag(const Parameter& p, const std::string& value) {
  try {
    CheckParameterText(p, value);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {} (spec key {})", p.flag, e.what(), p.name));
  }
}

void PrintSummary(const TrainResult& outcome) {
  const auto& run = outcome.run;
  const auto& chosen = run["chosen_checkpoint"];
  std::cout << fmt::format(
      "trained {} ({} labels, {} features) in {:.1f}s ({:.0f} examples/s)\n"
      "selected checkpoint at epoch {:.2f}: validation {} {:.4f}, accuracy {:.4f}\n"
      "stopped: {}\n"
      "model: {}\nrun: {}\n",
      run["hyperparameters"]["model"].get<std::string>(), run["labels"].size(),
      run["features"].get<uint64_t>(), run["wall_seconds"].get<double>(),
      run["examples_per_second"].get<double>(), chosen["epoch"].get<double>(),
      run["metric"].get<std::string>(), chosen["validation_metric"].get<double>(),
      chosen["validation_accuracy"].get<double>(), run["stop_reason"].get<std::string>(),
      outcome.model_path, (std::filesystem::path(outcome.run_dir) / "run.json").string());
}

}  // namespace

void RegisterTrain(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand("train", "Train a model with monitored checkpoints");
  cmd->footer(
      "Examples:\n"
      "  trainops train --task task.yaml --output runs/r1\n"
      "  trainops train --data train.csv --text-column text --label-column intent --output runs/r1\n"
      "  trainops train --resume runs/r1\n"
      "Writes DIR/model.bin (the selected checkpoint), DIR/checkpoints/, DIR/metrics.jsonl\n"
      "and DIR/run.json. Flags override the spec's fields; --list-parameters prints every\n"
      "parameter with its YAML key, flag, bounds and default.");
  cmd->add_option("--task", flags->task, "Task spec (YAML)");
  cmd->add_option("--data", flags->data, "Training file (overrides data.train)");
  cmd->add_option("--validation", flags->validation, "Validation file (default: a seeded split of train)");
  cmd->add_option("--text-column", flags->text_column, "Column holding the text");
  cmd->add_option("--label-column", flags->label_column, "Column holding the label");
  cmd->add_option("--segment-columns", flags->segment_columns, "Segment columns")->delimiter(',');
  cmd->add_option("--format", flags->format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", flags->on_bad_row, "error (default) or skip");
  cmd->add_option("--output,--out", flags->out, "Output folder for the run");
  cmd->add_option("--resume", flags->resume, "Continue the interrupted run in this folder");
  for (const Parameter& p : Parameters()) {
    if (p.flag.empty()) continue;
    std::string help = p.help;
    if (!help.empty()) help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
    CLI::Option* option =
        cmd->add_option(p.flag, flags->parameter_text[p.name],
                        fmt::format("{} [{}; default {}; spec key {}]", help, p.BoundsText(), p.DefaultText(), p.name));
    option->type_name(p.type == ParameterType::kFloat ? "NUMBER"
                      : p.type == ParameterType::kInt || p.type == ParameterType::kUint64 ? "INT"
                                                                                           : "TEXT");
    flags->parameter_options.emplace_back(&p, option);
  }
  cmd->add_flag("--list-parameters", flags->list_parameters,
                "Print the parameter table (YAML key, flag, bounds, default) as Markdown and exit; "
                "docs/task_spec.md's parameter section is this output");
  cmd->add_flag("--allow-data-errors", flags->allow_data_errors,
                "Train even when check-data finds errors in the data (they are recorded in run.json)");
  cmd->add_option("--registry", flags->registry,
                  "Record the run in this registry (default: the spec's, or .trainops/registry.db found here)");
  cmd->add_flag("--no-registry", flags->no_registry, "Do not record the run in a registry");
  cmd->callback([flags, &ctx] {
    if (flags->list_parameters) {
      std::cout << RenderParameterMarkdown();
      return;
    }
    // Under mpirun only rank 0 reports (docs/scale.md); the others train silently, and
    // their errors still reach stderr.
    if (World::Get().rank() != 0) ctx.quiet = true;
    ProgressBar progress(ctx.quiet);
    Messages messages = ctx.messages();
    messages.info = [&](const std::string& m) {
      progress.Clear();
      ctx.Info(m);
    };
    TrainProgress callbacks;
    callbacks.on_progress = [&](uint64_t done, uint64_t total, double rate, double epoch) {
      progress.Update(done, total, rate, static_cast<int>(epoch));
    };
    callbacks.on_checkpoint = [&](const nlohmann::json& record) { progress.Checkpoint(record); };
    if (flags->out == "-") {
      throw InputError("--output -: a training run writes a run folder (model, checkpoints, metrics), which "
                       "cannot be standard output; name a folder, e.g. --output runs/r1");
    }
    TrainResult result;
    if (!flags->resume.empty()) {
      if (!flags->out.empty() && flags->out != flags->resume) {
        throw InputError("--resume DIR continues the run in DIR; do not combine it with a different --output");
      }
      // A resumed run keeps the parameters it started with; only the thread count may differ.
      std::optional<int> threads;  // unset: the run's own thread count
      for (const auto& [p, value] : flags->Given()) {
        if (p->name != "threads") {
          throw InputError(fmt::format("{} cannot change a resumed run (it continues with the parameters it "
                                       "started with; see its run folder's train_config.json); drop {}, or "
                                       "start a new run with --output",
                                       p->flag, p->flag));
        }
        CheckFlag(*p, value);
        TaskSpec threads_only;
        SetParameter(threads_only, p->name, value);
        threads = ResolveThreads(threads_only.threads);  // `auto`: every core, as in a new run
      }
      result = ResumeTraining(flags->resume, threads, flags->registry, !flags->no_registry, messages, callbacks);
    } else {
      TrainOptions options;
      options.task = flags->task;
      options.data = flags->data;
      options.validation = flags->validation;
      options.text_column = flags->text_column;
      options.label_column = flags->label_column;
      options.segment_columns = flags->segment_columns;
      options.format = flags->format;
      options.on_bad_row = flags->on_bad_row;
      for (const auto& [p, value] : flags->Given()) {
        CheckFlag(*p, value);
        options.parameters[p->name] = value;
      }
      options.out = flags->out;
      options.allow_data_errors = flags->allow_data_errors;
      options.registry = flags->registry;
      options.record_in_registry = !flags->no_registry;
      result = Train(options, messages, callbacks);
    }
    progress.Clear();
    if (!ctx.quiet && !result.model_path.empty()) {
      PrintSummary(result);
      if (!result.model_id.empty()) {
        std::cout << fmt::format("registered model {} as {} (registry: {})\n", result.model_id.substr(0, 12),
                                 result.model_status, result.registry);
      }
    }
  });
}

}  // namespace trainops::cli
