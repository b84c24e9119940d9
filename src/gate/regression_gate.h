// "No regression against the production model": the candidate and the baseline are scored
// on the same unseen rows, and a drop blocks the release only when it is both larger than
// the tolerance and statistically significant (one-sided, at `alpha`). Accuracy uses
// McNemar's exact test on the rows exactly one model gets right; F1 metrics use a seeded
// paired bootstrap; per-label recall uses McNemar within the label's rows with Holm's
// correction across labels, so 150 labels do not produce a false block by chance.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "eval/evaluator.h"
#include "gate/gate_check.h"
#include "task/gates_spec.h"

namespace trainops {

// Throws InputError when the two results are not over the same rows.
std::vector<GateCheck> RegressionChecks(const EvalResult& candidate, const EvalResult& baseline,
                                        const RegressionGate& gate, uint64_t seed);

// One-sided p-value that the baseline is better, from the discordant pair counts
// (rows only the baseline gets right vs rows only the candidate gets right).
double OneSidedMcNemar(uint64_t only_baseline, uint64_t only_candidate);

// Holm-Bonferroni adjusted p-values, in the input order.
std::vector<double> HolmAdjust(const std::vector<double>& p_values);

}  // namespace trainops
