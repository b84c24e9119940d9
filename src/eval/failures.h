// Groups a model's errors into categories a team can act on, ranked by impact:
//   oos_accepted       an out-of-scope text answered with an intent
//   in_scope_rejected  an in-scope text answered "out of scope"
//   unseen_label       the gold label is one the model never learned
//   confusion          gold A predicted as B (one category per pair seen at least twice)
//   confidently_wrong  wrong with calibrated confidence >= `confident`
//   uncertain          wrong with a top-two margin < `uncertain_margin`
//   segment            errors in a segment whose error rate is well above the overall rate
//                      (one-sided exact binomial test, Bonferroni over segments, p < 0.05)
// An error can fall in several categories (a confusion can also be confidently wrong),
// so shares do not add up to 1. Impact = sum over the category's errors of the cost of
// missing the gold label (evaluation.costs; 1 when not listed). Pure; thread-safe.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/evaluator.h"
#include "eval/segments.h"

namespace trainops {

struct FailureOptions {
  size_t max_examples = 5;
  std::map<std::string, double> costs;  // per gold label
  double confident = 0.9;
  double uncertain_margin = 0.1;
  uint64_t min_support = 50;  // segments smaller than this are not judged
  SegmentSplits split;  // per segment column
  size_t max_confusion_pairs = 15;
};

// {"total_errors", "categories": [{id, kind, title, count, share, impact, labels,
// segments, examples}], settings}.
nlohmann::json AnalyzeFailures(const EvalResult& result, const FailureOptions& options);

}  // namespace trainops
