#include "eval/oos_threshold.h"
#include "model/inference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "model/model.h"
#include "model/model_io.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;

// Labels 0, 1 in scope; 2 = oos (not a class the model predicts here).
// In-scope rows: confident and right, except one low-confidence wrong row.
// OOS rows: low confidence.
struct Fixture {
  std::vector<uint32_t> predicted{0, 1, 0, 1, 1, 0, 0, 1};
  std::vector<float> confidence{0.95f, 0.9f, 0.85f, 0.8f, 0.4f, 0.3f, 0.35f, 0.5f};
  std::vector<uint32_t> gold{0, 1, 0, 1, 0, 2, 2, 2};
};

TEST(OosThresholdTest, BalancedMaximizesMeanOfInScopeAccuracyAndOosRecall) {
  Fixture f;
  ThresholdRule rule;
  rule.kind = ThresholdRule::Kind::kBalanced;
  ThresholdChoice c = ChooseRejectThreshold(f.predicted, f.confidence, f.gold, 2u, rule);
  // Rejecting everything below 0.8 catches all 3 oos rows and the wrong in-scope row,
  // keeping the 4 right ones: mean (4/5... in-scope acc 4/5=0.8, oos recall 1) = 0.9; no
  // other threshold does better. Midpoint between 0.5 and 0.8.
  EXPECT_EQ(c.rule, "balanced");
  EXPECT_FLOAT_EQ(c.threshold, 0.65f);
  EXPECT_DOUBLE_EQ(c.oos_recall, 1.0);
  EXPECT_DOUBLE_EQ(c.in_scope_accuracy, 0.8);
  EXPECT_EQ(c.oos_rows, 3u);
  EXPECT_THAT(c.rationale, HasSubstr("maximizes the mean"));
}

TEST(OosThresholdTest, AutoUsesBalancedWithOosAndAccuracyDropWithout) {
  Fixture f;
  ThresholdChoice with = ChooseRejectThreshold(f.predicted, f.confidence, f.gold, 2u, ThresholdRule{});
  EXPECT_EQ(with.rule, "balanced");
  ThresholdChoice without = ChooseRejectThreshold(f.predicted, f.confidence, f.gold, std::nullopt, ThresholdRule{});
  EXPECT_EQ(without.rule, "accuracy_drop");
}

TEST(OosThresholdTest, AccuracyDropKeepsInScopeAccuracyWithinTheAllowedDrop) {
  // 100 in-scope rows, no oos: row i has confidence i/100; rows 0..9 wrong.
  std::vector<uint32_t> predicted, gold;
  std::vector<float> confidence;
  for (int i = 0; i < 100; ++i) {
    gold.push_back(0);
    predicted.push_back(i < 10 ? 1 : 0);
    confidence.push_back(static_cast<float>(i + 1) / 101.0f);
  }
  ThresholdRule rule;
  rule.kind = ThresholdRule::Kind::kAccuracyDrop;
  rule.max_accuracy_drop = 0.02;
  ThresholdChoice c = ChooseRejectThreshold(predicted, confidence, gold, std::nullopt, rule);
  // Without rejection 0.90. Rejecting the 10 wrong rows keeps 0.90; each further rejected
  // right row costs 0.01, so two more are allowed (0.88) and a third is not.
  EXPECT_DOUBLE_EQ(c.in_scope_accuracy_no_reject, 0.90);
  EXPECT_DOUBLE_EQ(c.in_scope_accuracy, 0.88);
  int rejected = 0;
  for (float x : confidence) rejected += x < c.threshold;
  EXPECT_EQ(rejected, 12);
  EXPECT_THAT(c.rationale, HasSubstr("within 2.00 points"));
}

TEST(OosThresholdTest, TargetRecallPicksTheLowestThresholdReachingIt) {
  Fixture f;
  ThresholdRule rule;
  rule.kind = ThresholdRule::Kind::kTargetOosRecall;
  rule.target_oos_recall = 0.6;  // two of three oos rows: reject below 0.35..0.4
  ThresholdChoice c = ChooseRejectThreshold(f.predicted, f.confidence, f.gold, 2u, rule);
  EXPECT_EQ(c.rule, "target_oos_recall");
  EXPECT_FLOAT_EQ(c.threshold, 0.375f);
  EXPECT_NEAR(c.oos_recall, 2.0 / 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(c.in_scope_accuracy, 0.8);  // the wrong in-scope row (0.4) still answered
}

TEST(OosThresholdTest, RulesNeedingOosRowsFallBackAndSaySo) {
  Fixture f;
  ThresholdRule rule;
  rule.kind = ThresholdRule::Kind::kTargetOosRecall;
  ThresholdChoice c = ChooseRejectThreshold(f.predicted, f.confidence, f.gold, std::nullopt, rule);
  EXPECT_EQ(c.rule, "accuracy_drop");
  EXPECT_THAT(c.rationale, HasSubstr("needs out-of-scope validation rows"));
}

TEST(OosThresholdTest, OosTrainedAsAClassCountsItsPredictionsAsCaught) {
  // Label 2 is a class: the oos row predicted as 2 is caught without rejection.
  std::vector<uint32_t> predicted{0, 1, 2, 0};
  std::vector<float> confidence{0.9f, 0.9f, 0.9f, 0.3f};
  std::vector<uint32_t> gold{0, 1, 2, 2};
  ThresholdChoice c = ChooseRejectThreshold(predicted, confidence, gold, 2u, ThresholdRule{});
  EXPECT_DOUBLE_EQ(c.oos_recall, 1.0);
  EXPECT_DOUBLE_EQ(c.in_scope_accuracy, 1.0);
  EXPECT_GT(c.threshold, 0.3f);
  EXPECT_LT(c.threshold, 0.9f);
}

TEST(OosThresholdTest, ParseKindNamesTheValidRules) {
  EXPECT_EQ(ThresholdRule::ParseKind("balanced"), ThresholdRule::Kind::kBalanced);
  try {
    ThresholdRule::ParseKind("balance");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("did you mean \"balanced\""));
    EXPECT_THAT(e.what(), HasSubstr("target_oos_recall"));
  }
}

TEST(RejectScoreTest, CoverageCountsUnseenNgramsAtTheUnseenIdf) {
  FeatureVocabulary vocab;
  vocab.Assign({10, 20});
  const std::vector<float> idf{2.0f, 3.0f};
  std::vector<uint32_t> counts;
  SparseVector x;
  EncodeFeatures({10, 20, 10}, 3, vocab, idf, counts, x, /*unseen_idf=*/4.0f);
  EXPECT_FLOAT_EQ(x.coverage, 1.0f);  // every n-gram known
  const double known = std::pow((1 + std::log(2.0)) * 2.0, 2) + 9.0;
  EncodeFeatures({10, 20, 10, 99, 98, 98}, 6, vocab, idf, counts, x, 4.0f);
  const double unseen = 16.0 + std::pow((1 + std::log(2.0)) * 4.0, 2);
  EXPECT_NEAR(x.coverage, std::sqrt(known / (known + unseen)), 1e-6);
  // The known part is still normalized on its own, as the model was trained.
  double norm = 0;
  for (float v : x.values) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-6);
  EncodeFeatures({99, 98}, 2, vocab, idf, counts, x, 4.0f);
  EXPECT_FLOAT_EQ(x.coverage, 0.0f);  // nothing known
  EncodeFeatures({10, 99}, 2, vocab, idf, counts, x, /*unseen_idf=*/0.0f);
  EXPECT_FLOAT_EQ(x.coverage, 1.0f);  // not tracked (models without unseen_feature_idf)
}

// A two-label linear model: feature 1 -> label 0, feature 2 -> label 1, biases equal.
Model TinyModel(RejectScore score) {
  Model m;
  m.info.labels = {"a", "b"};
  m.info.reject_score = score;
  m.info.unseen_feature_idf = 2.0f;
  m.info.temperature = 0.5f;
  m.vocab.Assign({1, 2});
  m.idf = {1.0f, 1.0f};
  m.dim = 2;
  m.input = {4.0f, 0.0f, 0.0f, 4.0f};
  m.bias = {0.1f, 0.1f};
  return m;
}

TEST(RejectScoreTest, CoverageProbabilityShrinksTowardsThePriorAsCoverageFalls) {
  Model m = TinyModel(RejectScore::kCoverageProbability);
  std::vector<float> work;
  const std::vector<float> logits{4.1f, 0.1f};
  // At temperature 1, not the calibration temperature (0.5 here).
  const float full = m.RejectionScore(logits.data(), 1.0f, work);
  EXPECT_NEAR(full, 1 / (1 + std::exp(-4.0)), 1e-6);
  const float half = m.RejectionScore(logits.data(), 0.5f, work);
  EXPECT_NEAR(half, 1 / (1 + std::exp(-2.0)), 1e-6);  // logits - bias halved
  EXPECT_NEAR(m.RejectionScore(logits.data(), 0.0f, work), 0.5f, 1e-6);  // the bias alone
  // The plain score is the calibrated confidence and ignores coverage.
  Model plain = TinyModel(RejectScore::kProbability);
  EXPECT_NEAR(plain.RejectionScore(logits.data(), 0.5f, work), 1 / (1 + std::exp(-8.0)), 1e-6);
}

TEST(RejectScoreTest, PredictProbaSetsTheScoreThatRejectionUses) {
  // Extract ids for real text, then give the model only some of them.
  Model m = TinyModel(RejectScore::kCoverageProbability);
  Model::Scratch scratch;
  m.extractor.Extract("refund my order", scratch.ids);
  std::vector<uint32_t> ids = scratch.ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  m.vocab.Assign(ids);  // every n-gram of the text known
  m.idf.assign(ids.size(), 1.0f);
  m.input.assign(ids.size() * 2, 0.0f);
  for (size_t r = 0; r < ids.size(); ++r) m.input[r * 2] = 1.0f;
  Decision d = Classify(m, "refund my order", scratch);
  EXPECT_FLOAT_EQ(scratch.x.coverage, 1.0f);
  const float known = d.reject_score;
  std::vector<float> hidden, logits, work;
  m.Logits(scratch.x, hidden, logits);
  EXPECT_NEAR(known, m.RejectionScore(logits.data(), 1.0f, work), 1e-6);
  d = Classify(m, "refund my order xylophone quasar zeppelin", scratch);
  EXPECT_LT(scratch.x.coverage, 0.8f);
  EXPECT_GT(scratch.probs[0], 0.8f);          // the prediction itself is as sure as before
  EXPECT_LT(d.reject_score, known - 0.05f);  // but the score falls with coverage
  m.info.reject_score = RejectScore::kProbability;
  d = Classify(m, "refund my order xylophone quasar zeppelin", scratch);
  EXPECT_FLOAT_EQ(d.reject_score, *std::max_element(scratch.probs.begin(), scratch.probs.end()));
}

TEST(RejectScoreTest, ModelInfoKeepsTheScoreAndOldFilesKeepTheirs) {
  ModelInfo info;
  info.labels = {"a", "b"};
  info.reject_score = RejectScore::kCoverageProbability;
  info.unseen_feature_idf = 9.5f;
  nlohmann::json j = ModelInfoToJson(info);
  EXPECT_EQ(j["reject_score"], "coverage_probability");
  ModelInfo back = ModelInfoFromJson(j);
  EXPECT_EQ(back.reject_score, RejectScore::kCoverageProbability);
  EXPECT_FLOAT_EQ(back.unseen_feature_idf, 9.5f);
  // A model file written before the field: its threshold was chosen on the probability.
  j.erase("reject_score");
  j.erase("unseen_feature_idf");
  back = ModelInfoFromJson(j);
  EXPECT_EQ(back.reject_score, RejectScore::kProbability);
  EXPECT_FLOAT_EQ(back.unseen_feature_idf, 0.0f);
  j["reject_score"] = "energy";
  try {
    ModelInfoFromJson(j);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown reject_score \"energy\""));
    EXPECT_THAT(e.what(), HasSubstr("upgrade"));
  }
}

}  // namespace
}  // namespace trainops
