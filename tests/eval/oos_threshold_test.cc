#include "eval/oos_threshold.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

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

TEST(OosThresholdTest, TopFromLogitsAppliesTheTemperature) {
  std::vector<uint32_t> top;
  std::vector<float> conf;
  TopFromLogits({0.0f, 2.0f, 1.0f, 0.0f}, 2, 1.0f, top, conf);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], 1u);
  EXPECT_EQ(top[1], 0u);
  EXPECT_NEAR(conf[0], 1 / (1 + std::exp(-2.0)), 1e-6);
  TopFromLogits({0.0f, 2.0f}, 2, 2.0f, top, conf);
  EXPECT_NEAR(conf[0], 1 / (1 + std::exp(-1.0)), 1e-6);
}

}  // namespace
}  // namespace trainops
