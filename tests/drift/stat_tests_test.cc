// The drift monitor's statistics against known values and simulated distributions: exact
// tests match textbook numbers, permutation p-values are uniform under the null (so the
// false-alarm rate is what alpha says), and real shifts are found.
#include "drift/stat_tests.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace trainops::drift {
namespace {

// Counts per bin of `n` draws from the discrete distribution `weights`.
std::vector<uint64_t> Sample(const std::vector<double>& weights, int n, std::mt19937_64& rng) {
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  std::vector<uint64_t> counts(weights.size(), 0);
  for (int i = 0; i < n; ++i) ++counts[static_cast<size_t>(pick(rng))];
  return counts;
}

std::vector<double> Midpoints(size_t bins) {
  std::vector<double> v;
  for (size_t i = 0; i < bins; ++i) v.push_back((static_cast<double>(i) + 0.5) / static_cast<double>(bins));
  return v;
}

// A skewed confidence-like distribution over 20 bins (most mass near 1).
std::vector<double> Skewed(double sharpness) {
  std::vector<double> w;
  for (int i = 0; i < 20; ++i) w.push_back(std::exp(sharpness * i / 19.0));
  return w;
}

TEST(FisherExactTest, MatchesTheLadyTastingTea) {
  // 3 of 4 cups right against 1 of 4: P(X >= 3) = 17/70 (Fisher 1935).
  EXPECT_NEAR(FisherExactTest(3, 4, 1, 4, Direction::kIncrease), 17.0 / 70.0, 1e-12);
  EXPECT_NEAR(FisherExactTest(1, 4, 3, 4, Direction::kDecrease), 17.0 / 70.0, 1e-12);
  EXPECT_NEAR(FisherExactTest(3, 4, 1, 4, Direction::kEither), 34.0 / 70.0, 1e-12);
  EXPECT_DOUBLE_EQ(FisherExactTest(0, 0, 3, 4, Direction::kDecrease), 1.0);  // no rows: no evidence
}

TEST(FisherExactTest, AccountsForSampleSize) {
  // The same drop from 90% to 80% is noise on 20 rows and a real change on 2,000.
  const double small = FisherExactTest(16, 20, 540, 600, Direction::kDecrease);
  const double large = FisherExactTest(1600, 2000, 540, 600, Direction::kDecrease);
  EXPECT_GT(small, 0.05);
  EXPECT_LT(large, 1e-6);
}

TEST(HolmAdjust, MatchesTheStepDownProcedure) {
  const std::vector<double> adjusted = HolmAdjust({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_NEAR(adjusted[0], 0.03, 1e-12);
  EXPECT_NEAR(adjusted[1], 0.06, 1e-12);  // 0.04 x 1, raised to the 0.06 before it
  EXPECT_NEAR(adjusted[2], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[3], 0.02, 1e-12);
  EXPECT_TRUE(HolmAdjust({}).empty());
  EXPECT_DOUBLE_EQ(HolmAdjust({0.9, 0.8})[0], 1.0);  // capped
}

TEST(WilsonInterval, MatchesKnownValues) {
  const Interval i = WilsonInterval(8, 10);
  EXPECT_NEAR(i.low, 0.4902, 1e-3);
  EXPECT_NEAR(i.high, 0.9433, 1e-3);
  const Interval none = WilsonInterval(0, 0);
  EXPECT_EQ(none.low, 0);
  EXPECT_EQ(none.high, 1);
  EXPECT_GE(WilsonInterval(0, 50).low, 0.0);
  EXPECT_LE(WilsonInterval(50, 50).high, 1.0);
}

TEST(PermutationMeanTest, IsDeterministicForASeed) {
  std::mt19937_64 rng(1);
  const auto a = Sample(Skewed(3), 200, rng), b = Sample(Skewed(3), 600, rng);
  const MeanTest x = PermutationMeanTest(Midpoints(20), a, b, Direction::kDecrease, 999, 7);
  const MeanTest y = PermutationMeanTest(Midpoints(20), a, b, Direction::kDecrease, 999, 7);
  EXPECT_EQ(x.p_value, y.p_value);
}

TEST(PermutationMeanTest, FalseAlarmsAtTheNominalRateUnderTheNull) {
  // 400 windows of 200 rows from the reference's own distribution: p <= 0.05 in about 5%.
  std::mt19937_64 rng(11);
  const auto reference = Sample(Skewed(3), 630, rng);
  int below = 0;
  const int windows = 400;
  for (int w = 0; w < windows; ++w) {
    const auto window = Sample(Skewed(3), 200, rng);
    below += PermutationMeanTest(Midpoints(20), window, reference, Direction::kDecrease, 199,
                                 static_cast<uint64_t>(w))
                 .p_value <= 0.05;
  }
  // Binomial(400, 0.05): mean 20, sd 4.4. The reference is one fixed draw, so allow more.
  EXPECT_LE(below, 40) << "false alarms at 5%: " << below << " of " << windows;
}

TEST(PermutationMeanTest, FindsAShiftAndItsDirection) {
  std::mt19937_64 rng(3);
  const auto reference = Sample(Skewed(3), 630, rng);
  const auto lower = Sample(Skewed(1), 200, rng);  // confidence fell
  const MeanTest fell = PermutationMeanTest(Midpoints(20), lower, reference, Direction::kDecrease, 1999, 1);
  EXPECT_LT(fell.mean_a, fell.mean_b);
  EXPECT_LT(fell.p_value, 0.001);
  const MeanTest rose = PermutationMeanTest(Midpoints(20), lower, reference, Direction::kIncrease, 1999, 1);
  EXPECT_GT(rose.p_value, 0.9);  // one-sided: a fall is no evidence of a rise
  EXPECT_LT(PermutationMeanTest(Midpoints(20), lower, reference, Direction::kEither, 1999, 1).p_value, 0.001);
}

TEST(PermutationMeanTest, EmptySampleIsNoEvidence) {
  EXPECT_EQ(PermutationMeanTest(Midpoints(2), {0, 0}, {3, 4}, Direction::kEither, 99, 1).p_value, 1.0);
}

TEST(PermutationMixTest, NoiseAloneGivesTheNullDistanceAndTheFloorKeepsItQuiet) {
  // 90 equally likely labels, 200 rows against 630: the distance is large by noise alone,
  // which is why a fixed distance threshold false-alarms on small windows. A model's
  // validation rows are one draw shared by every week, so its own noise makes p-values
  // conditionally anti-conservative for a label mix this sparse (about 4% of windows reach
  // p <= 0.01 against an unlucky reference). The monitor's rule is stricter: Holm over the
  // ~8 tested signals at family-wise 0.01 means this signal alone needs p <= 0.01 / 8, and
  // the floor (distance beyond its null mean >= 0.05) must hold too. Measured over ten
  // references, 100 windows each, that rule alerts in at most 1% of stable windows.
  const std::vector<double> uniform(90, 1.0);
  int alerts = 0, windows = 0;
  double distance = 0;
  for (uint64_t ref = 0; ref < 10; ++ref) {
    std::mt19937_64 rng(100 + ref);
    const auto reference = Sample(uniform, 630, rng);
    for (int w = 0; w < 100; ++w, ++windows) {
      const MixTest t = PermutationMixTest(Sample(uniform, 200, rng), reference, 999, static_cast<uint64_t>(w));
      alerts += t.p_value <= 0.01 / 8 && t.distance - t.null_distance >= 0.05;
      distance += t.distance;
      EXPECT_NEAR(t.distance, t.null_distance, 0.12);
    }
  }
  EXPECT_GT(distance / windows, 0.3);  // a PSI/TVD rule of thumb would alarm every week
  EXPECT_LE(alerts, windows / 100) << "stable windows alerting under the monitor's rule: " << alerts << " of "
                                   << windows;
}

TEST(PermutationMixTest, FindsAFloodOfOneDomain) {
  std::mt19937_64 rng(9);
  std::vector<double> base(90, 1.0), flood(90, 1.0);
  for (int i = 0; i < 15; ++i) flood[static_cast<size_t>(i)] = 6.0;  // one domain of 15 labels floods
  const MixTest t = PermutationMixTest(Sample(flood, 200, rng), Sample(base, 630, rng), 1999, 1);
  EXPECT_LT(t.p_value, 0.001);
  EXPECT_GT(t.distance - t.null_distance, 0.1);
}

TEST(FamilyWiseFalseAlarms, HolmOverEightSignalsStaysBelowAlpha) {
  // The monitor's setting: 8 tested signals per window, each p-value valid under the
  // null, Holm at family-wise alpha. Stable windows must alarm in at most about alpha.
  std::mt19937_64 rng(21);
  const double alpha = 0.05;  // larger than the default 0.01 so the rate is measurable here
  const auto reference = Sample(Skewed(3), 630, rng);
  int alarms = 0;
  const int windows = 300;
  for (int w = 0; w < windows; ++w) {
    std::vector<double> p;
    for (int s = 0; s < 8; ++s) {
      p.push_back(PermutationMeanTest(Midpoints(20), Sample(Skewed(3), 200, rng), reference, Direction::kDecrease,
                                      199, static_cast<uint64_t>(w * 8 + s))
                      .p_value);
    }
    bool any = false;
    for (double q : HolmAdjust(p)) any = any || q <= alpha;
    alarms += any;
  }
  // Binomial(300, <= 0.05): mean <= 15, sd 3.8.
  EXPECT_LE(alarms, 28) << "windows with any alarm: " << alarms << " of " << windows;
}

}  // namespace
}  // namespace trainops::drift
