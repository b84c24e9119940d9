#include "check/pre_train_gate.h"

namespace trainops {

PreTrainVerdict CheckBeforeTraining(const TaskSpec& spec, const CheckOptions& options) {
  TaskSpec gate_spec = spec;
  gate_spec.checks.label_error_folds = 0;
  PreTrainVerdict verdict;
  verdict.report = RunCheckData(gate_spec, options);
  for (const auto& file : verdict.report.summary["files"]) {
    if (file.value("split", "") == "train") verdict.train_rows += file.value("rows_loaded", size_t{0});
  }
  size_t conflict_rows = 0, conflict_findings = 0, other_errors = 0;
  for (const auto& f : verdict.report.findings) {
    if (f.severity != Severity::kError) continue;
    if (f.check == "conflicting_labels") {
      conflict_rows += f.rows.size();
      ++conflict_findings;
    } else {
      ++other_errors;
    }
  }
  const bool tolerable = conflict_rows > 0 && static_cast<double>(conflict_rows) <=
                                                  kTolerableConflictShare * static_cast<double>(verdict.train_rows);
  verdict.tolerated_conflict_rows = tolerable ? conflict_rows : 0;
  verdict.blocking_errors = other_errors + (tolerable ? 0 : conflict_findings);
  return verdict;
}

nlohmann::json PreTrainSummary(const PreTrainVerdict& verdict, bool allowed_errors) {
  nlohmann::json j = CheckSummaryForRun(verdict.report);
  j["allowed_errors"] = verdict.blocks() && allowed_errors;
  j["tolerated_conflicting_rows"] = verdict.tolerated_conflict_rows;
  return j;
}

}  // namespace trainops
