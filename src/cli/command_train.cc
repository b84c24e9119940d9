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
#include "task/task_spec.h"
#include "train/train_run.h"

namespace trainops::cli {
namespace {

struct TrainFlags {
  std::string oos_label, threshold_rule;
  std::string task, data, validation, text_column, label_column, out, resume, model, metric,
      on_bad_row, format;
  std::vector<std::string> segment_columns;
  std::optional<int> epochs, threads, word_ngrams, patience, every_updates, keep_last, min_count, dim;
  std::optional<uint64_t> seed;
  std::optional<double> autotune, learning_rate, l2;
  bool allow_data_errors = false;
  std::string registry;
  bool no_registry = false;
};

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
  if (!f.model.empty()) spec.model.type = ParseModelType(f.model);
  if (!f.metric.empty()) spec.metric = MetricSpec::Parse(f.metric);
  if (f.epochs) spec.training.epochs = *f.epochs;
  if (f.learning_rate) spec.training.learning_rate = *f.learning_rate;
  if (f.l2) spec.training.l2 = *f.l2;
  if (f.autotune) spec.training.autotune_seconds = *f.autotune;
  if (f.threads) spec.threads = *f.threads;
  if (f.seed) spec.seed = *f.seed;
  if (f.word_ngrams) spec.model.features.word_ngrams = *f.word_ngrams;
  if (f.min_count) spec.model.min_count = *f.min_count;
  if (f.dim) spec.model.dim = *f.dim;
  if (f.patience) spec.checkpoints.patience = *f.patience;
  if (f.every_updates) spec.checkpoints.every_updates = *f.every_updates;
  if (f.keep_last) spec.checkpoints.keep_last = *f.keep_last;
  if (!f.oos_label.empty()) spec.oos_label = f.oos_label;
  if (!f.threshold_rule.empty()) spec.evaluation.threshold_rule = f.threshold_rule;
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
      "and DIR/run.json. Flags override the spec's fields.");
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
  cmd->add_option("--model", flags->model, "linear (default) or embedding");
  cmd->add_option("--metric", flags->metric, "accuracy, macro_f1, weighted_f1 or recall:<label>");
  cmd->add_option("--epochs", flags->epochs, "Training epochs");
  cmd->add_option("--lr", flags->learning_rate, "Base learning rate");
  cmd->add_option("--l2", flags->l2, "L2 regularization");
  cmd->add_option("--word-ngrams", flags->word_ngrams, "Word n-grams 1..N");
  cmd->add_option("--min-count", flags->min_count, "Drop features seen in fewer texts");
  cmd->add_option("--dim", flags->dim, "Embedding size (embedding model)");
  cmd->add_option("--threads", flags->threads, "Threads (0 = all cores)");
  cmd->add_option("--seed", flags->seed, "Random seed");
  cmd->add_option("--autotune", flags->autotune, "Search hyper-parameters on validation for SECONDS");
  cmd->add_option("--patience", flags->patience, "Checkpoints without improvement before stopping");
  cmd->add_option("--every-updates", flags->every_updates, "Checkpoint every N updates (default: each epoch)");
  cmd->add_option("--keep-last", flags->keep_last, "Recent checkpoints kept besides the best");
  cmd->add_flag("--allow-data-errors", flags->allow_data_errors,
                "Train even when check-data finds errors in the data (they are recorded in run.json)");
  cmd->add_option("--oos-label", flags->oos_label, "Label meaning \"none of these intents\" (e.g. oos)");
  cmd->add_option("--threshold-rule", flags->threshold_rule,
                  "Rejection threshold rule: auto, balanced, accuracy_drop or target_oos_recall");
  cmd->add_option("--registry", flags->registry,
                  "Record the run in this registry (default: the spec's, or .trainops/registry.db found here)");
  cmd->add_flag("--no-registry", flags->no_registry, "Do not record the run in a registry");
  cmd->callback([flags, &ctx] {
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
      outcome = ResumeTraining(flags->resume, flags->threads.value_or(0), callbacks);
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
