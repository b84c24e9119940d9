// Internal to src/train/: what the entry points of a training run (train_run.cc), the run
// itself (train_run_execute.cc) and its memory decisions (train_run_memory.cc) share.
// Thread-safety: none of it keeps state; like RunTraining, it is called by one thread
// per process (World is process-wide).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/inference.h"
#include "model/reference_stats.h"
#include "task/task_spec.h"
#include "train/checkpoint.h"
#include "train/hyperparameters.h"
#include "train/memory_plan.h"
#include "train/streamed_data.h"
#include "train/train_run.h"
#include "train/training_data.h"
#include "train/world.h"

namespace trainops::train_internal {

constexpr const char* kConfigFile = "train_config.json";

struct Paths {
  std::filesystem::path dir, model, checkpoints, metrics, run, config;
  explicit Paths(const std::filesystem::path& d)
      : dir(d),
        model(d / "model.bin"),
        checkpoints(d / "checkpoints"),
        metrics(d / "metrics.jsonl"),
        run(d / "run.json"),
        config(d / kConfigFile) {}
};

// Passes a progress message to the caller, when it listens.
void Info(const TrainCallbacks& cb, const std::string& message);

// Whether this run streams its training file (training.streaming; docs/scale.md), with
// the reason for run.json.
struct StreamingChoice {
  bool stream = false;
  std::string reason;
};
StreamingChoice ChooseStreaming(const TaskSpec& spec, const World& world);

// The feature cap of this run from its memory plan; `plan` keeps what was decided.
// Why a run trains no embedding companion (model.ensemble; train/embedding_companion.h),
// or "" when it does.
std::string NoCompanionReason(const TaskSpec& spec, const Hyperparameters& hp, bool streamed);

FeatureCap PlannedFeatureCap(const TaskSpec& spec, const Hyperparameters& hp, bool streamed, const World& world,
                             MemoryPlan& plan);

// Cache blocks a streamed window holds.
size_t WindowBlocks(const TaskSpec& spec, double features_per_row);

// Validation-side steps (train_run_validation.cc).
// Sets the model's out-of-scope label and its rejection threshold, chosen on validation by
// the spec's rule; returns what run.json records (null without oos).
nlohmann::json ChooseRejection(const TaskSpec& spec, const TrainingData& data, const std::vector<Decision>& decisions,
                               Model& best);
// The declared out-of-scope label's index when only validation has it (threshold-only set-up).
std::optional<uint32_t> ValidationOnlyOosLabel(const TaskSpec& spec, const TrainingData& data);
// `all` without the rows of `label`.
EncodedData WithoutLabel(const EncodedData& all, uint32_t label);
// The shipped model's decisions on every validation row, before rejection.
std::vector<Decision> ValidationDecisions(const Model& best, const std::vector<float>& validation_logits,
                                          const std::vector<float>& validation_coverage);
// Reference statistics of the validation rows as the shipped model answers them.
ReferenceStats ValidationReferenceStats(const Model& best, const TrainingData& data, WordFilter train_words,
                                        const std::vector<Decision>& decisions);
ReferenceStats MultiLabelReferenceStats(const Model& best, const TrainingData& data, WordFilter train_words,
                                        const std::vector<float>& validation_logits,
                                        const std::vector<float>& validation_coverage);

// The run itself, fresh or resumed: features, training, the chosen checkpoint calibrated,
// the model and run.json written (train_run_execute.cc says what `loaded` is).
TrainOutcome Execute(const TaskSpec& spec, Hyperparameters hp, nlohmann::json autotune,
                     const Paths& paths, int threads, const TrainCallbacks& callbacks,
                     const TrainingData* loaded, const nlohmann::json& fingerprints,
                     std::optional<LoadedCheckpoint> resume_from);

}  // namespace trainops::train_internal
