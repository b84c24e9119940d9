// Tests of the label_errors check's out-of-fold probabilities (check/out_of_fold.h):
// stratified folds, a row's probabilities never depending on its own label, and the same
// numbers whatever the thread count.
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "check/out_of_fold.h"
#include "task/task_spec.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"

namespace trainops::check_internal {
namespace {

// Three labels with their own keywords plus shared filler, so a model learns them in a
// few epochs but not with certainty.
struct Data {
  std::vector<std::string> texts;
  std::vector<uint32_t> labels;
};
Data ThreeLabels(size_t per_label, uint64_t seed) {
  static const std::vector<std::vector<std::string>> kWords = {
      {"refund", "return", "parcel", "label", "send"},
      {"courier", "tracking", "late", "arrive", "van"},
      {"card", "charged", "invoice", "declined", "billing"}};
  static const std::vector<std::string> kFiller = {"hello", "please", "my", "the", "order", "help"};
  std::mt19937_64 rng(seed);
  Data d;
  for (size_t i = 0; i < per_label; ++i) {
    for (uint32_t l = 0; l < kWords.size(); ++l) {
      std::string text = kFiller[rng() % kFiller.size()];
      for (int w = 0; w < 4; ++w) text += " " + (rng() % 3 ? kWords[l][rng() % 5] : kFiller[rng() % 6]);
      d.texts.push_back(text);
      d.labels.push_back(l);
    }
  }
  return d;
}

struct Encoded {
  Model base;
  EncodedData data;
  Hyperparameters hp;
};
Encoded Prepare(const Data& d, int threads) {
  TaskSpec spec;
  Encoded s;
  s.hp = ResolveHyperparameters(spec);
  s.hp.type = ModelType::kLinear;
  s.hp.epochs = 4;
  s.base.info.type = ModelType::kLinear;
  s.base.info.labels = {"returns", "shipping", "payment"};
  s.base.info.features = s.hp.features;
  s.base.extractor = FeatureExtractor(s.hp.features);
  BuildFeatureSpace(d.texts, s.hp.min_count, threads, s.base);
  s.data = EncodeExamples(s.base, d.texts, d.labels, threads);
  return s;
}

TEST(OutOfFold, FoldsAreStratified) {
  const Data d = ThreeLabels(50, 1);
  const std::vector<int> fold = AssignFolds(d.labels, 3, 5, 42);
  std::map<std::pair<uint32_t, int>, int> count;
  for (size_t i = 0; i < fold.size(); ++i) {
    ASSERT_GE(fold[i], 0);
    ASSERT_LT(fold[i], 5);
    ++count[{d.labels[i], fold[i]}];
  }
  for (uint32_t l = 0; l < 3; ++l)
    for (int k = 0; k < 5; ++k) EXPECT_EQ((count[{l, k}]), 10) << "label " << l << " fold " << k;
  EXPECT_EQ(AssignFolds(d.labels, 3, 5, 42), fold);
  EXPECT_NE(AssignFolds(d.labels, 3, 5, 43), fold);
}

TEST(OutOfFold, ARowsOwnLabelNeverShapesItsProbabilities) {
  const Data d = ThreeLabels(40, 2);
  const Encoded s = Prepare(d, 1);
  const std::vector<int> fold = AssignFolds(d.labels, 3, 5, 7);
  const std::vector<float> probs = OutOfFoldProbabilities(s.base, s.data, s.hp, fold, 5, 1);
  ASSERT_EQ(probs.size(), d.texts.size() * 3);
  size_t right = 0;
  for (size_t i = 0; i < d.texts.size(); ++i) {
    EXPECT_NEAR(probs[i * 3] + probs[i * 3 + 1] + probs[i * 3 + 2], 1.0f, 1e-4f);
    const float* p = &probs[i * 3];
    right += p[d.labels[i]] > p[(d.labels[i] + 1) % 3] && p[d.labels[i]] > p[(d.labels[i] + 2) % 3];
  }
  EXPECT_GT(right, d.texts.size() * 8 / 10);  // learnable: held-out rows mostly right

  // Relabel row 0: every row of its fold keeps bit-identical probabilities (their model
  // never saw row 0), while the other folds' models, which trained on it, change.
  EncodedData relabelled = s.data;
  relabelled.labels[0] = (relabelled.labels[0] + 1) % 3;
  const std::vector<float> again = OutOfFoldProbabilities(s.base, relabelled, s.hp, fold, 5, 1);
  bool others_changed = false;
  for (size_t i = 0; i < d.texts.size(); ++i) {
    for (size_t l = 0; l < 3; ++l) {
      if (fold[i] == fold[0]) {
        EXPECT_EQ(again[i * 3 + l], probs[i * 3 + l]) << "row " << i;
      } else if (again[i * 3 + l] != probs[i * 3 + l]) {
        others_changed = true;
      }
    }
  }
  EXPECT_TRUE(others_changed);
}

TEST(OutOfFold, SameProbabilitiesWhateverTheThreadCount) {
  const Data d = ThreeLabels(30, 3);
  const Encoded one = Prepare(d, 1), three = Prepare(d, 3);
  const std::vector<int> fold = AssignFolds(d.labels, 3, 4, 11);
  const std::vector<float> p1 = OutOfFoldProbabilities(one.base, one.data, one.hp, fold, 4, 1);
  EXPECT_EQ(OutOfFoldProbabilities(three.base, three.data, three.hp, fold, 4, 2), p1);
  EXPECT_EQ(OutOfFoldProbabilities(three.base, three.data, three.hp, fold, 4, 3), p1);
}

}  // namespace
}  // namespace trainops::check_internal
