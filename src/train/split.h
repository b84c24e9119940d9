// Seeded stratified split of examples into train and validation: every label keeps its
// share in both parts (labels with a single example stay in train).
#pragma once

#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace trainops {

struct SplitResult {
  std::vector<Example> train;
  std::vector<Example> validation;
};

SplitResult StratifiedSplit(std::vector<Example> examples, double validation_share, uint64_t seed);

// Multi-label data: a seeded uniform share (rounded) goes to validation, the file's order
// kept within each part. Stratifying by label set would not do: most sets are rare, and a
// set seen twice would send half its rows to validation.
SplitResult RandomSplit(std::vector<Example> examples, double validation_share, uint64_t seed);

}  // namespace trainops
