// Train and ResumeTraining (include/trainops/workflows.h): `trainops train` as a library
// call: the spec (from a file, or from options alone) with overrides from the parameter
// table, the pre-train data check, the run, and its record in the registry.
#include <fmt/format.h>

#include <trainops/workflows.h>

#include "api/boundary.h"
#include "api/registry_access.h"
#include "api/workflow_support.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "task/parameters.h"
#include "task/task_spec.h"
#include "train/memory_plan.h"
#include "train/train_run.h"
#include "train/world.h"

namespace trainops {
namespace {

TaskSpec BuildSpec(const TrainOptions& o) {
  TaskSpec spec;
  if (!o.task.empty()) {
    spec = LoadTaskSpec(o.task);
  } else {
    if (o.data.empty()) {
      throw InputError("train needs --task T.yaml, or --data F with --text-column and --label-column");
    }
    if (o.text_column.empty() || o.label_column.empty()) {
      throw InputError("without --task, train needs --text-column and --label-column "
                       "(or write a spec with `trainops init --data FILE`)");
    }
    spec.name = std::filesystem::path(o.data).stem().string();
  }
  if (!o.data.empty()) spec.data.train = o.data;
  if (!o.validation.empty()) spec.data.validation = o.validation;
  if (!o.text_column.empty()) spec.data.text_column = o.text_column;
  if (!o.label_column.empty()) spec.data.label_column = o.label_column;
  if (!o.segment_columns.empty()) spec.data.segment_columns = o.segment_columns;
  if (!o.format.empty()) spec.data.format = ParseFileFormat(o.format);
  if (!o.on_bad_row.empty()) spec.data.on_bad_row = ParseBadRowPolicy(o.on_bad_row);
  if (!o.metric.empty()) spec.metric = MetricSpec::Parse(o.metric);
  if (!o.oos_label.empty()) spec.oos_label = o.oos_label;
  // Keys may be a table name or its flag; validated against the table, then the spec as
  // a whole.
  std::map<std::string, std::string> by_name;
  for (const auto& [key, value] : o.parameters) {
    const Parameter* p = FindParameter(key);
    by_name[p ? p->name : key] = value;
  }
  ApplyParameterOverrides(spec, by_name);
  return spec;
}

TrainCallbacks Callbacks(const Messages& messages, const TrainProgress& progress) {
  TrainCallbacks callbacks;
  callbacks.info = [&messages](const std::string& m) { Say(messages.info, m); };
  if (progress.on_progress) {
    callbacks.on_progress = [&progress](uint64_t done, uint64_t total, double rate, const TrainerState& s) {
      progress.on_progress(done, total, rate, static_cast<double>(s.epoch));
    };
  }
  if (progress.on_checkpoint) callbacks.on_checkpoint = progress.on_checkpoint;
  return callbacks;
}

TrainResult Finish(TrainOutcome& outcome, const std::string& registry, bool record, const TaskSpec* spec,
                   const Messages& messages) {
  TrainResult result;
  if (record) {
    const nlohmann::json block = RecordTrainingRun(registry, spec, outcome, messages);
    if (!block.is_null()) {
      result.registry = block["path"].get<std::string>();
      result.run_id = block["run_id"].get<std::string>();
      result.model_id = block["model_id"].get<std::string>();
      result.model_status = block["status"].get<std::string>();
    }
  }
  result.model_path = outcome.model_path.string();
  result.run_dir = outcome.model_path.parent_path().string();
  result.run = outcome.run;
  return result;
}

// The pre-train check holds the rows it checks: past what training.memory_mb leaves it,
// it checks a seeded sample (checks.max_rows) instead of the whole file.
TaskSpec CheckSpecWithinBudget(const TaskSpec& spec, const Messages& messages) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(spec.data.train, ec);
  if (ec) return spec;
  const int64_t rows = CheckRowsWithin(spec.training.memory_mb, spec.checks.max_rows, static_cast<double>(bytes),
                                       AverageRowBytes(spec.data.train.string()));
  if (rows == spec.checks.max_rows) return spec;
  TaskSpec sampled = spec;
  sampled.checks.max_rows = static_cast<int>(rows);
  Say(messages.info, fmt::format("check-data: a sample of {} rows of {} (what training.memory_mb {} leaves the "
                                 "check; checks.max_rows {})",
                                 rows, spec.data.train.string(), spec.training.memory_mb, spec.checks.max_rows));
  return sampled;
}

TrainResult TrainImpl(const TrainOptions& options, const Messages& messages, const TrainProgress& progress) {
  if (options.out.empty()) throw InputError("train needs --output DIR (where the run is written)");
  const TaskSpec spec = BuildSpec(options);
  // Before the data check and training: an impossible --output is known at once.
  const bool out_existed = std::filesystem::exists(options.out);
  CreateOutputFolder(options.out, "--output");
  nlohmann::json check_data;
  World& world = World::Get();
  // Data-parallel: rank 0 checks the data once and tells the others whether to go on.
  std::string verdict;
  try {
    if (world.rank() == 0) check_data = CheckDataBeforeTraining(CheckSpecWithinBudget(spec, messages),
                                                                options.allow_data_errors, messages);
  } catch (const std::exception& e) {
    verdict = e.what();
    world.Broadcast(verdict);
    // Training never started: the folder made for it goes again (only if still empty).
    std::error_code ec;
    if (!out_existed) std::filesystem::remove(options.out, ec);
    throw;
  }
  world.Broadcast(verdict);
  if (!verdict.empty()) throw InputError(verdict);
  ReleaseFreedMemory();  // the check's rows, before training's
  TrainOutcome outcome = RunTraining(spec, options.out, Callbacks(messages, progress));
  if (world.rank() != 0) return TrainResult{};  // rank 0 writes run.json and the registry record
  outcome.run["check_data"] = check_data;
  WriteFileAtomically(outcome.model_path.parent_path() / "run.json", outcome.run.dump(2) + "\n");
  TrainResult result = Finish(outcome, options.registry, options.record_in_registry, &spec, messages);
  result.check_data = std::move(check_data);
  return result;
}

}  // namespace

TrainResult Train(const TrainOptions& options, const Messages& messages, const TrainProgress& progress) {
  return AtBoundary([&] { return TrainImpl(options, messages, progress); });
}

TrainResult ResumeTraining(const std::string& run_dir, std::optional<int> threads, const std::string& registry,
                           bool record_in_registry, const Messages& messages, const TrainProgress& progress) {
  if (run_dir.empty()) throw InputError("resume needs the run folder (--resume DIR)");
  if (threads && *threads < 0) {
    throw InputError(fmt::format("--threads {}: use 1 or more, or leave it out for the run's own setting", *threads));
  }
  return AtBoundary([&] {
    TrainOutcome outcome =
        ResumeTraining(std::filesystem::path(run_dir), threads.value_or(0), Callbacks(messages, progress));
    if (World::Get().rank() != 0) return TrainResult{};
    return Finish(outcome, registry, record_in_registry, nullptr, messages);
  });
}

}  // namespace trainops
