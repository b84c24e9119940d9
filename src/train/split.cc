#include "train/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace trainops {

SplitResult StratifiedSplit(std::vector<Example> examples, double validation_share, uint64_t seed) {
  // std::map: labels visited in sorted order, so the split does not depend on hashing.
  std::map<std::string, std::vector<size_t>> by_label;
  for (size_t i = 0; i < examples.size(); ++i) by_label[examples[i].label].push_back(i);
  std::vector<bool> to_validation(examples.size(), false);
  std::mt19937_64 rng(seed ^ 0x73706c6974ull);  // "split"
  for (auto& [label, indices] : by_label) {
    for (size_t i = indices.size(); i > 1; --i) {
      std::swap(indices[i - 1], indices[static_cast<size_t>(rng() % i)]);
    }
    size_t take = static_cast<size_t>(std::llround(validation_share * static_cast<double>(indices.size())));
    if (indices.size() >= 2) take = std::clamp<size_t>(take, 1, indices.size() - 1);
    else take = 0;
    for (size_t k = 0; k < take; ++k) to_validation[indices[k]] = true;
  }
  SplitResult result;
  for (size_t i = 0; i < examples.size(); ++i) {
    (to_validation[i] ? result.validation : result.train).push_back(std::move(examples[i]));
  }
  return result;
}

SplitResult RandomSplit(std::vector<Example> examples, double validation_share, uint64_t seed) {
  std::vector<size_t> indices(examples.size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  std::mt19937_64 rng(seed ^ 0x73706c6974ull);
  for (size_t i = indices.size(); i > 1; --i) std::swap(indices[i - 1], indices[static_cast<size_t>(rng() % i)]);
  size_t take = static_cast<size_t>(std::llround(validation_share * static_cast<double>(examples.size())));
  if (examples.size() >= 2) take = std::clamp<size_t>(take, 1, examples.size() - 1);
  std::vector<bool> to_validation(examples.size(), false);
  for (size_t k = 0; k < take && k < indices.size(); ++k) to_validation[indices[k]] = true;
  SplitResult result;
  for (size_t i = 0; i < examples.size(); ++i) {
    (to_validation[i] ? result.validation : result.train).push_back(std::move(examples[i]));
  }
  return result;
}

}  // namespace trainops
