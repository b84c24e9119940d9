// The data gate at the start of `trainops train`: which check findings stop training
// and which it records and goes on with. The CLI only reports the verdict and asks the
// user to fix or override it (--allow-data-errors).
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "check/check_data.h"

namespace trainops {

// A handful of conflicting duplicates in a large training file is label noise the model
// tolerates (BANKING77 has one such pair in 10,003 rows); above this share of the
// training rows they block like other errors.
inline constexpr double kTolerableConflictShare = 0.001;

struct PreTrainVerdict {
  CheckReport report;
  size_t blocking_errors = 0;      // errors that stop training without --allow-data-errors
  size_t tolerated_conflict_rows = 0;  // conflicting-label rows under the tolerance
  size_t train_rows = 0;
  bool blocks() const { return blocking_errors > 0; }
};

// Runs the checks that can block training. Likely label errors and outliers are findings
// for a person to review, never blocking, and cross-validating them costs several
// trainings, so the gate skips them (spec.checks.label_error_folds is ignored); they are
// left to `trainops check-data`.
PreTrainVerdict CheckBeforeTraining(const TaskSpec& spec, const CheckOptions& options = {});

// run.json's `check_data`: CheckSummaryForRun plus what the gate decided.
nlohmann::json PreTrainSummary(const PreTrainVerdict& verdict, bool allowed_errors);

}  // namespace trainops
