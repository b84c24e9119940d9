// Out-of-fold scores of the training rows, for choosing a multi-label model's calibration
// and thresholds on more than the validation rows: a per-label threshold fitted on a
// validation carve of a few hundred rows rests on a handful of positives per label, and
// on NLU++ hotels thresholds fitted on 5-fold out-of-fold scores of the training rows beat
// those fitted on the carve by more than a point of micro-F1 (bench/RESULTS.md,
// docs/evaluation.md).
//
// The training rows are dealt into `folds` seeded folds; for each, a model with the same
// features and hyper-parameters is trained on the other folds for as many epochs as the
// selected checkpoint had (the learning-rate schedule planned for the full run, so each
// fold model stops where the selected one stood) and scores its held-out fold. Nothing of
// the held-out fold, and nothing of the validation rows, reaches the fold models.
// Not thread-safe; uses `threads` threads: small multi-label folds train side by side, a
// fold a thread, larger ones one after another, each over all the threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/model.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"

namespace trainops {

inline constexpr int kCrossFitFolds = 5;

// Rows x labels raw logits, row i scored by the fold model that did not train on it.
// `shape` gives the features (vocabulary, IDF, extractor, labels); `epochs` is the selected
// checkpoint's epoch count (fractional). Rows of a fold too small to train on (fewer than
// two rows elsewhere) keep logits of 0.
// `average` (linear models only), when given, receives the mean of the fold models' weights
// and biases (the logits of the averaged model are the mean of the fold models' logits).
std::vector<float> OutOfFoldLogits(const Model& shape, const EncodedData& train, const Hyperparameters& hp,
                                   double epochs, int folds, int threads, Model* average = nullptr);

// Trains the fold models of OutOfFoldLogits while the main training runs, on a thread of
// its own, for a small multi-label task (CrossFitRunner::Applies): the main training uses
// one core there (SgdEngine::Run), the fold models (4x its work at the selected epoch count)
// waited for it and then ran in three waves on two cores, half the run's time. A fold
// model never trains past the checkpoint the main training has selected so far, which only
// moves forward, so no fold update is ever thrown away, and each fold model goes through
// exactly the updates OutOfFoldLogits gives it: Finish returns the same numbers, bit for bit.
// Thread-safety: SelectedSoFar may be called from any thread; Finish once, from one thread.
// `train` must outlive the runner and stay unchanged; the runner copies `shape`'s features.
class CrossFitRunner {
 public:
  CrossFitRunner(const Model& shape, const EncodedData& train, const Hyperparameters& hp, int folds);
  ~CrossFitRunner();  // stops the background thread (a run that failed never calls Finish)
  CrossFitRunner(const CrossFitRunner&) = delete;
  CrossFitRunner& operator=(const CrossFitRunner&) = delete;

  // Whether a run may overlap its cross-fit with training: a multi-label task whose fold
  // models train on one thread (fewer than 2 x kMultiLabelRowsPerThread rows) and are small
  // (all `folds` models and their optimizer state held at once: weights under
  // kSmallRunWeightBytes), with at least two threads to use and one process.
  static bool Applies(const EncodedData& train, size_t weight_count, int folds, int threads, int world_size);

  // The main training's selected checkpoint so far, in epochs: fold models may train up to it.
  void SelectedSoFar(double epochs);

  // OutOfFoldLogits(shape, train, hp, epochs, folds, threads, average), finishing the fold
  // models on `threads` threads (the background one among them). Rethrows what failed there.
  std::vector<float> Finish(double epochs, int threads, Model* average);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The rows `rows` of `data`, in that order (features, labels, label sets, coverage, weights),
// into `out`, replacing its contents and reusing its memory.
void SubsetRowsInto(const EncodedData& data, const std::vector<uint32_t>& rows, EncodedData& out);

}  // namespace trainops
