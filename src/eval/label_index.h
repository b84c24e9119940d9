// Maps label names to indices for metrics: known labels keep their model index, labels
// the model never learned get indices past the end so they are counted, not dropped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace trainops {

// Index of each example's label in `extended` (which starts as a copy of the model's
// labels); unknown labels are appended to `extended` in order of first appearance.
std::vector<uint32_t> IndexLabels(const std::vector<Example>& examples,
                                  std::vector<std::string>& extended);

}  // namespace trainops
