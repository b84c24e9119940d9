// A whole training run as `trainops train` performs it: load data, build features, train
// with monitored checkpoints (or resume), select the best checkpoint, calibrate it, and
// write DIR/model.bin, DIR/checkpoints/, DIR/metrics.jsonl, DIR/run.json and
// DIR/train_config.json (what resume needs). Nothing in DIR is overwritten silently: a
// folder that already holds a run is refused unless resuming.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "task/task_spec.h"
#include "train/checkpoint.h"

namespace trainops {

struct TrainCallbacks {
  std::function<void(const std::string&)> info;  // progress messages for people
  std::function<void(const nlohmann::json&)> on_checkpoint;
  std::function<void(uint64_t, uint64_t, double, const TrainerState&)> on_progress;
};

struct TrainOutcome {
  std::filesystem::path model_path;  // empty on the ranks other than 0 of a data-parallel run
  nlohmann::json run;                // contents of run.json (rank 0)
};

// Under `mpirun -np N` (train/world.h) every rank calls these with the same spec and
// folder: each trains on every N-th training row (rank r: rows r, r+N, ...), the ranks
// agree on the features and average their models at every checkpoint, and only rank 0
// validates, writes DIR and returns a model. Resuming needs the same N.

TrainOutcome RunTraining(const TaskSpec& spec, const std::filesystem::path& out_dir,
                         const TrainCallbacks& callbacks);

// Continues an interrupted run from its newest intact checkpoint. `threads` > 0 overrides
// the thread count recorded at the start (results are bit-identical only with 1 thread).
TrainOutcome ResumeTraining(const std::filesystem::path& out_dir, int threads,
                            const TrainCallbacks& callbacks);

}  // namespace trainops
