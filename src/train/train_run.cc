#include "train/train_run.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/parallel.h"
#include "model/reference_stats.h"
#include "train/autotune.h"
#include "train/hyperparameters.h"
#include "train/streamed_data.h"
#include "train/train_run_internal.h"
#include "train/trainer.h"
#include "train/training_data.h"
#include "train/world.h"

namespace trainops {
namespace {

using train_internal::ChooseStreaming;
using train_internal::Execute;
using train_internal::Info;
using train_internal::kConfigFile;
using train_internal::Paths;
using train_internal::StreamingChoice;

// A stopped run (the caller cancelled it) keeps its folder: the config and the checkpoints
// written so far are what resuming needs, and with no checkpoint yet it starts over.
std::string KeptForResume(const CancelledError& e, const Paths& paths) {
  return fmt::format("{}; the run folder {} is kept: continue it with `trainops train --resume {}`", e.what(),
                     paths.dir.string(), paths.dir.string());
}

}  // namespace

namespace train_internal {

void Info(const TrainCallbacks& cb, const std::string& message) {
  if (cb.info) cb.info(message);
}

}  // namespace train_internal

TrainOutcome RunTraining(const TaskSpec& spec, const std::filesystem::path& out_dir,
                         const TrainCallbacks& callbacks) {
  Paths paths(out_dir);
  World& world = World::Get();
  const bool leader = world.rank() == 0;
  if (leader && (std::filesystem::exists(paths.config) || std::filesystem::exists(paths.model) ||
                 std::filesystem::exists(paths.checkpoints))) {
    throw InputError(fmt::format(
        "{}: already holds a training run; continue it with `trainops train --resume {}` or "
        "choose another --output folder (nothing was overwritten)",
        out_dir.string(), out_dir.string()));
  }
  const int threads = ResolveThreads(spec.threads);
  const StreamingChoice streaming = ChooseStreaming(spec, world);
  Hyperparameters hp = ResolveHyperparameters(spec);
  nlohmann::json autotune = nullptr;
  if (streaming.stream && spec.training.autotune_seconds > 0) {
    throw InputError(fmt::format("training.autotune_seconds {}: the search trains many models on data held in memory, "
                                 "and this run streams its training file ({}); search on a sample of it, then train "
                                 "with the settings it found (run.json: autotune)",
                                 spec.training.autotune_seconds, streaming.reason));
  }
  TrainingData data;
  if (streaming.stream) {
    Info(callbacks, "streaming the training file: " + streaming.reason);
    // Only fingerprints here; the rows are read in the run's first pass.
    data.lineage["train"] = {{"path", spec.data.train.string()}, {"fingerprint", FileFingerprint(spec.data.train)}};
    if (!spec.data.validation.empty()) {
      data.lineage["validation"] = {{"path", spec.data.validation.string()},
                                    {"fingerprint", FileFingerprint(spec.data.validation)}};
    }
  } else {
    data = LoadTrainingData(spec);
    for (const auto& problem : data.skipped) Info(callbacks, "skipped row: " + problem.ToString());
    Info(callbacks, fmt::format("data: {} training and {} validation examples, {} labels",
                                data.train.texts.size(), data.validation.texts.size(),
                                data.labels.size()));
  }
  if (spec.training.autotune_seconds > 0 && world.distributed()) {
    throw InputError(fmt::format("training.autotune_seconds {}: the search runs in one process; run it without "
                                 "mpirun, then train with mpirun and the settings it found (run.json: autotune)",
                                 spec.training.autotune_seconds));
  }
  if (spec.training.autotune_seconds > 0) {
    AutotuneResult tuned = Autotune(spec, hp, data, threads, callbacks.info);
    hp = tuned.best;
    autotune = tuned.report;
  }
  nlohmann::json config = {{"format", 1},
                           {"spec_yaml", TaskSpecToYaml(spec, {})},
                           {"spec_path", spec.spec_path.empty() ? std::string()
                                                                : std::filesystem::absolute(spec.spec_path).string()},
                           {"hyperparameters", hp.ToJson()},
                           {"autotune", autotune},
                           {"threads", threads},
                           {"lineage", data.lineage},
                           {"streaming", streaming.stream},
                           {"world_size", world.size()}};
  if (leader) {
    std::filesystem::create_directories(paths.checkpoints);
    WriteFileAtomically(paths.config, config.dump(2) + "\n");
    WriteFileAtomically(paths.metrics, "");
  }
  try {
    return Execute(spec, hp, autotune, paths, threads, callbacks, streaming.stream ? nullptr : &data, data.lineage,
                   std::nullopt);
  } catch (const CancelledError& e) {
    throw CancelledError(KeptForResume(e, paths));
  } catch (const TrainingDivergedError& e) {
    // A diverged run cannot be resumed into anything useful: leave no half-written run.
    if (!leader) throw;
    std::error_code ec;
    for (const auto& p : {paths.model, paths.run, paths.metrics, paths.config}) std::filesystem::remove(p, ec);
    std::filesystem::remove_all(paths.checkpoints, ec);
    std::filesystem::remove(paths.dir, ec);  // only when nothing else is in it
    throw TrainingDivergedError(fmt::format("{}; nothing of the run was kept in {}", e.what(), paths.dir.string()));
  }
}

TrainOutcome ResumeTraining(const std::filesystem::path& out_dir, int threads,
                            const TrainCallbacks& callbacks) {
  Paths paths(out_dir);
  if (!std::filesystem::exists(paths.config)) {
    throw InputError(fmt::format("{}: no {} here, so this is not a training run folder; pass the "
                                 "--output folder of the interrupted `trainops train`",
                                 out_dir.string(), kConfigFile));
  }
  nlohmann::json config;
  std::filesystem::path spec_path;
  TaskSpec spec;
  Hyperparameters hp;
  int run_threads = threads;
  // Valid JSON with a missing or mistyped key is as damaged as invalid JSON: either way the
  // user is told which file and what to do, never an "internal error".
  try {
    config = nlohmann::json::parse(ReadFile(paths.config));
    spec_path = config.value("spec_path", "");
    spec = ParseSavedTaskSpec(config.at("spec_yaml").get<std::string>(), spec_path.empty() ? paths.config : spec_path);
    hp = Hyperparameters::FromJson(config.at("hyperparameters"));
    if (run_threads <= 0) run_threads = config.at("threads").get<int>();
    const int started_with = config.value("world_size", 1);
    if (started_with != World::Get().size()) {
      throw InputError(fmt::format("{}: the run was started with {} process{} and is resumed with {}; resume it with "
                                   "the same number (mpirun -np {})",
                                   paths.config.string(), started_with, started_with == 1 ? "" : "es",
                                   World::Get().size(), started_with));
    }
    (void)config.at("lineage");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: damaged, so the run cannot be resumed ({}); start a new run with another --out",
                                 paths.config.string(), e.what()));
  }
  spec.spec_path = spec_path;

  // A streamed run reads its data again in Execute (the row cache is rebuilt: the same rows
  // in the same order, so the same model); here only the files' fingerprints are checked.
  const bool streamed = config.value("streaming", false);
  TrainingData data;
  if (!streamed) data = LoadTrainingData(spec);
  for (const char* part : {"train", "validation"}) {
    const auto& before = config["lineage"][part];
    const std::string now_fingerprint =
        streamed ? (before.contains("path") ? FileFingerprint(before["path"].get<std::string>()) : std::string())
                 : data.lineage[part].value("fingerprint", "");
    if (before.contains("fingerprint") && before["fingerprint"] != now_fingerprint) {
      throw InputError(fmt::format("{}: changed since the run started (fingerprint {} then, {} now); "
                                   "start a new run instead of resuming",
                                   before.value("path", part), before["fingerprint"].get<std::string>(),
                                   now_fingerprint.empty() ? "none" : now_fingerprint));
    }
  }
  std::vector<std::string> warnings;
  auto latest = FindLatestCheckpoint(paths.checkpoints, warnings);
  for (const auto& w : warnings) Info(callbacks, w);
  std::optional<LoadedCheckpoint> checkpoint;
  if (latest) {
    checkpoint = ReadCheckpoint(*latest);
    Info(callbacks, fmt::format("resuming from {} (step {})", latest->filename().string(),
                                checkpoint->state.step));
  } else {
    Info(callbacks, "no intact checkpoint yet: starting the run over");
    if (World::Get().rank() == 0) WriteFileAtomically(paths.metrics, "");
  }
  try {
    return Execute(spec, hp, config.value("autotune", nlohmann::json()), paths, run_threads, callbacks,
                   streamed ? nullptr : &data, config["lineage"], std::move(checkpoint));
  } catch (const CancelledError& e) {
    throw CancelledError(KeptForResume(e, paths));
  }
}

}  // namespace trainops
