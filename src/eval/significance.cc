#include "eval/significance.h"

#include <algorithm>
#include <cmath>

namespace trainops {

double BinomialPmf(uint64_t k, uint64_t n, double p) {
  if (k > n) return 0;
  if (p <= 0) return k == 0 ? 1 : 0;
  if (p >= 1) return k == n ? 1 : 0;
  const double dn = static_cast<double>(n), dk = static_cast<double>(k);
  return std::exp(std::lgamma(dn + 1) - std::lgamma(dk + 1) - std::lgamma(dn - dk + 1) + dk * std::log(p) +
                  (dn - dk) * std::log1p(-p));
}

double BinomialCdf(uint64_t k, uint64_t n, double p) {
  if (k >= n) return 1;
  double sum = 0;
  for (uint64_t i = 0; i <= k; ++i) sum += BinomialPmf(i, n, p);
  return std::min(1.0, sum);
}

McNemarResult McNemar(uint64_t only_a, uint64_t only_b) {
  McNemarResult r;
  r.only_a = only_a;
  r.only_b = only_b;
  const uint64_t n = only_a + only_b;
  if (n == 0) return r;
  const uint64_t k = std::min(only_a, only_b);
  const double tail = BinomialCdf(k, n, 0.5);
  r.p_exact = std::min(1.0, 2 * tail);
  r.p_midp = std::min(1.0, 2 * (tail - 0.5 * BinomialPmf(k, n, 0.5)));
  return r;
}

}  // namespace trainops
