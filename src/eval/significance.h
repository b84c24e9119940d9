// Small exact tests used by eval and compare: binomial tails and McNemar's test for
// paired correctness. Computed in log space, so counts in the millions are fine. Pure.
#pragma once

#include <cstdint>

namespace trainops {

// P(X <= k) and P(X = k) for X ~ Binomial(n, p).
double BinomialCdf(uint64_t k, uint64_t n, double p);
double BinomialPmf(uint64_t k, uint64_t n, double p);

struct McNemarResult {
  uint64_t only_a = 0;  // rows A gets right and B wrong
  uint64_t only_b = 0;  // rows B gets right and A wrong
  double p_exact = 1;   // two-sided exact binomial test on the discordant pairs
  double p_midp = 1;    // the mid-p variant (Fagerland et al. 2013 recommend it)
};
McNemarResult McNemar(uint64_t only_a, uint64_t only_b);

}  // namespace trainops
