#include "eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "common/parallel.h"

namespace trainops {

Interval WilsonInterval(uint64_t successes, uint64_t n, double z) {
  if (n == 0) return {0, 1};
  const double nn = static_cast<double>(n), p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double center = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

uint64_t DeriveSeed(uint64_t seed, uint64_t index) {
  SplitMix64 a(seed ^ 0x5DEECE66Dull);
  uint64_t s = a();
  SplitMix64 b(s + index * 0xD1B54A32D192ED03ull);
  return b();
}

namespace {

// Binomial(n, p) draw. Most confusion cells are small (a few errors), so their draws use
// inversion from 0 (a handful of multiplications); large cells use the library's
// rejection sampler. This keeps 1,000 resamples of a 150-label matrix fast.
uint64_t DrawBinomial(SplitMix64& rng, uint64_t n, double p) {
  if (n == 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const double mean = static_cast<double>(n) * p;
  if (mean < 10) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    double pmf = std::exp(static_cast<double>(n) * std::log1p(-p));
    double cdf = pmf;
    const double ratio = p / (1 - p);
    uint64_t k = 0;
    while (u > cdf && k < n) {
      pmf *= ratio * static_cast<double>(n - k) / static_cast<double>(k + 1);
      ++k;
      cdf += pmf;
      if (pmf < 1e-300 && static_cast<double>(k) > mean) break;  // numerically exhausted tail
    }
    return k;
  }
  std::binomial_distribution<uint64_t> draw(n, p);
  return draw(rng);
}

}  // namespace

double Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

ConfusionIntervals BootstrapConfusion(const ConfusionMatrix& matrix, int resamples, uint64_t seed,
                                      double level, int threads) {
  const size_t L = matrix.size();
  ConfusionIntervals out;
  out.recall.assign(L, std::nullopt);
  struct Cell {
    uint32_t gold, predicted;
    uint64_t count;
  };
  std::vector<Cell> cells;
  std::vector<uint64_t> support(L, 0);
  for (uint32_t g = 0; g < L; ++g) {
    for (uint32_t p = 0; p < L; ++p) {
      if (uint64_t c = matrix.At(g, p)) {
        cells.push_back({g, p, c});
        support[g] += c;
      }
    }
  }
  const uint64_t n = matrix.total();
  if (n == 0 || resamples <= 0) return out;
  // suffix[k] = rows in cells k.. (for the conditional binomial chain).
  std::vector<uint64_t> suffix(cells.size() + 1, 0);
  for (size_t k = cells.size(); k-- > 0;) suffix[k] = suffix[k + 1] + cells[k].count;
  const size_t R = static_cast<size_t>(resamples);
  std::vector<double> accuracy(R), macro_f1(R);
  // recall[label * R + b]; NaN when the resample has no row of that label.
  std::vector<double> recall(L * R, std::numeric_limits<double>::quiet_NaN());
  ParallelFor(R, ResolveThreads(threads), [&](size_t, size_t begin, size_t end) {
    std::vector<uint64_t> tp(L), gold(L), pred(L);
    for (size_t b = begin; b < end; ++b) {
      SplitMix64 rng(DeriveSeed(seed, b));
      std::fill(tp.begin(), tp.end(), 0);
      std::fill(gold.begin(), gold.end(), 0);
      std::fill(pred.begin(), pred.end(), 0);
      uint64_t remaining = n, correct = 0;
      for (size_t k = 0; k < cells.size() && remaining > 0; ++k) {
        uint64_t x;
        if (k + 1 == cells.size()) {
          x = remaining;
        } else {
          x = DrawBinomial(rng, remaining, static_cast<double>(cells[k].count) / static_cast<double>(suffix[k]));
        }
        remaining -= x;
        const Cell& c = cells[k];
        gold[c.gold] += x;
        pred[c.predicted] += x;
        if (c.gold == c.predicted) {
          tp[c.gold] += x;
          correct += x;
        }
      }
      accuracy[b] = static_cast<double>(correct) / static_cast<double>(n);
      double f1_sum = 0;
      size_t f1_n = 0;
      for (size_t l = 0; l < L; ++l) {
        if (gold[l] == 0) continue;
        double r = static_cast<double>(tp[l]) / static_cast<double>(gold[l]);
        double p = pred[l] ? static_cast<double>(tp[l]) / static_cast<double>(pred[l]) : 0;
        f1_sum += (p + r) > 0 ? 2 * p * r / (p + r) : 0;
        ++f1_n;
        recall[l * R + b] = r;
      }
      macro_f1[b] = f1_n ? f1_sum / static_cast<double>(f1_n) : 0;
    }
  });
  const double alpha = (1 - level) / 2;
  out.accuracy = {Quantile(accuracy, alpha), Quantile(accuracy, 1 - alpha)};
  out.macro_f1 = {Quantile(macro_f1, alpha), Quantile(macro_f1, 1 - alpha)};
  std::vector<double> values;
  for (size_t l = 0; l < L; ++l) {
    if (support[l] == 0) continue;
    values.clear();
    for (size_t b = 0; b < R; ++b)
      if (recall[l * R + b] == recall[l * R + b]) values.push_back(recall[l * R + b]);
    out.recall[l] = Interval{Quantile(values, alpha), Quantile(values, 1 - alpha)};
  }
  return out;
}

}  // namespace trainops
