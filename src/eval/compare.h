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

namespace trainops {

// `trainops compare` as one call: both model files scored on the same rows of `input.data`
// (its columns: `input`'s, else model A's, so one read serves both), then CompareResults.
// The result has "data" set; `skipped` receives the bad rows skipped (on_bad_row skip).
// Throws InputError for unreadable models or data, or data with no row to score.
nlohmann::json CompareModelFiles(const std::filesystem::path& model_a, const std::filesystem::path& model_b,
                                 EvalInput input, size_t max_examples, const std::string& name_a,
                                 const std::string& name_b, std::vector<RowProblem>* skipped = nullptr);

}  // namespace trainops
