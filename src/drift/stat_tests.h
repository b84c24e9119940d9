// The tests behind the drift monitor's alerts. Every signal compares a traffic window with
// the model's reference statistics (its validation rows), and both are samples: a window of
// 200 messages is much noisier than one of 20,000, so a fixed threshold on a distance
// (PSI > 0.1, say) false-alarms on small windows and misses on large ones. These tests ask
// instead "could a difference this large arise if traffic and reference came from the same
// distribution?", which accounts for both sample sizes:
//
// - numeric signals (binned values): a permutation test of the difference of means;
// - the label mix: a permutation test of the total variation distance;
// - rates (rejection, accuracy, a label's recall): Fisher's exact test.
//
// Permutation tests are Monte Carlo with a fixed seed (deterministic), p = (1 + #as
// extreme) / (1 + resamples); Holm's step-down adjustment then controls the family-wise
// false-alarm rate across the signals of one window.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "eval/bootstrap.h"

namespace trainops::drift {

// Which change a one-sided test looks for: a (traffic) below b (reference), above, or both.
enum class Direction { kDecrease, kIncrease, kEither };
const char* DirectionName(Direction d);

struct MeanTest {
  double mean_a = 0, mean_b = 0;
  double p_value = 1;
};
// Two samples of a variable taking the value values[k] counts_a[k] and counts_b[k] times.
// Tests mean(a) - mean(b) in `direction` by permuting group membership `resamples` times.
// Either sample empty: p = 1.
MeanTest PermutationMeanTest(const std::vector<double>& values, const std::vector<uint64_t>& counts_a,
                             const std::vector<uint64_t>& counts_b, Direction direction, int resamples,
                             uint64_t seed);

struct MixTest {
  double distance = 0;       // total variation distance between the two mixes, 0..1
  double null_distance = 0;  // its mean under permutation: what sampling noise alone gives
  double p_value = 1;
};
// Two count vectors over the same categories; tests whether their shares differ (total
// variation distance as the statistic, permutation null).
MixTest PermutationMixTest(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b, int resamples,
                           uint64_t seed);

// Fisher's exact test of successes k_a of n_a against k_b of n_b: one-sided p for the
// rate of a being lower (kDecrease) or higher (kIncrease) than b's; kEither doubles the
// smaller tail (capped at 1).
double FisherExactTest(uint64_t k_a, uint64_t n_a, uint64_t k_b, uint64_t n_b, Direction direction);

// Holm's step-down adjusted p-values (same order as the input; each >= its raw p, <= 1).
// A signal alerts at family-wise level alpha when its adjusted p <= alpha.
std::vector<double> HolmAdjust(const std::vector<double>& p_values);

// The Wilson interval lives with the other intervals (eval/bootstrap.h).
using trainops::Interval;
using trainops::WilsonInterval;
// Standard normal distribution function.
double NormalCdf(double z);

}  // namespace trainops::drift
