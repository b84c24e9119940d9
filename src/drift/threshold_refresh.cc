#include "drift/threshold_refresh.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "eval/significance.h"
#include "model/inference.h"

namespace trainops::drift {

nlohmann::json ThresholdChoiceOnTraffic::ToJson() const {
  return {{"current_threshold", current},
          {"best_threshold", chosen},
          {"rows", rows},
          {"oos_rows", oos_rows},
          {"correct_at_current", correct_current},
          {"correct_at_best", correct_chosen},
          {"gained", gained},
          {"in_scope_rows", in_scope_rows},
          {"in_scope_drop", in_scope_drop},
          {"lost", lost},
          {"p_value", p_value},
          {"alpha", alpha},
          {"test", "exact one-sided sign test on the rows whose answer changes (McNemar, exact)"},
          {"refresh", refresh},
          {"reason", reason}};
}

double SignTestPValue(size_t k, size_t n) {
  if (n == 0 || k == 0) return 1.0;
  if (k > n) return 0.0;
  // P(X >= k) = P(X <= n - k) for p = 1/2: a lower tail, summed without cancellation.
  return std::min(1.0, BinomialCdf(n - k, n, 0.5));
}

namespace {

// The serving rule's own test (model/inference.h), so a row counts as rejected here
// exactly when production would reject it.
bool Correct(const ServedOutcome& r, float threshold) {
  if (r.fixed) return r.correct_answered;
  return BelowThreshold(r.reject_score, threshold) ? r.correct_rejected : r.correct_answered;
}

}  // namespace

ThresholdChoiceOnTraffic ChooseThresholdOnTraffic(const std::vector<ServedOutcome>& rows, float current,
                                                  double alpha) {
  ThresholdChoiceOnTraffic out;
  out.current = current;
  out.chosen = current;
  out.alpha = alpha;
  out.rows = rows.size();
  size_t fixed_correct = 0;
  std::vector<const ServedOutcome*> open;  // rows whose answer depends on the threshold
  for (const ServedOutcome& r : rows) {
    out.oos_rows += r.correct_rejected;
    if (r.fixed) {
      fixed_correct += r.correct_answered;
    } else {
      open.push_back(&r);
    }
  }
  for (const ServedOutcome& r : rows) out.correct_current += Correct(r, current);
  if (rows.empty()) {
    out.reason = "no served rows with feedback the model did not train on";
    return out;
  }

  // Sweep thresholds upwards through the sorted scores: below the i-th score, rows 0..i-1
  // are rejected and the rest answered.
  std::sort(open.begin(), open.end(),
            [](const ServedOutcome* a, const ServedOutcome* b) { return a->reject_score < b->reject_score; });
  size_t answered_right = 0;
  for (const ServedOutcome* r : open) answered_right += r->correct_answered;
  size_t best = fixed_correct + answered_right;  // threshold 0: nothing rejected
  float best_threshold = 0;
  size_t rejected_right = 0;
  for (size_t i = 0; i < open.size(); ++i) {
    rejected_right += open[i]->correct_rejected;
    answered_right -= open[i]->correct_answered;
    // Thresholds between score i and score i + 1 reject rows 0..i; equal scores are one step.
    if (i + 1 < open.size() && open[i + 1]->reject_score == open[i]->reject_score) continue;
    const float upper = i + 1 < open.size() ? open[i + 1]->reject_score : 1.0f;
    const float threshold = (open[i]->reject_score + upper) / 2;
    if (!(threshold > 0 && threshold < 1)) continue;
    const size_t correct = fixed_correct + rejected_right + answered_right;
    // Among equally good thresholds the one nearest the current: a refresh moves no further
    // than the feedback asks.
    if (correct > best ||
        (correct == best && std::fabs(threshold - current) < std::fabs(best_threshold - current))) {
      best = correct;
      best_threshold = threshold;
    }
  }
  if (best <= out.correct_current) {
    out.correct_chosen = out.correct_current;
    out.reason = fmt::format("the current threshold {:.4f} answers {} of {} served rows right, as many as any threshold",
                             current, out.correct_current, out.rows);
    return out;
  }
  out.chosen = best_threshold;
  out.correct_chosen = best;
  size_t dropped = 0;  // in-scope rows right without rejection that best_threshold rejects
  for (const ServedOutcome& r : rows) {
    const bool now = Correct(r, current), then = Correct(r, best_threshold);
    out.gained += then && !now;
    out.lost += now && !then;
    if (r.correct_rejected) continue;
    ++out.in_scope_rows;
    dropped += Correct(r, 0) && !then;
  }
  out.in_scope_drop = out.in_scope_rows ? static_cast<double>(dropped) / static_cast<double>(out.in_scope_rows) : 0;
  out.p_value = SignTestPValue(out.gained, out.gained + out.lost);
  out.refresh = out.p_value <= alpha;
  out.reason = fmt::format(
      "threshold {:.4f} answers {} of {} served rows right ({} out of scope), {:.4f} {}: {} gained, {} lost, "
      "sign test p = {:.3g} {} alpha {}",
      best_threshold, best, out.rows, out.oos_rows, current, out.correct_current, out.gained, out.lost, out.p_value,
      out.refresh ? "<=" : ">", alpha);
  return out;
}

}  // namespace trainops::drift
