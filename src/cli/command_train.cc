// `trainops train`: from a task spec (--task) or from flags alone (--data ...), with any
// spec field that has a flag overridable by it; `--resume DIR` continues a run.
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "cli/progress_bar.h"
#include "cli/registry_access.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/parallel.h"
#include "task/parameters.h"
#include "task/task_spec.h"
#include "train/train_run.h"

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

// "--epochs: got "0"; must be an integer in 1..10000 (spec key training.epochs)".
void ApplyFlag(TaskSpec& spec, const Parameter& p, const std::string& value) {
  try {
    CheckParameterText(p, value);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {} (spec key {})", p.flag, e.what(), p.name));
  }
  SetParameter(spec, p.name, value);
}

TaskSpec BuildSpec(const TrainFlags& f) {
  TaskSpec spec;
  if (!f.task.empty()) {
    spec = LoadTaskSpec(f.task);
  } else {
    if (f.data.empty()) {
      throw InputError("train needs --task T.yaml, or --data F with --text-column and --label-column");
    }
    spec.name = std::filesystem::path(f.data).stem().string();
    spec.data.train = f.data;
  }
  if (!f.data.empty()) spec.data.train = f.data;
  if (!f.validation.empty()) spec.data.validation = f.validation;
  if (!f.text_column.empty()) spec.data.text_column = f.text_column;
  if (!f.label_column.empty()) spec.data.label_column = f.label_column;
  if (!f.segment_columns.empty()) spec.data.segment_columns = f.segment_columns;
  if (!f.format.empty()) spec.data.format = ParseFileFormat(f.format);
  if (!f.on_bad_row.empty()) spec.data.on_bad_row = ParseBadRowPolicy(f.on_bad_row);
  for (const auto& [p, value] : f.Given()) ApplyFlag(spec, *p, value);
  if (f.task.empty() && (f.text_column.empty() || f.label_column.empty())) {
    throw InputError("without --task, train needs --text-column and --label-column "
                     "(or write a spec with `trainops init --data FILE`)");
  }
  spec.Validate();
  return spec;
}

void PrintSummary(const TrainOutcome& outcome, const CliContext& ctx) {
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
      outcome.model_path.string(),
      (outcome.model_path.parent_path() / "run.json").string());
}

}  // namespace

void RegisterTrain(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand("train", "Train a model with monitored checkpoints");
  cmd->footer(
      "Examples:\n"
      "  trainops train --task task.yaml --out runs/r1\n"
      "  trainops train --data train.csv --text-column text --label-column intent --out runs/r1\n"
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
  cmd->add_option("--out", flags->out, "Output folder for the run");
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
    ProgressBar progress(ctx.quiet);
    TrainCallbacks callbacks;
    callbacks.info = [&](const std::string& m) {
      progress.Clear();
      ctx.Info(m);
    };
    callbacks.on_progress = [&](uint64_t done, uint64_t total, double rate, const TrainerState& s) {
      progress.Update(done, total, rate, s);
    };
    callbacks.on_checkpoint = [&](const nlohmann::json& record) { progress.Checkpoint(record); };
    TrainOutcome outcome;
    std::optional<TaskSpec> spec;  // kept for the registry; none when resuming
    if (!flags->resume.empty()) {
      if (!flags->out.empty() && flags->out != flags->resume) {
        throw InputError("--resume DIR continues the run in DIR; do not combine it with a different --out");
      }
      // A resumed run keeps the parameters it started with; only the thread count may differ.
      TaskSpec threads_only;
      int threads = 0;  // ResumeTraining: the run's own thread count
      for (const auto& [p, value] : flags->Given()) {
        if (p->name != "threads") {
          throw InputError(fmt::format("{} cannot change a resumed run (it continues with the parameters it "
                                       "started with; see its run folder's train_config.json); drop {}, or "
                                       "start a new run with --out",
                                       p->flag, p->flag));
        }
        ApplyFlag(threads_only, *p, value);
        threads = ResolveThreads(threads_only.threads);  // `auto`: every core, as in a new run
      }
      outcome = ResumeTraining(flags->resume, threads, callbacks);
    } else {
      if (flags->out.empty()) throw InputError("train needs --out DIR (where the run is written)");
      spec = BuildSpec(*flags);
      nlohmann::json check_data = CheckDataBeforeTraining(*spec, flags->allow_data_errors, ctx);
      outcome = RunTraining(*spec, flags->out, callbacks);
      outcome.run["check_data"] = check_data;
      WriteFileAtomically(outcome.model_path.parent_path() / "run.json", outcome.run.dump(2) + "\n");
    }
    progress.Clear();
    if (!ctx.quiet) PrintSummary(outcome, ctx);
    if (!flags->no_registry) RecordTrainingRun(flags->registry, spec ? &*spec : nullptr, outcome, ctx);
  });
}

}  // namespace trainops::cli
