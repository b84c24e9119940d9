// Bootstrap intervals, the segment gap permutation test, ECE and McNemar on known inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "eval/bootstrap.h"
#include "eval/reliability.h"
#include "eval/segments.h"
#include "eval/significance.h"

namespace trainops {
namespace {

ConfusionMatrix Matrix(uint64_t right, uint64_t wrong) {
  ConfusionMatrix c({"a", "b"});
  c.Add(0, 0, right / 2);
  c.Add(1, 1, right - right / 2);
  c.Add(0, 1, wrong / 2);
  c.Add(1, 0, wrong - wrong / 2);
  return c;
}

TEST(BootstrapTest, SameSeedSameIntervalsAnyThreadCount) {
  ConfusionMatrix c = Matrix(800, 200);
  ConfusionIntervals one = BootstrapConfusion(c, 500, 7, 0.95, 1);
  ConfusionIntervals two = BootstrapConfusion(c, 500, 7, 0.95, 2);
  EXPECT_EQ(one.accuracy.low, two.accuracy.low);
  EXPECT_EQ(one.accuracy.high, two.accuracy.high);
  EXPECT_EQ(one.macro_f1.low, two.macro_f1.low);
  ConfusionIntervals other = BootstrapConfusion(c, 500, 8, 0.95, 1);
  EXPECT_NE(one.accuracy.low + one.accuracy.high, other.accuracy.low + other.accuracy.high);
}

TEST(BootstrapTest, IntervalMatchesTheBinomialStandardError) {
  // p = 0.8, n = 1000: normal 95% interval is 0.8 +- 1.96 * sqrt(.16/1000) = +- 0.0248.
  ConfusionIntervals ci = BootstrapConfusion(Matrix(800, 200), 2000, 1, 0.95, 2);
  EXPECT_NEAR(ci.accuracy.low, 0.8 - 0.0248, 0.006);
  EXPECT_NEAR(ci.accuracy.high, 0.8 + 0.0248, 0.006);
  ASSERT_TRUE(ci.recall[0].has_value());
  EXPECT_LT(ci.recall[0]->low, 0.8);
  EXPECT_GT(ci.recall[0]->high, 0.8);
}

TEST(BootstrapTest, LabelWithoutSupportHasNoRecallInterval) {
  ConfusionMatrix c({"a", "b", "never"});
  c.Add(0, 0, 10);
  c.Add(1, 1, 10);
  ConfusionIntervals ci = BootstrapConfusion(c, 100, 1, 0.95, 1);
  EXPECT_TRUE(ci.recall[0].has_value());
  EXPECT_FALSE(ci.recall[2].has_value());
  EXPECT_EQ(ci.accuracy.low, 1.0);  // all right: every resample is 1
}

TEST(BootstrapTest, EmptyMatrixGivesZeroIntervals) {
  ConfusionIntervals ci = BootstrapConfusion(ConfusionMatrix({"a"}), 100, 1, 0.95, 1);
  EXPECT_EQ(ci.accuracy.low, 0);
  EXPECT_EQ(ci.accuracy.high, 0);
}

TEST(SegmentSplitTest, SplitsCharsSeparatorsAndMarksMissing) {
  EXPECT_EQ(SplitSegmentValue("BQZ", SegmentSplit::Parse("chars")), (std::vector<std::string>{"B", "Q", "Z"}));
  EXPECT_EQ(SplitSegmentValue("BQQ", SegmentSplit::Parse("chars")), (std::vector<std::string>{"B", "Q"}));
  EXPECT_EQ(SplitSegmentValue("é日", SegmentSplit::Parse("chars")), (std::vector<std::string>{"é", "日"}));
  EXPECT_EQ(SplitSegmentValue("web; app ;;email", SegmentSplit::Parse(";")),
            (std::vector<std::string>{"web", "app", "email"}));
  EXPECT_EQ(SplitSegmentValue("a;b", SegmentSplit::Parse("")), (std::vector<std::string>{"a;b"}));
  EXPECT_EQ(SplitSegmentValue("", SegmentSplit::Parse("chars")), (std::vector<std::string>{kMissingSegment}));
  EXPECT_EQ(SplitSegmentValue("  ", SegmentSplit{}), (std::vector<std::string>{kMissingSegment}));
}

TEST(PermutationGapTest, DetectsARealGapAndNotAnEqualSplit) {
  // Segment 0: 90% right; segment 1: 50% right, 200 rows each.
  std::vector<uint8_t> correct;
  std::vector<std::vector<uint32_t>> members(2);
  for (uint32_t i = 0; i < 400; ++i) {
    const bool first = i < 200;
    members[first ? 0 : 1].push_back(i);
    correct.push_back(first ? (i % 10 != 0) : (i % 2 == 0));
  }
  GapTest real = PermutationGapTest(members, correct, 500, 3, 2);
  EXPECT_NEAR(real.gap, 0.4, 1e-9);
  EXPECT_LT(real.p_value, 0.01);
  // Same accuracy in both halves: no gap beyond chance.
  for (uint32_t i = 0; i < 400; ++i) correct[i] = i % 4 != 0;
  GapTest none = PermutationGapTest(members, correct, 500, 3, 2);
  EXPECT_NEAR(none.gap, 0.0, 1e-9);
  EXPECT_GT(none.p_value, 0.5);
  // Deterministic with the seed, regardless of threads.
  EXPECT_EQ(PermutationGapTest(members, correct, 200, 9, 1).p_value,
            PermutationGapTest(members, correct, 200, 9, 2).p_value);
}

TEST(ReliabilityTest, EceOnKnownInputs) {
  // Bin [0.9, 1.0): 4 rows at 0.95, 3 right -> gap 0.2. Bin [0.5, 0.6): 4 rows at 0.55, 2
  // right -> gap 0.05. ECE = 0.5 * 0.2 + 0.5 * 0.05 = 0.125.
  std::vector<float> conf{0.95f, 0.95f, 0.95f, 0.95f, 0.55f, 0.55f, 0.55f, 0.55f};
  std::vector<uint8_t> right{1, 1, 1, 0, 1, 1, 0, 0};
  Reliability r = ComputeReliability(conf, right, 10);
  EXPECT_NEAR(r.ece, 0.125, 1e-6);
  EXPECT_NEAR(r.max_gap, 0.2, 1e-6);
  ASSERT_EQ(r.bins.size(), 10u);
  EXPECT_EQ(r.bins[9].count, 4u);
  EXPECT_NEAR(r.bins[9].accuracy, 0.75, 1e-9);
  EXPECT_NEAR(r.bins[5].mean_confidence, 0.55, 1e-6);
  EXPECT_EQ(r.bins[0].count, 0u);
  // Confidence exactly 1 lands in the last bin; a perfectly calibrated set has ECE 0.
  Reliability perfect = ComputeReliability({1.0f, 1.0f}, {1, 1}, 10);
  EXPECT_EQ(perfect.bins[9].count, 2u);
  EXPECT_NEAR(perfect.ece, 0.0, 1e-9);
  auto j = r.ToJson();
  EXPECT_EQ(j["bins"].size(), 10u);
}

TEST(SignificanceTest, McNemarOnAKnownTable) {
  // Discordant 10 vs 2: exact two-sided p = 2 * P(X <= 2 | n=12, .5) = 2 * 79/4096.
  McNemarResult r = McNemar(10, 2);
  EXPECT_NEAR(r.p_exact, 2.0 * 79.0 / 4096.0, 1e-12);
  // mid-p = 2 * (P(X <= 2) - P(X = 2) / 2) = 2 * (79 - 33) / 4096.
  EXPECT_NEAR(r.p_midp, 2.0 * 46.0 / 4096.0, 1e-12);
  EXPECT_EQ(McNemar(5, 5).p_exact, 1.0);
  EXPECT_EQ(McNemar(0, 0).p_exact, 1.0);
  EXPECT_NEAR(McNemar(0, 20).p_exact, 2 * std::pow(0.5, 20), 1e-15);
}

TEST(SignificanceTest, BinomialTailsAreStableForLargeN) {
  EXPECT_NEAR(BinomialCdf(50000, 100000, 0.5), 0.5 + BinomialPmf(50000, 100000, 0.5) / 2, 1e-6);
  EXPECT_NEAR(BinomialPmf(0, 3, 0.5), 0.125, 1e-12);
}

}  // namespace
}  // namespace trainops
