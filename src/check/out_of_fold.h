// Out-of-fold probabilities for the label_errors check: every labelled row is scored by a
// copy of the project's linear model that never saw it, so a wrong label cannot vouch for
// itself. Folds are stratified and trained in parallel, one thread each, so the result is
// the same whatever the thread count. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"

namespace trainops::check_internal {

// Stratified fold of each row: within each label, rows are shuffled (seeded) and dealt
// round-robin, so every fold holds about 1/folds of every label.
std::vector<int> AssignFolds(const std::vector<uint32_t>& labels, size_t num_labels, int folds, uint64_t seed);

// Row-major (rows x labels) probabilities of each row of `data` from a model trained with
// `hp` on the other folds. `base` holds the feature space `data` was encoded with.
std::vector<float> OutOfFoldProbabilities(const Model& base, const EncodedData& data, const Hyperparameters& hp,
                                          const std::vector<int>& fold, int folds, int threads);

}  // namespace trainops::check_internal
