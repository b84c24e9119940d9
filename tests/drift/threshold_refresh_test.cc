// The threshold a production model's served traffic supports: the one with the most correct
// answers on the feedback (out-of-scope rows right when rejected), adopted only when an
// exact sign test on the rows whose answer changes says it is better than the current one.
#include <algorithm>

#include <gtest/gtest.h>

#include "drift/threshold_refresh.h"

namespace trainops::drift {
namespace {

ServedOutcome InScope(float score, bool right = true) { return {score, false, right, false}; }
ServedOutcome OutOfScope(float score) { return {score, false, false, true}; }

TEST(ThresholdRefreshTest, SignTestIsTheExactBinomialTail) {
  EXPECT_DOUBLE_EQ(SignTestPValue(5, 5), 1.0 / 32);
  EXPECT_DOUBLE_EQ(SignTestPValue(3, 4), 5.0 / 16);
  EXPECT_DOUBLE_EQ(SignTestPValue(0, 7), 1.0);
  EXPECT_DOUBLE_EQ(SignTestPValue(0, 0), 1.0);
  EXPECT_NEAR(SignTestPValue(6, 6), 1.0 / 64, 1e-15);
}

TEST(ThresholdRefreshTest, NoRowsKeepTheThreshold) {
  const ThresholdChoiceOnTraffic c = ChooseThresholdOnTraffic({}, 0.25f, 0.05);
  EXPECT_FALSE(c.refresh);
  EXPECT_FLOAT_EQ(c.chosen, 0.25f);
  EXPECT_NE(c.reason.find("no served rows"), std::string::npos);
}

TEST(ThresholdRefreshTest, InScopeTrafficThatTheThresholdRejectsLowersIt) {
  // 8 messages answered right but rejected at 0.25, 100 answered right above it, 1 wrong.
  std::vector<ServedOutcome> rows;
  for (int i = 0; i < 8; ++i) rows.push_back(InScope(0.10f + 0.01f * i));
  for (int i = 0; i < 100; ++i) rows.push_back(InScope(0.5f + 0.004f * i));
  rows.push_back(InScope(0.05f, /*right=*/false));
  const ThresholdChoiceOnTraffic c = ChooseThresholdOnTraffic(rows, 0.25f, 0.05);
  EXPECT_TRUE(c.refresh) << c.reason;
  EXPECT_LT(c.chosen, 0.10f);  // below every right answer
  EXPECT_EQ(c.correct_current, 100u);
  EXPECT_EQ(c.correct_chosen, 108u);
  EXPECT_EQ(c.gained, 8u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_DOUBLE_EQ(c.p_value, 1.0 / 256);
  EXPECT_EQ(c.in_scope_rows, 109u);
  EXPECT_DOUBLE_EQ(c.in_scope_drop, 0.0);  // it rejects only the wrong answer, or nothing
  EXPECT_EQ(c.ToJson().at("refresh"), true);
}

TEST(ThresholdRefreshTest, AnOutOfScopeSurgeRaisesIt) {
  std::vector<ServedOutcome> rows;
  for (int i = 0; i < 30; ++i) rows.push_back(OutOfScope(0.15f + 0.003f * i));  // 0.15 .. 0.237
  for (int i = 0; i < 150; ++i) rows.push_back(InScope(0.4f + 0.003f * i));
  const ThresholdChoiceOnTraffic c = ChooseThresholdOnTraffic(rows, 0.1f, 0.05);
  EXPECT_TRUE(c.refresh);
  EXPECT_GT(c.chosen, 0.237f);
  EXPECT_LT(c.chosen, 0.4f);
  EXPECT_EQ(c.gained, 30u);
  EXPECT_EQ(c.oos_rows, 30u);
  EXPECT_EQ(c.correct_chosen, 180u);
}

TEST(ThresholdRefreshTest, ASmallGainIsNotEnough) {
  // Two rows gained, none lost: p = 1/4, above alpha; the best threshold is still reported.
  std::vector<ServedOutcome> rows = {InScope(0.1f), InScope(0.12f)};
  for (int i = 0; i < 50; ++i) rows.push_back(InScope(0.6f));
  const ThresholdChoiceOnTraffic c = ChooseThresholdOnTraffic(rows, 0.25f, 0.05);
  EXPECT_FALSE(c.refresh);
  EXPECT_EQ(c.gained, 2u);
  EXPECT_DOUBLE_EQ(c.p_value, 0.25);
  EXPECT_LT(c.chosen, 0.1f);
  EXPECT_NE(c.reason.find("> alpha"), std::string::npos) << c.reason;
  // A looser alpha takes it.
  EXPECT_TRUE(ChooseThresholdOnTraffic(rows, 0.25f, 0.3).refresh);
}

TEST(ThresholdRefreshTest, AnEquallyGoodCurrentThresholdIsKept) {
  // Nothing scores between 0.2 and 0.5: every threshold there answers the same.
  std::vector<ServedOutcome> rows = {OutOfScope(0.1f), OutOfScope(0.2f), InScope(0.5f), InScope(0.6f)};
  const ThresholdChoiceOnTraffic c = ChooseThresholdOnTraffic(rows, 0.3f, 0.05);
  EXPECT_FALSE(c.refresh);
  EXPECT_FLOAT_EQ(c.chosen, 0.3f);
  EXPECT_EQ(c.correct_current, 4u);
  EXPECT_EQ(c.gained + c.lost, 0u);
}

TEST(ThresholdRefreshTest, RowsAnsweredTheSameAtEveryThresholdCountButDoNotMoveIt) {
  // An empty text (always rejected) that was out of scope, and one the out-of-scope class
  // answered for an in-scope message.
  std::vector<ServedOutcome> rows = {{0.0f, true, true, true}, {0.9f, true, false, false}};
  for (int i = 0; i < 20; ++i) rows.push_back(InScope(0.6f));
  const ThresholdChoiceOnTraffic c = ChooseThresholdOnTraffic(rows, 0.3f, 0.05);
  EXPECT_EQ(c.correct_current, 21u);
  EXPECT_FALSE(c.refresh);
  EXPECT_EQ(c.oos_rows, 1u);
}

TEST(ThresholdRefreshTest, TheInScopeDropIsTheRightAnswersTheNewThresholdRejects) {
  // A surge where catching 20 out-of-scope messages costs 4 right in-scope answers.
  std::vector<ServedOutcome> rows;
  for (int i = 0; i < 20; ++i) rows.push_back(OutOfScope(0.1f + 0.001f * i));
  for (int i = 0; i < 4; ++i) rows.push_back(InScope(0.05f + 0.01f * i));  // 0.05 .. 0.08
  for (int i = 0; i < 96; ++i) rows.push_back(InScope(0.5f));
  const ThresholdChoiceOnTraffic c = ChooseThresholdOnTraffic(rows, 0.0f, 0.05);
  EXPECT_TRUE(c.refresh);
  EXPECT_EQ(c.in_scope_rows, 100u);
  EXPECT_DOUBLE_EQ(c.in_scope_drop, 0.04);
  EXPECT_EQ(c.gained, 20u);
  EXPECT_EQ(c.lost, 4u);
}

TEST(ThresholdRefreshTest, DeterministicWhateverTheRowOrder) {
  std::vector<ServedOutcome> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(i % 5 == 0 ? OutOfScope(0.05f * (i % 7)) : InScope(0.02f * (i % 31)));
  const ThresholdChoiceOnTraffic a = ChooseThresholdOnTraffic(rows, 0.2f, 0.05);
  std::reverse(rows.begin(), rows.end());
  const ThresholdChoiceOnTraffic b = ChooseThresholdOnTraffic(rows, 0.2f, 0.05);
  EXPECT_FLOAT_EQ(a.chosen, b.chosen);
  EXPECT_EQ(a.ToJson(), b.ToJson());
}

}  // namespace
}  // namespace trainops::drift
