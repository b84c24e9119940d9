// Tests of the out-of-fold scores (train/cross_fit.h) a multi-label model's thresholds and
// shipped weights come from: small folds train side by side, a fold a thread, and must
// give exactly the numbers one thread gives; no row is scored by a model that trained on it.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "task/task_spec.h"
#include "train/cross_fit.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"

namespace trainops {
namespace {

struct Prepared {
  Model shape;
  EncodedData data;
  Hyperparameters hp;
};

// Messages with zero to two of three intents, each intent its own words.
Prepared MultiLabelRows(size_t n) {
  static const std::vector<std::vector<std::string>> kWords = {
      {"refund", "money", "back"}, {"size", "small", "fit"}, {"parcel", "late", "tracking"}};
  std::mt19937_64 rng(5);
  std::vector<std::string> texts;
  std::vector<std::vector<uint32_t>> sets;
  for (size_t i = 0; i < n; ++i) {
    std::string t = "hello about order " + std::to_string(rng() % 50);
    std::vector<uint32_t> set;
    for (uint32_t k = 0; k < 3; ++k) {
      if (rng() % 3 == 0) {
        set.push_back(k);
        t += " " + kWords[k][rng() % 3] + " " + kWords[k][rng() % 3];
      }
    }
    texts.push_back(t);
    sets.push_back(set);
  }
  Prepared p;
  p.hp = ResolveHyperparameters(TaskSpec{});
  p.hp.type = ModelType::kLinear;
  p.hp.epochs = 5;
  p.shape.info.type = ModelType::kLinear;
  p.shape.info.multi_label = true;
  p.shape.info.labels = {"refunds", "sizing", "shipping"};
  p.shape.info.features = p.hp.features;
  p.shape.extractor = FeatureExtractor(p.hp.features);
  BuildFeatureSpace(texts, p.hp.min_count, 1, p.shape);
  p.data = EncodeExamples(p.shape, texts, std::vector<uint32_t>(n, 0), 1);
  p.data.SetLabelSets(sets);
  return p;
}

TEST(OutOfFoldLogitsTest, SideBySideFoldsGiveExactlyWhatOneThreadGives) {
  const Prepared p = MultiLabelRows(400);
  Model one_average, two_average;
  const std::vector<float> one = OutOfFoldLogits(p.shape, p.data, p.hp, 3.0, kCrossFitFolds, 1, &one_average);
  const std::vector<float> two = OutOfFoldLogits(p.shape, p.data, p.hp, 3.0, kCrossFitFolds, 2, &two_average);
  ASSERT_EQ(one.size(), 400u * 3);
  EXPECT_EQ(one, two);  // bitwise: the same fold models, averaged in the same order
  EXPECT_EQ(one_average.input, two_average.input);
  EXPECT_EQ(one_average.bias, two_average.bias);
  EXPECT_EQ(OutOfFoldLogits(p.shape, p.data, p.hp, 3.0, kCrossFitFolds, 3), one);
  // Every row was scored (a logit of exactly 0 for all labels would be an unscored row).
  size_t unscored = 0;
  for (size_t i = 0; i < 400; ++i) unscored += one[i * 3] == 0.0f && one[i * 3 + 1] == 0.0f && one[i * 3 + 2] == 0.0f;
  EXPECT_EQ(unscored, 0u);
}

TEST(OutOfFoldLogitsTest, TheScoresSeparateTheLabelsTheFoldModelsNeverSawOnThatRow) {
  const Prepared p = MultiLabelRows(400);
  const std::vector<float> logits = OutOfFoldLogits(p.shape, p.data, p.hp, 4.0, kCrossFitFolds, 2);
  // Held-out rows with a label score higher on it than rows without: the fold models
  // learned the words, not the rows.
  double with = 0, without = 0;
  size_t n_with = 0, n_without = 0;
  for (size_t i = 0; i < 400; ++i) {
    bool has = false;
    for (uint64_t j = p.data.set_offsets[i]; j < p.data.set_offsets[i + 1]; ++j) has |= p.data.set_labels[j] == 0;
    (has ? with : without) += logits[i * 3];
    ++(has ? n_with : n_without);
  }
  ASSERT_GT(n_with, 50u);
  EXPECT_GT(with / static_cast<double>(n_with), without / static_cast<double>(n_without) + 2.0);
  // Too few rows for the folds: no scores, no crash.
  const Prepared tiny = MultiLabelRows(3);
  EXPECT_EQ(OutOfFoldLogits(tiny.shape, tiny.data, tiny.hp, 2.0, kCrossFitFolds, 2), std::vector<float>(9, 0.0f));
}

}  // namespace
}  // namespace trainops
