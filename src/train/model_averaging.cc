#include "train/model_averaging.h"

#include <algorithm>

#include "common/error.h"

namespace trainops {
namespace {

// Averages `weights` in place, `width` consecutive weights sharing one accumulator (1 for
// per-weight AdaGrad, dim for the embedding's per-row accumulators). Sums are in double:
// a sum of many ranks' float products would otherwise depend on the reduction order more.
// Every rank has the same sizes (the vocabulary is agreed before training), so the blocks
// line up.
void AverageWeighted(World& world, std::vector<float>& weights, std::vector<float>& accumulators, size_t width) {
  if (accumulators.size() * width != weights.size()) {
    throw InternalError("model averaging: weights and accumulators do not match");
  }
  // In blocks, so the double-precision buffer stays small however large the model is.
  constexpr size_t kBlockWeights = size_t{1} << 20;
  const size_t block_groups = std::max<size_t>(1, kBlockWeights / std::max<size_t>(1, width));
  const double ranks = world.size();
  std::vector<double> sums;
  for (size_t first = 0; first < accumulators.size(); first += block_groups) {
    const size_t groups = std::min(block_groups, accumulators.size() - first);
    const size_t n = groups * width;
    float* w = weights.data() + first * width;
    float* acc = accumulators.data() + first;
    // One reduction per block: [weight * seen | seen].
    sums.assign(n + groups, 0.0);
    for (size_t g = 0; g < groups; ++g) {
      const double seen = std::max(0.0, static_cast<double>(acc[g]) - kInitialAccumulator);
      sums[n + g] = seen;
      for (size_t k = g * width; k < (g + 1) * width; ++k) sums[k] = static_cast<double>(w[k]) * seen;
    }
    world.Sum(sums.data(), sums.size());
    for (size_t g = 0; g < groups; ++g) {
      const double seen = sums[n + g];
      // No rank ever updated these weights (an update always adds to the accumulator):
      // they still hold the initial values, the same on every rank.
      if (seen <= 0) continue;
      for (size_t k = g * width; k < (g + 1) * width; ++k) w[k] = static_cast<float>(sums[k] / seen);
      acc[g] = static_cast<float>(kInitialAccumulator + seen / ranks);
    }
  }
}

}  // namespace

void AverageAcrossRanks(World& world, ModelType type, Model& model, OptimizerState& optimizer) {
  if (!world.distributed()) return;
  const size_t input_width = type == ModelType::kLinear ? 1 : model.dim;
  AverageWeighted(world, model.input, optimizer.input, input_width);
  AverageWeighted(world, model.output, optimizer.output, 1);
  AverageWeighted(world, model.bias, optimizer.bias, 1);
}

}  // namespace trainops
