// The monitored training loop: epochs of shuffled updates, a validation checkpoint every
// epoch (or every N updates) scored with the task's metric and the loss, one metrics
// record per checkpoint, atomic checkpoint files keeping the best and the last K, early
// stopping after `patience` checkpoints without improvement, and exact resume.
// Not thread-safe; the trainer itself spreads updates over `threads` threads.
#pragma once

#include <filesystem>
#include <functional>
#include <future>
#include <string>

#include "common/error.h"
#include "eval/multi_label_metrics.h"
#include "model/model.h"
#include "task/task_spec.h"
#include "train/checkpoint.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"
#include "train/sgd_engine.h"
#include "train/training_rows.h"
#include "train/world.h"

namespace trainops {

struct TrainerOptions {
  Hyperparameters hp;
  CheckpointSpec policy;
  MetricSpec metric;
  int threads = 1;
  // Where checkpoints go; empty = keep them in memory only (autotune trials).
  std::filesystem::path checkpoint_dir;
  // Called after every checkpoint with its metrics record (metrics.jsonl line).
  std::function<void(const nlohmann::json&)> on_checkpoint;
  // Called during an epoch with (examples done in epoch, examples in epoch, examples/s).
  std::function<void(uint64_t, uint64_t, double, const TrainerState&)> on_progress;
  // Stop (as if by early stopping) once this many seconds have passed; 0 = no limit.
  double time_limit_seconds = 0;
  // Data-parallel training (train/world.h); null = a single process. Each rank trains on
  // its own rows, the ranks average their models (train/model_averaging.h) before every
  // checkpoint, and only rank 0 validates, decides early stopping for all (broadcast) and
  // writes checkpoints (give the others an empty checkpoint_dir and no callbacks).
  World* world = nullptr;
  // Updates per epoch on this rank (0 = the rank's rows). Every rank must have the same
  // epoch length so they reach each checkpoint together: a rank with one row fewer than
  // the others revisits its first row.
  uint64_t epoch_length = 0;
};

// Thrown when the training loss stops being a finite number (the learning rate is too
// high for the data): "loss became NaN at epoch E; lower learning_rate". The caller
// removes the run folder it started.
class TrainingDivergedError : public InputError {
 public:
  using InputError::InputError;
};

class Trainer {
 public:
  // `model` must have labels, extractor, vocabulary and IDF set. Trains on `train` held
  // in memory.
  Trainer(Model& model, const EncodedData& train, const EncodedData& validation,
          std::vector<std::string> validation_labels, TrainerOptions options);
  // Trains on rows that come a window at a time (streamed from the row cache, or in
  // memory); `rows` must outlive the trainer.
  Trainer(Model& model, TrainingRows& rows, const EncodedData& validation,
          std::vector<std::string> validation_labels, TrainerOptions options);

  // Fresh start: initializes weights.
  void Start();
  // Continues from a checkpoint (weights, optimizer state and progress).
  void Resume(LoadedCheckpoint checkpoint);
  // Trains until the planned epochs end or early stopping; returns the final state. The
  // last checkpoint's file may still be being written (in the background) when it returns:
  // FinishPendingWrite or ReleaseTrainingState waits for it and rethrows its error (the
  // destructor only waits), so a caller overlaps that write with its own next steps.
  const TrainerState& Run();
  // Waits for the checkpoint being written in the background (rethrowing its error).
  void FinishPendingWrite();

  // Best weights seen (from memory, or from the best checkpoint file).
  Model BestModel() const;
  // After Run: waits for the last checkpoint write, then frees the optimizer state and the
  // checkpoint snapshot (the training run's memory plan counts on it). The trainer cannot
  // run or checkpoint again afterwards; BestModel still works.
  void ReleaseTrainingState();
  const TrainerState& state() const { return state_; }

 private:
  void Checkpoint(double train_loss_sum, uint64_t examples_since, double run_seconds);
  // Validation counts of a multi-label model from its validation logits.
  MultiLabelCounts MultiLabelCheckpointCounts(const std::vector<float>& logits) const;
  // The weights and accumulators the updates touch at random, on huge pages (a hint).
  void PreferHugePagesForWeights();
  // Rank 0's early-stopping decision on every rank (no-op in a single process).
  void ShareDecision();
  bool distributed() const { return options_.world && options_.world->distributed(); }
  int rank() const { return options_.world ? options_.world->rank() : 0; }
  uint64_t EpochLength() const { return options_.epoch_length ? options_.epoch_length : rows_.size(); }
  // Keeps the best checkpoint and the newest `keep_last`; removes crash leftovers.
  void Prune(const TrainerState& state);

  Model& model_;
  std::unique_ptr<TrainingRows> owned_rows_;  // the in-memory constructor's
  TrainingRows& rows_;
  const EncodedData& validation_;
  std::vector<std::string> validation_labels_;
  TrainerOptions options_;
  OptimizerState optimizer_;
  TrainerState state_;
  // The best checkpoint's model, kept in memory when checkpoints are not written or the
  // run is small (kSmallRunWeightBytes: a copy the memory plan does not count);
  // best_in_memory_step_ says which step it is (a resumed run's earlier best is only on disk).
  Model best_in_memory_;
  uint64_t best_in_memory_step_ = UINT64_MAX;
  // Checkpoints are written by a background task from a snapshot, so training goes on
  // while the file is written and fsynced; at most one write is in flight, and the
  // snapshot is reused (only touched after FinishPendingWrite).
  struct Snapshot {
    Model model;
    OptimizerState optimizer;
    TrainerState state;
  };
  Snapshot snapshot_;
  // Declared last, so destroyed first: std::async's future waits for the write while the
  // snapshot and options it reads still exist.
  std::future<void> pending_write_;
};

}  // namespace trainops
