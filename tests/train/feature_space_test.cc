// Tests of the feature space (train/feature_space.h): the two ways of counting document
// frequencies agree exactly, whatever the thread count, and BuildFeatureSpace gives the
// same vocabulary whichever way it counts.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "task/task_spec.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"

namespace trainops {
namespace {

std::vector<std::string> Messages(size_t n, uint64_t seed) {
  static const std::vector<std::string> kWords = {"where", "is", "my", "order", "refund", "these", "shoes",
                                                  "are",   "too", "small", "size", "return", "label",  "café",
                                                  "naïve", "late", "parcel", "😀", "tracking", ""};
  std::mt19937_64 rng(seed);
  std::vector<std::string> texts;
  for (size_t i = 0; i < n; ++i) {
    std::string t;
    const size_t words = rng() % 9;  // some texts are empty
    for (size_t w = 0; w < words; ++w) t += (w ? " " : "") + kWords[rng() % kWords.size()];
    texts.push_back(t);
  }
  return texts;
}

Model ModelWith(const FeatureConfig& features) {
  Model m;
  m.info.features = features;
  m.extractor = FeatureExtractor(features);
  return m;
}

TEST(DocumentFrequenciesTest, SortingAndHashSpaceCountTheSameWhateverTheThreads) {
  const Model m = ModelWith(ResolveHyperparameters(TaskSpec{}).features);
  const std::vector<std::string> texts = Messages(500, 7);
  const auto dense = DocumentFrequenciesInHashSpace(texts, 1, m);
  ASSERT_GT(dense.size(), 100u);
  for (size_t i = 1; i < dense.size(); ++i) ASSERT_LT(dense[i - 1].first, dense[i].first) << "id order";
  for (int threads : {1, 2, 3}) {
    EXPECT_EQ(DocumentFrequenciesBySorting(texts, threads, m), dense) << threads << " threads";
    EXPECT_EQ(DocumentFrequenciesInHashSpace(texts, threads, m), dense) << threads << " threads";
  }
  // A text counts an n-gram once however often it holds it.
  const auto twice = DocumentFrequenciesBySorting({"return return return"}, 1, m);
  for (const auto& [id, df] : twice) EXPECT_EQ(df, 1u) << id;
  EXPECT_TRUE(DocumentFrequenciesBySorting({}, 2, m).empty());
  EXPECT_TRUE(DocumentFrequenciesInHashSpace({}, 2, m).empty());
}

// BuildFeatureSpace's vocabulary against AssignFeatureSpace over the given counter's counts.
void ExpectSameSpace(const FeatureConfig& features, const std::vector<std::string>& texts,
                     std::vector<std::pair<uint32_t, uint64_t>> (*count)(const std::vector<std::string>&, int,
                                                                         const Model&)) {
  Model built = ModelWith(features);
  BuildFeatureSpace(texts, 2, 2, built);
  Model reference = ModelWith(features);
  AssignFeatureSpace(count(texts, 1, reference), texts.size(), 2, nullptr, reference);
  EXPECT_EQ(built.vocab.ids(), reference.vocab.ids());
  EXPECT_EQ(built.idf, reference.idf);
  EXPECT_EQ(built.info.unseen_feature_idf, reference.info.unseen_feature_idf);
}

TEST(DocumentFrequenciesTest, BuildFeatureSpaceIsTheSameForSmallAndLargeInputs) {
  const std::vector<std::string> texts = Messages(300, 11);
  FeatureConfig features = ResolveHyperparameters(TaskSpec{}).features;
  // A small hash space makes these texts "large" (8 ids a byte >= buckets / 4): counted
  // in the hash space, they must give what sorting gives.
  features.buckets = 1024;
  ExpectSameSpace(features, texts, &DocumentFrequenciesBySorting);
  // The default hash space: counted by sorting, they must give what the array gives.
  features.buckets = 4u << 20;
  ExpectSameSpace(features, texts, &DocumentFrequenciesInHashSpace);
}

}  // namespace
}  // namespace trainops
