// The optimizer: softmax cross-entropy (multi-label data: one-vs-all binary cross-entropy,
// a sigmoid per label) with L2, AdaGrad step sizes and a linearly decaying
// base learning rate; per-example importance weights (EncodedData::weights). Threads update the shared weights without locks (Hogwild, as
// fastText does): with sparse inputs collisions are rare and harmless, and with one thread
// the result is bit-for-bit deterministic.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"

namespace trainops {

// Every AdaGrad accumulator starts here (so the first steps are not divided by zero); what
// is above it is the squared gradient a weight has seen.
inline constexpr float kInitialAccumulator = 0.01f;

// AdaGrad accumulators, saved in checkpoints so a resumed run continues exactly.
struct OptimizerState {
  std::vector<float> input;   // linear: per weight; embedding: per input row
  std::vector<float> output;  // embedding: per weight
  std::vector<float> bias;    // per label
};

// Initializes weights (seeded) and optimizer state for the model's vocabulary.
void InitializeWeights(const Hyperparameters& hp, Model& model, OptimizerState& state);

// A multi-label run gets one Hogwild thread per this many training rows (SgdEngine::Run
// says why): below twice this, its updates run on one thread.
inline constexpr size_t kMultiLabelRowsPerThread = 5000;

class SgdEngine {
 public:
  SgdEngine(Model& model, OptimizerState& state, const EncodedData& train,
            const Hyperparameters& hp);

  // Trains on train examples order[begin, end). `step` is the number of updates done
  // before `begin` (drives the schedule), `total_steps` the planned total. Returns the
  // summed training loss. Multi-label data uses a thread per 5,000 training rows at most
  // (so small multi-label tasks train bit-for-bit the same at any thread count).
  double Run(const std::vector<uint32_t>& order, size_t begin, size_t end, uint64_t step,
             uint64_t total_steps, int threads);

  float LearningRate(uint64_t step, uint64_t total_steps) const;

  // Multi-label: Run returns 0 instead of the summed loss, which it then never computes
  // (the cross-fit's fold models: nothing reads their loss). The updates are the same.
  void SkipMultiLabelLoss() { with_loss_ = false; }

 private:
  // Per-thread buffers, reused across updates.
  struct Workspace {
    std::vector<float> hidden, probs, grad_hidden;
    std::vector<uint32_t> active;
  };
  // One example's update; returns its loss (times its weight). An example of weight w
  // counts as w copies of itself with the same gradient, as Vowpal Wabbit's adaptive
  // update treats importance weights: each AdaGrad accumulator grows by w * g^2 and each
  // step is lr * w * g / sqrt(acc). Weight 0 skips the example.
  double Update(uint32_t example, float lr, Workspace& ws);
  // kWeighted false is the unweighted arithmetic, untouched, so a run whose weights are
  // all 1 gives the same model bytes as one without weights.
  template <bool kWeighted>
  double UpdateWith(uint32_t example, float lr, float weight, Workspace& ws);

  Model& model_;
  OptimizerState& state_;
  const EncodedData& train_;
  Hyperparameters hp_;
  bool with_loss_ = true;
};

// Multi-label: the summed binary cross-entropy of one example's label probabilities
// against its label set (`gold`, sorted; indices >= labels are ignored).
double MultiLabelLoss(const float* probs, size_t labels, const uint32_t* gold, size_t gold_count);

// Mean cross-entropy (multi-label: summed binary cross-entropy) and predicted label per example (argmax), with the raw logits
// appended to `logits` when non-null (row-major, examples x labels).
struct Scored {
  double loss = 0;
  std::vector<uint32_t> predicted;
  std::vector<float> logits;
};
Scored ScoreEncoded(const Model& model, const EncodedData& data, int threads, bool keep_logits);

}  // namespace trainops
