#include "check/out_of_fold.h"

#include <algorithm>
#include <random>

#include "common/parallel.h"
#include "train/sgd_engine.h"

namespace trainops::check_internal {
namespace {

std::vector<uint32_t> Shuffled(std::vector<uint32_t> v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(rng() % i)]);
  return v;
}

}  // namespace

std::vector<int> AssignFolds(const std::vector<uint32_t>& labels, size_t num_labels, int folds, uint64_t seed) {
  std::vector<std::vector<uint32_t>> by_label(num_labels);
  for (uint32_t i = 0; i < labels.size(); ++i) by_label[labels[i]].push_back(i);
  std::vector<int> fold(labels.size());
  int next = 0;
  for (size_t l = 0; l < num_labels; ++l) {
    for (uint32_t i : Shuffled(by_label[l], seed + l)) {
      fold[i] = next;
      next = (next + 1) % folds;
    }
  }
  return fold;
}

std::vector<float> OutOfFoldProbabilities(const Model& base, const EncodedData& data, const Hyperparameters& hp,
                                          const std::vector<int>& fold, int folds, int threads) {
  const size_t labels = base.num_labels();
  std::vector<float> probs(data.size() * labels, 0.0f);
  ParallelFor(static_cast<size_t>(folds), threads, [&](size_t, size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      Model model = base;
      OptimizerState state;
      InitializeWeights(hp, model, state);
      std::vector<uint32_t> train_rows, held_out;
      for (uint32_t i = 0; i < fold.size(); ++i) (fold[i] == static_cast<int>(k) ? held_out : train_rows).push_back(i);
      SgdEngine engine(model, state, data, hp);
      const uint64_t total = static_cast<uint64_t>(hp.epochs) * train_rows.size();
      for (int epoch = 0; epoch < hp.epochs; ++epoch) {
        const auto order = Shuffled(train_rows, hp.seed * 31 + k * 1000 + static_cast<uint64_t>(epoch));
        engine.Run(order, 0, order.size(), static_cast<uint64_t>(epoch) * order.size(), total, 1);
      }
      std::vector<float> hidden, logits;
      for (uint32_t i : held_out) {
        const uint64_t first = data.offsets[i];
        model.Logits(data.rows.data() + first, data.values.data() + first, data.offsets[i + 1] - first, hidden,
                     logits);
        model.Softmax(logits, 1.0f);
        std::copy(logits.begin(), logits.end(), probs.begin() + i * labels);
      }
    }
  });
  return probs;
}

}  // namespace trainops::check_internal
