// How a text becomes the vector the model scores: TF-IDF weights, L2-normalized either per
// block (word n-grams, char n-grams) or with one norm over all (FeatureConfig::block_norm).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "model/model.h"

namespace trainops {
namespace {

double SquaredNorm(const SparseVector& x, size_t begin, size_t end) {
  double sum = 0;
  for (size_t i = begin; i < end; ++i) sum += static_cast<double>(x.values[i]) * x.values[i];
  return sum;
}

struct Fixture {
  FeatureVocabulary vocab;
  std::vector<float> idf = {1.0f, 2.0f, 1.5f, 3.0f, 1.2f};
  std::vector<uint32_t> row_counts;
  Fixture() { vocab.Assign({10, 11, 20, 21, 22}); }  // 10, 11: word n-grams; 20-22: char n-grams
};

TEST(EncodeFeaturesTest, EachBlockGetsHalfTheNorm) {
  Fixture f;
  // Two word n-grams (one twice) and three char n-grams (one twice); 99 is unseen.
  const std::vector<uint32_t> ids = {10, 11, 10, 99, 20, 21, 22, 22};
  SparseVector x;
  EncodeFeatures(ids, 4, f.vocab, f.idf, f.row_counts, x, /*unseen_idf=*/2.0f);
  ASSERT_EQ(x.rows.size(), 5u);
  EXPECT_NEAR(SquaredNorm(x, 0, 2), 0.5, 1e-6);
  EXPECT_NEAR(SquaredNorm(x, 2, 5), 0.5, 1e-6);
  // Within a block the TF-IDF proportions are kept: (1 + ln 2) * 1 against 1 * 2.
  EXPECT_NEAR(x.values[0] / x.values[1], (1 + std::log(2.0)) / 2.0, 1e-5);
  // Coverage compares the raw weights, whatever the normalization.
  SparseVector joint;
  EncodeFeatures(ids, ids.size(), f.vocab, f.idf, f.row_counts, joint, 2.0f);
  EXPECT_EQ(x.coverage, joint.coverage);
  EXPECT_LT(x.coverage, 1.0f);
}

TEST(EncodeFeaturesTest, OneBlockOrOneNormIsTheJointVector) {
  Fixture f;
  const std::vector<uint32_t> ids = {10, 11, 10, 20, 21, 22, 22};
  SparseVector joint;
  EncodeFeatures(ids, ids.size(), f.vocab, f.idf, f.row_counts, joint);
  EXPECT_NEAR(SquaredNorm(joint, 0, joint.rows.size()), 1.0, 1e-6);
  // The old formula, by hand: (1 + ln tf) * idf over the norm of all.
  const double w10 = (1 + std::log(2.0)) * 1.0, w22 = (1 + std::log(2.0)) * 1.2;
  const double norm = std::sqrt(w10 * w10 + 4.0 + 1.5 * 1.5 + 9.0 + w22 * w22);
  EXPECT_FLOAT_EQ(joint.values[0], static_cast<float>(w10 / norm));

  // Only words known (every char n-gram unseen), or no word n-grams at all: one block, norm 1.
  SparseVector words_only;
  EncodeFeatures({10, 11, 98, 97}, 2, f.vocab, f.idf, f.row_counts, words_only);
  EXPECT_NEAR(SquaredNorm(words_only, 0, words_only.rows.size()), 1.0, 1e-6);
  SparseVector chars_only, chars_joint;
  EncodeFeatures({20, 21}, 0, f.vocab, f.idf, f.row_counts, chars_only);
  EncodeFeatures({20, 21}, 2, f.vocab, f.idf, f.row_counts, chars_joint);
  EXPECT_EQ(chars_only.values, chars_joint.values);
  // Nothing known: an empty vector, no division by zero.
  SparseVector empty;
  EncodeFeatures({98, 97}, 1, f.vocab, f.idf, f.row_counts, empty);
  EXPECT_TRUE(empty.rows.empty());
  // row_counts is left zeroed for the next call.
  for (uint32_t c : f.row_counts) EXPECT_EQ(c, 0u);
}

// A row hashed from both blocks (a collision) counts in the block it first appeared in.
TEST(EncodeFeaturesTest, ARowSharedByBothBlocksCountsOnce) {
  Fixture f;
  SparseVector x;
  EncodeFeatures({10, 20, 10}, 1, f.vocab, f.idf, f.row_counts, x);  // 10 | 20, 10
  ASSERT_EQ(x.rows.size(), 2u);
  EXPECT_NEAR(SquaredNorm(x, 0, 1), 0.5, 1e-6);
  EXPECT_NEAR(SquaredNorm(x, 1, 2), 0.5, 1e-6);
}

// Model::Encode follows the model's setting: the extractor's word n-grams are the first
// block when block_norm is on, and nothing changes for a model trained with it off.
TEST(EncodeFeaturesTest, ModelEncodeFollowsTheModelsSetting) {
  Model m;
  m.info.features = FeatureConfig{};
  m.info.features.block_norm = true;
  m.extractor = FeatureExtractor(m.info.features);
  std::vector<uint32_t> ids;
  const size_t word_ids = m.extractor.Extract("where is my order", ids);
  ASSERT_GT(word_ids, 0u);
  ASSERT_LT(word_ids, ids.size());
  std::vector<uint32_t> known = ids;  // every n-gram known (sorted and unique, as Assign wants)
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  m.vocab.Assign(known);
  m.idf.assign(m.vocab.size(), 1.0f);
  Model::Scratch scratch;
  SparseVector blocks, joint;
  m.Encode("where is my order", scratch, blocks);
  m.info.features.block_norm = false;
  m.Encode("where is my order", scratch, joint);
  EXPECT_NE(blocks.values, joint.values);
  EXPECT_NEAR(SquaredNorm(blocks, 0, blocks.rows.size()), 1.0, 1e-5);
  EXPECT_NEAR(SquaredNorm(joint, 0, joint.rows.size()), 1.0, 1e-5);
  // Far fewer word n-grams than char n-grams: one norm gives the words less than half.
  double joint_words = 0;
  for (size_t i = 0; i < joint.rows.size(); ++i) {
    if (std::find(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(word_ids), m.vocab.ids()[joint.rows[i]]) !=
        ids.begin() + static_cast<ptrdiff_t>(word_ids)) {
      joint_words += static_cast<double>(joint.values[i]) * joint.values[i];
    }
  }
  EXPECT_LT(joint_words, 0.3);
}

}  // namespace
}  // namespace trainops
