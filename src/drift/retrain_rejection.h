// How much in-scope accuracy the out-of-scope threshold of a cycle's retrain may give up.
//
// Rejecting a message trades in-scope accuracy for out-of-scope recall. On traffic whose
// out-of-scope share is p, a threshold that costs d of in-scope accuracy changes overall
// accuracy by -(1 - p) d + p r, where r is the recall it buys (r <= 1): beyond d = p it
// cannot pay. Training's accuracy_drop rule, used when validation has too few out-of-scope
// rows to balance on, gives up evaluation.max_accuracy_drop (2 points) whatever the
// traffic; a task whose traffic is 1% out of scope then loses about a point of overall
// accuracy every week (measured on both replay streams, bench/RESULTS.md). The feedback
// is a sample of that traffic, so the retrain caps the drop at its estimate of p.
//
// The estimate is the posterior mean under a uniform prior (Laplace's rule of succession,
// (k + 1) / (n + 2)), not a point estimate or a confidence bound: overall accuracy is
// linear in p, so the expected accuracy of a threshold depends on p only through its
// mean; and with few rows the mean stays near 1/2, above any cap, so a small sample
// leaves the spec's drop in force. Rows agents labelled because `cycle --label-budget`
// ranked them (not its random share) are not a sample of the traffic and are left out.
// So are the rows this window brought: the window that triggers a retrain is often the
// drifted one (an out-of-scope surge), while the candidate is gated against production on
// test data that mostly predates it; a drop raised by the surge alone made the candidate
// reject in-scope test messages production answers, and the regression gate refused it
// (replay_banking, 2 of 3 training seeds; bench/RESULTS.md). The window counts from the
// next retrain on, once it is one of several.
//
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drift/retrain_data.h"

namespace trainops::drift {

struct RejectionDrop {
  double max_accuracy_drop = 0;  // min(cap, oos_share)
  double oos_share = 0;          // (oos_rows + 1) / (sample_rows + 2)
  size_t oos_rows = 0;           // of the sample, labelled with the out-of-scope label
  size_t sample_rows = 0;        // feedback rows that sample the traffic
  size_t ranked_rows = 0;        // feedback rows left out: picked by a label budget's ranking
  size_t window_rows = 0;        // feedback rows left out: this window's
  nlohmann::json ToJson() const;
};

// `ranked_texts`: texts of the messages label budgets picked for their rank;
// `window_keys`: row keys of the feedback this window brought.
RejectionDrop RejectionDropFromFeedback(const std::vector<LabelledMessage>& feedback, const std::string& oos_label,
                                        const std::set<std::string>& ranked_texts,
                                        const std::set<std::string>& window_keys, double cap);

}  // namespace trainops::drift
