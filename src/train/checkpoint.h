// Checkpoints: the model's sections plus the optimizer state (OPTI) and the trainer's
// progress (STAT) in the artifact container, so that resuming continues exactly where
// the checkpoint was taken. Written atomically; a checkpoint that fails its checksum is
// skipped by FindLatestCheckpoint.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"
#include "train/sgd_engine.h"

namespace trainops {

struct TrainerState {
  uint32_t epoch = 0;     // epoch in progress (0-based)
  uint64_t position = 0;  // examples of that epoch already trained on
  uint64_t step = 0;      // updates done in total
  uint64_t total_steps = 0;
  double best_metric = -1;
  double best_loss = 1e300;  // validation loss of the best checkpoint (breaks metric ties)
  uint64_t best_step = 0;
  std::string best_checkpoint;  // file name inside checkpoints/
  int since_best = 0;           // checkpoints without improvement
  double elapsed_seconds = 0;   // training time before this process (resume)
  bool finished = false;
  std::string stop_reason;
  nlohmann::json history = nlohmann::json::array();  // one metrics record per checkpoint

  nlohmann::json ToJson() const;
  static TrainerState FromJson(const nlohmann::json& j);
};

std::string CheckpointFileName(uint64_t step);

// Writes atomically. For tests of crash safety, the environment variable
// TRAINOPS_FAULT_KILL_DURING_CHECKPOINT=N makes the process SIGKILL itself halfway through
// writing its N-th checkpoint (counted from 1 within the run's history).
void WriteCheckpoint(const std::filesystem::path& path, const Model& model,
                     const OptimizerState& optimizer, const TrainerState& state);

struct LoadedCheckpoint {
  Model model;
  OptimizerState optimizer;
  TrainerState state;
};
LoadedCheckpoint ReadCheckpoint(const std::filesystem::path& path);

// The newest checkpoint in `dir` that loads cleanly; damaged ones are reported through
// `warnings`. nullopt when there is none.
std::optional<std::filesystem::path> FindLatestCheckpoint(const std::filesystem::path& dir,
                                                          std::vector<std::string>& warnings);

}  // namespace trainops
