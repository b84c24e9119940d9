// Paired comparison of two models scored on the same rows: overall and per-label deltas,
// McNemar's test on the rows exactly one model gets right (exact two-sided binomial
// p-value, plus mid-p), and the texts behind those discordant rows. Pure; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "eval/evaluator.h"

namespace trainops {

// Throws InputError when the results are not over the same rows (different counts or
// gold labels), naming the first row that differs.
nlohmann::json CompareResults(const EvalResult& a, const EvalResult& b, const std::string& name_a,
                              const std::string& name_b, size_t max_examples);

}  // namespace trainops
