// What a cycle's retrain learns from: the spec's training data plus the task's feedback,
// after the cycle's data policy (docs/monitoring.md, "The retrain's data policy"):
//
// - The latest label wins. Feedback is an agent's correction: a training row whose text
//   (normalized as check-data compares texts, check/text_key.h) has feedback with another
//   label is superseded for this retrain, and so is older feedback on the same text.
// - Conflicts nobody resolved (the same text under two labels in the training data, with
//   no feedback on it) are left out of this retrain rather than stopping the loop.
// - Feedback teaches: each feedback row weighs drift.feedback_weight original rows, and a
//   label only feedback has is weighted up until its total weight reaches
//   drift.balance_share x the median rows per label (at most drift.max_row_weight a row).
//   Rows of the spec's out-of-scope label keep weight 1 (a catch-all, not an intent). A
//   feedback row of weight w trains as one row of weight w (drift.feedback_as: weights) or
//   as round(w) copies of itself (copies); the spec's own rows keep their weight column.
// - Validation: the spec's validation file, or else a stratified share
//   (training.validation_split) of the distinct messages, carved here so that no copy (or
//   repeated message) of a training row is scored as unseen.
// - A drift.feedback_holdout share of this window's new feedback is kept out of training
//   and joins the spec's test data to gate the candidate; feedback whose text is in the
//   test data never trains (it would leak the test set).
//
// - Multi-label tasks: a feedback label is a set (its canonical text, "[]" for none of the
//   intents); label counts, new labels and weights go by each label of a set, and a set's
//   row weighs what its most up-weighted label asks for.
//
// Everything it did is in `policy` (JSON for the cycle report and the registry).
// Thread-safety: pure function of its inputs (reads the spec's files).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "task/task_spec.h"

namespace trainops::drift {

// One labelled message the cycle knows, oldest first.
struct LabelledMessage {
  std::string row_key, text, label;
  bool holdout = false;  // this window's new feedback kept to gate the candidate
};

struct RetrainData {
  std::vector<std::string> header;  // the spec's text, label, segment and time columns, then weight_column
  std::string weight_column;        // "weight" unless the spec uses that name for another column
  std::vector<std::vector<std::string>> train, test;
  std::vector<std::vector<std::string>> validation;  // when carved_validation
  bool carved_validation = false;
  size_t spec_rows = 0;       // spec training rows kept (in train)
  size_t feedback_rows = 0;   // feedback rows in train (each as its copies)
  size_t validation_feedback_rows = 0;
  size_t validation_oos_rows = 0;  // rows of the spec's oos_label in the carved validation
  size_t holdout_rows = 0;    // feedback rows added to test
  size_t leaked_rows = 0;     // feedback dropped for being in the test data
  nlohmann::json policy;      // superseded_rows, conflicting_rows_left_out, thin_new_labels, weights
};

RetrainData BuildRetrainData(const TaskSpec& spec, const std::vector<LabelledMessage>& feedback);

}  // namespace trainops::drift
