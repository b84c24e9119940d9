// Tests of folding an embedding model into a linear one (train/embedding_companion.h): the
// folded model's logits must be the weighted sum of the two models' logits for any input,
// since the shipped file is scored as a plain linear model by every reader.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "common/error.h"
#include "train/embedding_companion.h"

namespace trainops {
namespace {

constexpr size_t kRows = 7, kLabels = 4, kDim = 3;

std::vector<float> Random(size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

Model Shape(ModelType type, std::mt19937_64& rng) {
  Model m;
  m.info.type = type;
  m.info.labels = {"a", "b", "c", "d"};
  std::vector<uint32_t> ids(kRows);
  for (uint32_t i = 0; i < kRows; ++i) ids[i] = 10 * i + 3;
  m.vocab.Assign(ids);
  m.idf.assign(kRows, 1.0f);
  m.dim = type == ModelType::kLinear ? kLabels : kDim;
  m.input = Random(kRows * m.dim, rng);
  if (type == ModelType::kEmbedding) m.output = Random(kDim * kLabels, rng);
  m.bias = Random(kLabels, rng);
  return m;
}

TEST(EmbeddingCompanionTest, TheFoldedModelScoresTheWeightedSumOfBothModelsLogits) {
  std::mt19937_64 rng(7);
  const Model linear = Shape(ModelType::kLinear, rng);
  const Model embedding = Shape(ModelType::kEmbedding, rng);
  const float a = 0.6f / 0.8f, c = 0.4f / 1.3f;
  Model folded = linear;
  FoldCompanionInto(folded, embedding, a, c);
  std::vector<float> hidden, z_lin, z_emb, z;
  for (int trial = 0; trial < 50; ++trial) {
    // A sparse vector over a few of the rows, as an encoded text is.
    std::vector<uint32_t> rows;
    std::vector<float> values;
    for (uint32_t r = 0; r < kRows; ++r) {
      if (rng() % 2) {
        rows.push_back(r);
        values.push_back(std::uniform_real_distribution<float>(0.05f, 1.0f)(rng));
      }
    }
    linear.Logits(rows.data(), values.data(), rows.size(), hidden, z_lin);
    embedding.Logits(rows.data(), values.data(), rows.size(), hidden, z_emb);
    folded.Logits(rows.data(), values.data(), rows.size(), hidden, z);
    ASSERT_EQ(z.size(), kLabels);
    for (size_t k = 0; k < kLabels; ++k) EXPECT_NEAR(z[k], a * z_lin[k] + c * z_emb[k], 1e-5) << trial << " " << k;
  }
}

TEST(EmbeddingCompanionTest, ModelsOfAnotherShapeAreRefused) {
  std::mt19937_64 rng(8);
  Model linear = Shape(ModelType::kLinear, rng);
  Model embedding = Shape(ModelType::kEmbedding, rng);
  Model fewer_rows = embedding;
  fewer_rows.vocab.Assign({1, 2});
  fewer_rows.idf.assign(2, 1.0f);
  fewer_rows.input.resize(2 * kDim);
  EXPECT_THROW(FoldCompanionInto(linear, fewer_rows, 1, 1), InternalError);
  Model not_embedding = linear;
  EXPECT_THROW(FoldCompanionInto(linear, not_embedding, 1, 1), InternalError);
  Model other_labels = embedding;
  other_labels.info.labels.push_back("e");
  EXPECT_THROW(FoldCompanionInto(linear, other_labels, 1, 1), InternalError);
}

TEST(EmbeddingCompanionTest, TheCompanionUsesTheEmbeddingDefaultsWithTheLinearRunsFeatures) {
  Hyperparameters linear;
  linear.type = ModelType::kLinear;
  linear.features.word_ngrams = 3;
  linear.min_count = 2;
  linear.epochs = 7;
  linear.learning_rate = 0.9f;
  linear.seed = 42;
  const Hyperparameters h = CompanionHyperparameters(linear, 64);
  EXPECT_EQ(h.type, ModelType::kEmbedding);
  EXPECT_EQ(h.dim, 64);
  EXPECT_EQ(h.features.word_ngrams, 3);
  EXPECT_EQ(h.min_count, 2);
  EXPECT_NE(h.seed, linear.seed);
  EXPECT_NE(h.epochs, linear.epochs) << "the embedding model's own defaults, not the linear run's";
  EXPECT_NE(h.learning_rate, linear.learning_rate);
}

}  // namespace
}  // namespace trainops
