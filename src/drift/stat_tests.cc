#include "drift/stat_tests.h"

#include <algorithm>
#include <math.h>  // lgamma_r (POSIX)

#include <cmath>
#include <numeric>
#include <random>

namespace trainops::drift {
namespace {

// The pooled sample as one entry per observation (category index), for permutations.
std::vector<uint32_t> Pool(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint32_t> pool;
  for (size_t k = 0; k < a.size(); ++k) pool.insert(pool.end(), a[k] + b[k], static_cast<uint32_t>(k));
  return pool;
}

uint64_t Sum(const std::vector<uint64_t>& v) { return std::accumulate(v.begin(), v.end(), uint64_t{0}); }

// Moves a uniformly random subset of `m` entries to the front of `pool` (partial
// Fisher-Yates): the smaller group of one permutation.
void DrawSubset(std::vector<uint32_t>& pool, uint64_t m, std::mt19937_64& rng) {
  const uint64_t n = pool.size();
  for (uint64_t i = 0; i < m; ++i) {
    const uint64_t j = i + rng() % (n - i);  // bias ~ n / 2^64: negligible
    std::swap(pool[i], pool[j]);
  }
}

// p = (1 + as extreme) / (1 + resamples): never 0, and a valid p-value for Monte Carlo
// tests (Davison & Hinkley 1997, ch. 4).
double MonteCarloP(uint64_t extreme, int resamples) {
  return (1.0 + static_cast<double>(extreme)) / (1.0 + static_cast<double>(resamples));
}

// lgamma_r, not std::lgamma: lgamma writes the global `signgam`, a data race when tests
// run on several threads at once.
double LogGamma(double x) {
  int sign = 0;
  return lgamma_r(x, &sign);
}

double LogChoose(uint64_t n, uint64_t k) {
  return LogGamma(static_cast<double>(n) + 1) - LogGamma(static_cast<double>(k) + 1) -
         LogGamma(static_cast<double>(n - k) + 1);
}

}  // namespace

const char* DirectionName(Direction d) {
  switch (d) {
    case Direction::kDecrease: return "decrease";
    case Direction::kIncrease: return "increase";
    case Direction::kEither: return "either";
  }
  return "either";
}

MeanTest PermutationMeanTest(const std::vector<double>& values, const std::vector<uint64_t>& counts_a,
                             const std::vector<uint64_t>& counts_b, Direction direction, int resamples,
                             uint64_t seed) {
  MeanTest t;
  const uint64_t n_a = Sum(counts_a), n_b = Sum(counts_b);
  double sum_a = 0, sum_b = 0;
  for (size_t k = 0; k < values.size(); ++k) {
    sum_a += values[k] * static_cast<double>(counts_a[k]);
    sum_b += values[k] * static_cast<double>(counts_b[k]);
  }
  if (n_a == 0 || n_b == 0) return t;
  t.mean_a = sum_a / static_cast<double>(n_a);
  t.mean_b = sum_b / static_cast<double>(n_b);
  const double total = sum_a + sum_b;
  const double observed = t.mean_a - t.mean_b;
  std::vector<uint32_t> pool = Pool(counts_a, counts_b);
  // Draw the smaller group; the other's sum is what is left of the total.
  const bool draw_a = n_a <= n_b;
  const uint64_t m = draw_a ? n_a : n_b;
  std::mt19937_64 rng(seed);
  // Ties count as extreme; the tolerance keeps rounding from splitting equal statistics.
  const double eps = 1e-12 * std::max(1.0, std::abs(observed));
  uint64_t extreme = 0;
  for (int r = 0; r < resamples; ++r) {
    DrawSubset(pool, m, rng);
    double drawn = 0;
    for (uint64_t i = 0; i < m; ++i) drawn += values[pool[i]];
    const double perm_a = draw_a ? drawn : total - drawn;
    const double diff = perm_a / static_cast<double>(n_a) - (total - perm_a) / static_cast<double>(n_b);
    switch (direction) {
      case Direction::kDecrease: extreme += diff <= observed + eps; break;
      case Direction::kIncrease: extreme += diff >= observed - eps; break;
      case Direction::kEither: extreme += std::abs(diff) >= std::abs(observed) - eps; break;
    }
  }
  t.p_value = MonteCarloP(extreme, resamples);
  return t;
}

MixTest PermutationMixTest(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b, int resamples,
                           uint64_t seed) {
  MixTest t;
  const uint64_t n_a = Sum(a), n_b = Sum(b);
  if (n_a == 0 || n_b == 0) return t;
  auto distance = [&](const std::vector<uint64_t>& ca, const std::vector<uint64_t>& cb) {
    double d = 0;
    for (size_t k = 0; k < ca.size(); ++k) {
      d += std::abs(static_cast<double>(ca[k]) / static_cast<double>(n_a) -
                    static_cast<double>(cb[k]) / static_cast<double>(n_b));
    }
    return d / 2;
  };
  t.distance = distance(a, b);
  std::vector<uint64_t> total(a.size());
  for (size_t k = 0; k < a.size(); ++k) total[k] = a[k] + b[k];
  std::vector<uint32_t> pool = Pool(a, b);
  const bool draw_a = n_a <= n_b;
  const uint64_t m = draw_a ? n_a : n_b;
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> drawn(a.size()), other(a.size());
  const double eps = 1e-12;
  uint64_t extreme = 0;
  double null_sum = 0;
  for (int r = 0; r < resamples; ++r) {
    DrawSubset(pool, m, rng);
    std::fill(drawn.begin(), drawn.end(), 0);
    for (uint64_t i = 0; i < m; ++i) ++drawn[pool[i]];
    for (size_t k = 0; k < a.size(); ++k) other[k] = total[k] - drawn[k];
    const double d = draw_a ? distance(drawn, other) : distance(other, drawn);
    null_sum += d;
    extreme += d >= t.distance - eps;
  }
  t.null_distance = resamples > 0 ? null_sum / resamples : 0;
  t.p_value = MonteCarloP(extreme, resamples);
  return t;
}

double FisherExactTest(uint64_t k_a, uint64_t n_a, uint64_t k_b, uint64_t n_b, Direction direction) {
  if (n_a == 0 || n_b == 0) return 1;
  // Given the total successes K, the successes of a are hypergeometric: P(X = x) =
  // C(K, x) C(N - K, n_a - x) / C(N, n_a).
  const uint64_t big_n = n_a + n_b, big_k = k_a + k_b;
  const uint64_t lo = big_k > n_b ? big_k - n_b : 0, hi = std::min(big_k, n_a);
  const double log_denominator = LogChoose(big_n, n_a);
  auto pmf = [&](uint64_t x) {
    return std::exp(LogChoose(big_k, x) + LogChoose(big_n - big_k, n_a - x) - log_denominator);
  };
  double lower = 0, upper = 0;
  for (uint64_t x = lo; x <= k_a; ++x) lower += pmf(x);
  for (uint64_t x = k_a; x <= hi; ++x) upper += pmf(x);
  lower = std::min(1.0, lower);
  upper = std::min(1.0, upper);
  switch (direction) {
    case Direction::kDecrease: return lower;
    case Direction::kIncrease: return upper;
    case Direction::kEither: return std::min(1.0, 2 * std::min(lower, upper));
  }
  return 1;
}

std::vector<double> HolmAdjust(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p_values[x] < p_values[y]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const double p = std::min(1.0, static_cast<double>(m - rank) * p_values[order[rank]]);
    running = std::max(running, p);  // step-down: adjusted p-values never decrease with rank
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace trainops::drift
