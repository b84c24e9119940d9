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
#include "eval/multi_label_eval.h"
#include "gate/gate_check.h"
#include "task/gates_spec.h"

namespace trainops {

// Throws InputError when the two results are not over the same rows.
std::vector<GateCheck> RegressionChecks(const EvalResult& candidate, const EvalResult& baseline,
                                        const RegressionGate& gate, uint64_t seed);

// The same for multi-label results (eval/multi_label_eval.h) on the same rows: "accuracy"
// (exact-set accuracy) by McNemar's exact test on the messages exactly one model gets
// exactly right; micro_f1, macro_f1, weighted_f1 and samples_f1 by a seeded paired
// bootstrap over messages; each label's recall (its gold rows: found or missed) by McNemar
// with Holm's correction.
std::vector<GateCheck> MultiLabelRegressionChecks(const MultiLabelEvalResult& candidate,
                                                  const MultiLabelEvalResult& baseline, const RegressionGate& gate,
                                                  uint64_t seed);

// One-sided p-value that the baseline is better, from the discordant pair counts
// (rows only the baseline gets right vs rows only the candidate gets right).
double OneSidedMcNemar(uint64_t only_baseline, uint64_t only_candidate);

// Holm-Bonferroni adjusted p-values, in the input order.
std::vector<double> HolmAdjust(const std::vector<double>& p_values);

}  // namespace trainops
