// Tests of the out-of-fold scores (train/cross_fit.h) a multi-label model's thresholds and
// shipped weights come from: small folds train side by side, a fold a thread, and must
// give exactly the numbers one thread gives; no row is scored by a model that trained on it.
// The runner that trains them alongside the main training must give the same numbers too.
#include <chrono>
#include <random>
#include <string>
#include <thread>
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


// The runner's fold models train while "the main training" moves its selected checkpoint;
// whatever the timing, Finish must return what OutOfFoldLogits computes after the fact.
void ExpectRunnerMatches(const Prepared& p, const std::vector<double>& selected, double final_epochs, int threads,
                         std::chrono::milliseconds pause) {
  Model expected_average, average;
  const std::vector<float> expected =
      OutOfFoldLogits(p.shape, p.data, p.hp, final_epochs, kCrossFitFolds, 1, &expected_average);
  CrossFitRunner runner(p.shape, p.data, p.hp, kCrossFitFolds);
  for (double epochs : selected) {
    runner.SelectedSoFar(epochs);
    std::this_thread::sleep_for(pause);
  }
  const std::vector<float> got = runner.Finish(final_epochs, threads, &average);
  EXPECT_EQ(got, expected);  // bitwise
  EXPECT_EQ(average.input, expected_average.input);
  EXPECT_EQ(average.bias, expected_average.bias);
}

TEST(CrossFitRunnerTest, FinishGivesExactlyTheAfterTheFactScoresWhateverTheTiming) {
  const Prepared p = MultiLabelRows(400);
  // No pause: Finish arrives before the fold models got anywhere; with pauses the
  // background thread catches up with each selected checkpoint first.
  ExpectRunnerMatches(p, {1.0, 2.0, 3.0}, 3.0, 2, std::chrono::milliseconds(0));
  ExpectRunnerMatches(p, {1.0, 2.0, 3.0}, 3.0, 2, std::chrono::milliseconds(30));
  ExpectRunnerMatches(p, {}, 2.0, 2, std::chrono::milliseconds(0));       // nothing selected before the end
  ExpectRunnerMatches(p, {1.0, 2.5}, 2.5, 3, std::chrono::milliseconds(20));  // a fractional epoch, 3 threads
}

TEST(CrossFitRunnerTest, AFoldModelPastTheFinalStopStartsOver) {
  const Prepared p = MultiLabelRows(400);
  // Selected 4 epochs, then Finish says 2: the fold models that went on must be redone.
  ExpectRunnerMatches(p, {4.0}, 2.0, 2, std::chrono::milliseconds(100));
}

TEST(CrossFitRunnerTest, ARunThatFailsBeforeFinishStopsTheBackgroundThread) {
  const Prepared p = MultiLabelRows(400);
  const auto start = std::chrono::steady_clock::now();
  {
    CrossFitRunner runner(p.shape, p.data, p.hp, kCrossFitFolds);
    runner.SelectedSoFar(5.0);
  }  // destroyed mid-training: joins after at most the epoch in progress
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // Too few rows: no thread, no scores.
  const Prepared tiny = MultiLabelRows(3);
  CrossFitRunner runner(tiny.shape, tiny.data, tiny.hp, kCrossFitFolds);
  EXPECT_EQ(runner.Finish(2.0, 2, nullptr), std::vector<float>(9, 0.0f));
}

TEST(CrossFitRunnerTest, AppliesOnlyToSmallMultiLabelRunsWithACoreToSpare) {
  const Prepared p = MultiLabelRows(400);
  const size_t weights = p.shape.vocab.size() * 3;
  EXPECT_TRUE(CrossFitRunner::Applies(p.data, weights, kCrossFitFolds, 2, 1));
  EXPECT_FALSE(CrossFitRunner::Applies(p.data, weights, kCrossFitFolds, 1, 1));   // one thread asked for
  EXPECT_FALSE(CrossFitRunner::Applies(p.data, weights, kCrossFitFolds, 2, 2));   // under mpirun
  EXPECT_FALSE(CrossFitRunner::Applies(p.data, size_t{4} << 20, kCrossFitFolds, 2, 1));  // 16 MB of weights
  EncodedData single = p.data;
  single.Clear(false);
  EXPECT_FALSE(CrossFitRunner::Applies(single, weights, kCrossFitFolds, 2, 1));  // single-label
}

}  // namespace
}  // namespace trainops
