#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "common/error.h"
#include "common/fault_injection.h"
#include "common/huge_pages.h"
#include "eval/label_thresholds.h"
#include "eval/metrics.h"
#include "eval/multi_label_metrics.h"
#include "train/memory_plan.h"
#include "train/model_averaging.h"

namespace trainops {
namespace {

using Clock = std::chrono::steady_clock;

// Progress callbacks fire about this often (in examples) so the bar moves smoothly.
constexpr uint64_t kProgressChunk = 4096;

}  // namespace

Trainer::Trainer(Model& model, const EncodedData& train, const EncodedData& validation,
                 std::vector<std::string> validation_labels, TrainerOptions options)
    : model_(model),
      owned_rows_(std::make_unique<InMemoryRows>(train, options.epoch_length, options.hp.seed,
                                                 options.world ? options.world->rank() : 0)),
      rows_(*owned_rows_),
      validation_(validation),
      validation_labels_(std::move(validation_labels)),
      options_(std::move(options)) {
  if (rows_.size() == 0) throw InputError("no training examples left to train on");
  if (validation_.size() == 0) throw InputError("no validation examples to select checkpoints with");
}

Trainer::Trainer(Model& model, TrainingRows& rows, const EncodedData& validation,
                 std::vector<std::string> validation_labels, TrainerOptions options)
    : model_(model),
      rows_(rows),
      validation_(validation),
      validation_labels_(std::move(validation_labels)),
      options_(std::move(options)) {
  if (rows_.size() == 0) throw InputError("no training examples left to train on");
  if (validation_.size() == 0) throw InputError("no validation examples to select checkpoints with");
}

void Trainer::PreferHugePagesForWeights() {
  for (std::vector<float>* v : {&model_.input, &model_.output, &optimizer_.input, &optimizer_.output}) {
    PreferHugePages(*v);
  }
}

void Trainer::Start() {
  InitializeWeights(options_.hp, model_, optimizer_);  // on huge pages already
  state_ = TrainerState{};
  state_.total_steps = static_cast<uint64_t>(options_.hp.epochs) * EpochLength();
}

void Trainer::Resume(LoadedCheckpoint checkpoint) {
  // The features are chosen again from the data on resume; a checkpoint of a run that
  // chose others (a run started by a trainops without the memory plan's feature cap) has
  // weights for another vocabulary, and continuing would mix them up.
  if (checkpoint.model.vocab.size() != model_.vocab.size()) {
    throw InputError(fmt::format(
        "the checkpoint has weights for {} features, but the data gives {} now (the feature cap follows from "
        "training.memory_mb when model.max_features is not set); resume with the trainops that started the run, "
        "or start a new run with --max-features {}",
        checkpoint.model.vocab.size(), model_.vocab.size(), checkpoint.model.vocab.size()));
  }
  model_.input = std::move(checkpoint.model.input);
  model_.output = std::move(checkpoint.model.output);
  model_.bias = std::move(checkpoint.model.bias);
  model_.dim = checkpoint.model.dim;
  optimizer_ = std::move(checkpoint.optimizer);
  state_ = std::move(checkpoint.state);
  if (state_.best_checkpoint.empty()) throw InternalError("checkpoint without a best checkpoint");
  PreferHugePagesForWeights();
}

const TrainerState& Trainer::Run() {
  const auto run_start = Clock::now();
  const uint64_t n = EpochLength();
  // every_updates counts the updates of the whole job: each rank does its share.
  const uint64_t ranks = options_.world ? static_cast<uint64_t>(options_.world->size()) : 1;
  const uint64_t every = options_.policy.every_updates > 0
                             ? (static_cast<uint64_t>(options_.policy.every_updates) + ranks - 1) / ranks
                             : n;
  double loss_sum = 0;
  uint64_t loss_count = 0;
  while (!state_.finished && state_.epoch < static_cast<uint32_t>(options_.hp.epochs)) {
    while (state_.position < n && !state_.finished) {
      // The next checkpoint falls every `every` updates, counted over the whole run.
      uint64_t next_checkpoint = (state_.step / every + 1) * every;
      uint64_t end = std::min<uint64_t>(n, state_.position + (next_checkpoint - state_.step));
      auto segment_start = Clock::now();
      uint64_t segment_begin = state_.position;
      while (state_.position < end) {
        // A chunk never crosses a window: in memory the epoch is one window, so the chunks
        // (and with them every update) are what they were before windows existed.
        const RowWindow window = rows_.WindowAt(state_.epoch, state_.position);
        uint64_t chunk_end = std::min({end, state_.position + kProgressChunk, window.end});
        SgdEngine engine(model_, optimizer_, *window.data, options_.hp);
        double chunk_loss = engine.Run(*window.order, state_.position - window.begin, chunk_end - window.begin,
                                       state_.step, state_.total_steps, options_.threads);
        if (fault::kEnabled && fault::Requested(fault::kNanLossAtEpoch, std::to_string(state_.epoch + 1))) {
          chunk_loss = std::nan("");
        }
        if (!std::isfinite(chunk_loss)) {
          // Everything after this would be NaN weights chosen by NaN metrics; stop and say why.
          throw TrainingDivergedError(fmt::format(
              "training diverged: the loss became {} at epoch {} (learning_rate {}, l2 {}); lower "
              "training.learning_rate (--lr), e.g. to {}",
              std::isnan(chunk_loss) ? "NaN" : "infinite", state_.epoch + 1, options_.hp.learning_rate,
              options_.hp.l2, options_.hp.learning_rate / 10));
        }
        loss_sum += chunk_loss;
        loss_count += chunk_end - state_.position;
        state_.step += chunk_end - state_.position;
        state_.position = chunk_end;
        if (options_.on_progress) {
          double secs = std::chrono::duration<double>(Clock::now() - segment_start).count();
          options_.on_progress(state_.position, n,
                               secs > 0 ? static_cast<double>(state_.position - segment_begin) / secs : 0,
                               state_);
        }
      }
      if (state_.position == n) {
        state_.position = 0;
        state_.epoch += 1;
      }
      double run_seconds = std::chrono::duration<double>(Clock::now() - run_start).count();
      bool due = state_.step % every == 0 || state_.epoch == static_cast<uint32_t>(options_.hp.epochs);
      if (due) {
        if (distributed()) {
          AverageAcrossRanks(*options_.world, options_.hp.type, model_, optimizer_);
          double loss[2] = {loss_sum, static_cast<double>(loss_count)};
          options_.world->Sum(loss, 2);
          loss_sum = loss[0];
          loss_count = static_cast<uint64_t>(loss[1]);
        }
        Checkpoint(loss_sum, loss_count, run_seconds);
        loss_sum = 0;
        loss_count = 0;
      }
      if (state_.position == 0) break;  // next epoch: new order
    }
  }
  if (!state_.finished) {
    state_.finished = true;
    state_.stop_reason = "completed all epochs";
  }
  return state_;
}

void Trainer::ShareDecision() {
  if (!distributed()) return;
  std::string decision = rank() == 0 ? (state_.finished ? "1" : "0") + state_.stop_reason : std::string();
  options_.world->Broadcast(decision);
  state_.finished = !decision.empty() && decision[0] == '1';
  state_.stop_reason = decision.empty() ? "" : decision.substr(1);
}

// Multi-label checkpoints are compared at one threshold for every label, the one that
// maximizes validation micro-F1 for these weights: calibration and per-label thresholds
// come only after the checkpoint is chosen, and a fixed 0.5 would favour checkpoints by how
// their scores happen to sit around it.
MultiLabelCounts Trainer::MultiLabelCheckpointCounts(const std::vector<float>& logits) const {
  const size_t labels = model_.num_labels();
  std::vector<std::pair<float, bool>> pooled;
  pooled.reserve(logits.size());
  std::vector<std::vector<uint32_t>> gold(validation_.size());
  for (size_t i = 0; i < validation_.size(); ++i) {
    gold[i].assign(validation_.set_labels.begin() + static_cast<ptrdiff_t>(validation_.set_offsets[i]),
                   validation_.set_labels.begin() + static_cast<ptrdiff_t>(validation_.set_offsets[i + 1]));
    for (uint32_t k = 0; k < labels; ++k) {
      const bool positive = std::binary_search(gold[i].begin(), gold[i].end(), k);
      pooled.emplace_back(logits[i * labels + k], positive);
    }
  }
  const float threshold = BestF1Threshold(std::move(pooled));  // on logits: sigmoid is monotone
  MultiLabelCounts counts(validation_labels_);
  std::vector<uint32_t> predicted;
  for (size_t i = 0; i < validation_.size(); ++i) {
    predicted.clear();
    for (uint32_t k = 0; k < labels; ++k) {
      if (logits[i * labels + k] >= threshold) predicted.push_back(k);
    }
    counts.Add(gold[i], predicted);
  }
  return counts;
}

void Trainer::Checkpoint(double train_loss_sum, uint64_t examples_since, double run_seconds) {
  if (rank() != 0) {
    // The weights are rank 0's already (averaged); it validates and decides for everyone.
    ShareDecision();
    return;
  }
  const bool multi = validation_.multi_label();
  Scored scored = ScoreEncoded(model_, validation_, options_.threads, /*keep_logits=*/multi);
  double metric = 0, accuracy = 0;
  if (multi) {
    const MultiLabelCounts counts = MultiLabelCheckpointCounts(scored.logits);
    metric = counts.Metric(options_.metric);
    accuracy = counts.ExactMatch();
  } else {
    ConfusionMatrix confusion(validation_labels_);
    for (size_t i = 0; i < validation_.size(); ++i) {
      confusion.Add(validation_.labels[i], scored.predicted[i]);
    }
    metric = confusion.Metric(options_.metric);
    accuracy = confusion.Accuracy();
  }
  const double elapsed = state_.elapsed_seconds + run_seconds;
  SgdEngine engine(model_, optimizer_, validation_, options_.hp);  // for its learning-rate schedule
  nlohmann::json record = {
      {"checkpoint", state_.history.size() + 1},
      {"step", state_.step},
      {"epoch", static_cast<double>(state_.step) / static_cast<double>(EpochLength())},
      {"elapsed_seconds", elapsed},
      {"train_loss", examples_since ? train_loss_sum / static_cast<double>(examples_since) : 0.0},
      {"validation_loss", scored.loss},
      {"validation_metric", metric},
      {"metric", options_.metric.ToString()},
      {"validation_accuracy", accuracy},
      {"learning_rate", engine.LearningRate(state_.step, state_.total_steps)}};

  // A tie on the metric (common when validation is small or easy) is broken by the
  // validation loss, so that "100% at epoch 2" does not beat a better-separated model.
  const bool improved = metric > state_.best_metric + 1e-12 ||
                        (metric >= state_.best_metric - 1e-12 && scored.loss < state_.best_loss);
  const std::string file_name = CheckpointFileName(state_.step);
  if (improved) {
    state_.best_metric = metric;
    state_.best_loss = scored.loss;
    state_.best_step = state_.step;
    state_.best_checkpoint = file_name;
    state_.since_best = 0;
    // Without checkpoint files the best weights live here; a small model keeps them here
    // too, because reading its checkpoint back faults in file, weights and accumulators
    // (~1,500 pages, ~20 ms on a VM, for a 1.5 MB model) while this copy reuses its memory.
    const size_t weight_bytes = (model_.input.size() + model_.output.size() + model_.bias.size()) * sizeof(float);
    if (options_.checkpoint_dir.empty() || weight_bytes < kSmallRunWeightBytes) {
      best_in_memory_ = model_;
      best_in_memory_step_ = state_.step;
    }
  } else {
    state_.since_best += 1;
  }
  record["best"] = improved;
  state_.history.push_back(record);
  const int patience = options_.policy.patience;
  if (patience > 0 && state_.since_best >= patience) {
    state_.finished = true;
    state_.stop_reason = fmt::format("early stop: no improvement in {} checkpoints", patience);
  } else if (options_.time_limit_seconds > 0 && run_seconds > options_.time_limit_seconds) {
    state_.finished = true;
    state_.stop_reason = "time limit reached";
  }
  ShareDecision();
  if (!options_.checkpoint_dir.empty()) {
    FinishPendingWrite();
    // Copy-assignment keeps the snapshot vectors' capacity, so after the first checkpoint
    // this is a plain memcpy into memory already mapped: no fresh 70 MB of page faults.
    snapshot_.model = model_;
    snapshot_.optimizer = optimizer_;
    snapshot_.state = state_;
    snapshot_.state.elapsed_seconds = elapsed;
    pending_write_ = std::async(std::launch::async, [this, file_name] {
      WriteCheckpoint(options_.checkpoint_dir / file_name, snapshot_.model, snapshot_.optimizer,
                      snapshot_.state);
      Prune(snapshot_.state);
    });
  }
  if (options_.on_checkpoint) options_.on_checkpoint(record);
}

void Trainer::FinishPendingWrite() {
  if (pending_write_.valid()) pending_write_.get();
}

void Trainer::Prune(const TrainerState& state) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(options_.checkpoint_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("step-") && name.ends_with(".ckpt")) files.push_back(entry.path());
    // Leftover temporary files come from a crash mid-write; they are never valid.
    if (name.find(".ckpt.tmp.") != std::string::npos) std::filesystem::remove(entry.path());
  }
  std::sort(files.rbegin(), files.rend());
  size_t kept_recent = 0;
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    if (name == state.best_checkpoint) continue;
    if (kept_recent < static_cast<size_t>(options_.policy.keep_last)) {
      ++kept_recent;
      continue;
    }
    std::filesystem::remove(path);
  }
}

void Trainer::ReleaseTrainingState() {
  FinishPendingWrite();
  snapshot_ = Snapshot{};
  optimizer_ = OptimizerState{};
}

Model Trainer::BestModel() const {
  if (options_.checkpoint_dir.empty()) return best_in_memory_;
  if (best_in_memory_step_ == state_.best_step) return best_in_memory_;
  // The last checkpoint is the best (training ended on an improvement): its weights are
  // the ones in memory. Reading the file back would give the same bytes after reading
  // weights and accumulators, seconds for a large vocabulary.
  if (state_.best_step == state_.step && !state_.history.empty()) return model_;
  return ReadCheckpoint(options_.checkpoint_dir / state_.best_checkpoint).model;
}

}  // namespace trainops
