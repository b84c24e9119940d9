#include "train/model_averaging.h"

#include <algorithm>

#include "common/error.h"

namespace trainops {
namespace {

constexpr float kSeenFloor = 1e-12f;

// Averages `weights` in place, `width` consecutive weights sharing one accumulator (1 for
// per-weight AdaGrad, dim for the embedding's per-row accumulators). The reduction carries
// floats, the weights' own precision: the whole model crosses the network at every
// checkpoint, and doubles would double that.
// Every rank has the same sizes (the vocabulary is agreed before training), so the blocks
// line up.
void AverageWeighted(World& world, std::vector<float>& weights, std::vector<float>& accumulators, size_t width) {
  if (accumulators.size() * width != weights.size()) {
    throw InternalError("model averaging: weights and accumulators do not match");
  }
  // In blocks, so the buffer stays small however large the model is.
  constexpr size_t kBlockWeights = size_t{1} << 20;
  const size_t block_groups = std::max<size_t>(1, kBlockWeights / std::max<size_t>(1, width));
  const float ranks = static_cast<float>(world.size());
  std::vector<float> sums;
  for (size_t first = 0; first < accumulators.size(); first += block_groups) {
    const size_t groups = std::min(block_groups, accumulators.size() - first);
    const size_t n = groups * width;
    float* w = weights.data() + first * width;
    float* acc = accumulators.data() + first;
    // One reduction per block: [weight * seen | seen].
    sums.assign(n + groups, 0.0f);
    for (size_t g = 0; g < groups; ++g) {
      // The floor makes weights no rank has a visible gradient for (a gradient too small
      // to move a float accumulator still moves the weight) their plain mean, so that
      // every rank ends with the same model; above it, it changes nothing measurable.
      const float seen = std::max(0.0f, acc[g] - kInitialAccumulator) + kSeenFloor;
      sums[n + g] = seen;
      for (size_t k = g * width; k < (g + 1) * width; ++k) sums[k] = w[k] * seen;
    }
    world.Sum(sums.data(), sums.size());
    for (size_t g = 0; g < groups; ++g) {
      const float seen = sums[n + g];
      for (size_t k = g * width; k < (g + 1) * width; ++k) w[k] = sums[k] / seen;
      acc[g] = kInitialAccumulator + std::max(0.0f, seen - kSeenFloor * ranks) / ranks;
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
