// Whether the production model's out-of-scope threshold should follow the traffic it served.
//
// Training picks the rejection threshold on validation rows, by a rule that has to guess
// how much of the traffic is out of scope (docs/task_spec.md, evaluation.threshold_rule):
// with no out-of-scope rows it gives up evaluation.max_accuracy_drop (2 points) of in-scope
// accuracy whatever the traffic. Feedback on the messages the model served is a sample of
// that traffic which the model never trained on, so it measures the objective production
// is judged by, accuracy with out-of-scope messages counted right when rejected, at every
// threshold at once (the weights do not change, only where rejection starts). On the two
// public replay streams the first model's threshold cost up to about a point a week (0 to
// 1.25 over three training seeds) against the best threshold on the earlier weeks'
// feedback (bench/RESULTS.md).
//
// The choice: the threshold with the most correct answers on the served rows (candidates:
// 0 and the midpoints between neighbouring rejection scores; among equals the one nearest
// the current threshold, so an equally good current threshold is kept). The decision: an
// exact one-sided sign test on the rows whose answer changes (McNemar's test, exact form):
// under "the new threshold is no better", each changed row is as likely to be gained as
// lost; refresh when P(at least `gained` of `gained + lost`) <= alpha. The candidate is
// chosen on the same rows it is tested on, which makes the p-value optimistic; the release
// gate then judges the refreshed model against production on the test data like any
// candidate, and every refresh is a promotion the replay bench checks on the next week.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops::drift {

// One served message with feedback, as the model answers it before rejection.
struct ServedOutcome {
  float reject_score = 0;        // Decision::reject_score
  bool fixed = false;            // answered the same at every threshold (empty text, or the oos class)
  bool correct_answered = false; // right when not rejected (fixed rows: right as answered)
  bool correct_rejected = false; // right when rejected: the feedback says out of scope
};

struct ThresholdChoiceOnTraffic {
  float current = 0, chosen = 0;
  size_t rows = 0, oos_rows = 0;
  size_t correct_current = 0, correct_chosen = 0;
  size_t gained = 0, lost = 0;  // rows right only at `chosen` / only at `current`
  // In-scope rows, and the share of them `chosen` rejects although answered right without
  // rejection: the in-scope accuracy the traffic supports giving up. A retrain caps its own
  // rejection's drop there (cycle_workflow.cc): measured against a production model whose
  // threshold follows the traffic, a candidate rejecting by the spec's drop would lose the
  // regression gate on in-scope test data by its rejections alone.
  size_t in_scope_rows = 0;
  double in_scope_drop = 0;
  double p_value = 1;           // exact one-sided sign test on gained vs lost
  double alpha = 0.05;
  bool refresh = false;  // chosen != current and p_value <= alpha
  std::string reason;    // one sentence a reviewer can check
  nlohmann::json ToJson() const;
};

// P(X >= k) for X ~ Binomial(n, 1/2); 1 when n = 0.
double SignTestPValue(size_t k, size_t n);

// The best threshold on the served rows and whether it beats `current` significantly.
ThresholdChoiceOnTraffic ChooseThresholdOnTraffic(const std::vector<ServedOutcome>& rows, float current,
                                                  double alpha);

}  // namespace trainops::drift
