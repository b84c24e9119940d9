// `trainops check-data`: loads the task's train, validation and test files and runs every
// data check on them (broken rows, duplicates and conflicting labels, leakage between
// splits, label health, staleness, likely label errors and outliers, thin segments),
// returning the findings. Used by the check-data command and at the start of training.
// Not thread-safe per call; uses spec.threads threads inside.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "check/findings.h"
#include "task/task_spec.h"

namespace trainops {

struct CheckOptions {
  int64_t now = 0;  // reference time for ages and "future" (Unix seconds); 0 = current time
  std::function<void(const std::string&)> info;  // progress messages for people
};

// Unreadable files, missing columns and the like throw InputError (nothing to check).
// Broken rows are findings, whatever spec.data.on_bad_row says (errors when it is
// "error", warnings when it is "skip", since training would then skip them).
CheckReport RunCheckData(const TaskSpec& spec, const CheckOptions& options = {});

// A short one-line-per-check summary of a report (for `trainops train` and run.json).
nlohmann::json CheckSummaryForRun(const CheckReport& report);

}  // namespace trainops
