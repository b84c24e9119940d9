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

// The rows `rows` of `data`, in that order (features, labels, label sets, coverage, weights),
// into `out`, replacing its contents and reusing its memory.
void SubsetRowsInto(const EncodedData& data, const std::vector<uint32_t>& rows, EncodedData& out);

}  // namespace trainops
