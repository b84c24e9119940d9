// trainops/workflows.h: the workflows the `trainops` command line runs, as library calls,
// so that a server, a Python binding or any other program gets the same behaviour:
// check the data, train (with the pre-train data check, the run record and the
// registration in the registry), evaluate, gate, release, promote and roll back.
//
// Each function takes an options struct whose fields are the command's flags (an empty
// string or an empty std::optional means "not given": the task spec's value, else the
// default, applies) and returns what the command reports, as a typed summary plus the
// same JSON the command writes (formats in docs/). Output files are written atomically.
//
// Errors: trainops::InputError for anything the caller must fix (names the file, line and
// field and how to fix it), trainops::CheckFailedError when a policy refuses (promote
// without a passing gate report, rollback with nothing to go back to). A failed check or
// gate is not an exception: it is the result's `passed == false`.
//
// Thread-safety: the functions are reentrant; concurrent calls on the same registry are
// safe (every registry write is one SQLite transaction), and on the same output folder
// are the caller's to avoid. Messages go to the optional Messages callbacks, on the
// calling thread; the library prints nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

// Where a workflow's human-readable messages go; unset = dropped.
struct Messages {
  std::function<void(const std::string&)> info;   // progress (the CLI hides it with --quiet)
  std::function<void(const std::string&)> debug;  // detail (the CLI shows it with --verbose)
  std::function<void(const std::string&)> warn;   // always worth showing
};

// ---- check-data (docs/check_data.md) ----------------------------------------------------

struct CheckDataOptions {
  std::string task;  // task spec (YAML); or data + text_column + label_column
  std::string data, validation, test, text_column, label_column, time_column, format, on_bad_row;
  std::vector<std::string> segment_columns, labels;
  std::string now;      // reference time for ages, ISO 8601 ("" = the current time)
  std::string max_age;  // e.g. "365d"
  std::optional<int> min_examples_per_label, label_error_folds, min_segment_examples, threads;
  std::optional<int> max_rows;  // per split; beyond it a seeded uniform sample is checked
  std::optional<double> near_duplicate_threshold, max_imbalance_ratio;
  std::optional<uint64_t> seed;
  std::string write_clean;  // folder for cleaned copies and removed.csv ("" = none)
  bool drop_conflicts = false;
};

struct CheckDataResult {
  bool has_errors = false;  // the CLI exits 1 then
  nlohmann::json report;    // findings and summary (docs/check_data.md)
  std::string text;         // the readable report (`max_findings` per check)
  std::string markdown;     // the review document
};

CheckDataResult CheckData(const CheckDataOptions& options, const Messages& messages = {}, int max_findings = 8);

// ---- train (docs/task_spec.md) ----------------------------------------------------------

// Both callbacks run on the thread that called Train, between batches of updates. Either
// may throw trainops::CancelledError to stop the run (the Python binding does on Ctrl-C):
// Train then throws CancelledError, and the run folder is kept for ResumeTraining.
struct TrainProgress {
  // Every progress tick: examples done of total, examples per second.
  std::function<void(uint64_t done, uint64_t total, double rate, double epoch)> on_progress;
  // Every validation checkpoint: its metrics.jsonl record.
  std::function<void(const nlohmann::json& record)> on_checkpoint;
};

struct TrainOptions {
  std::string task;  // task spec (YAML); without it, data + text_column + label_column
  std::string data, validation, text_column, label_column, format, on_bad_row, oos_label, metric;
  std::vector<std::string> segment_columns;
  // Any other parameter of the parameter table (docs/task_spec.md), by name, as text:
  // {"training.epochs", "10"}, {"--lr", "0.2"}, {"model.type", "embedding"}: a name or a
  // flag of the table. Validated like the spec; an unknown name is an InputError.
  std::map<std::string, std::string> parameters;
  std::string out;  // the run folder (required)
  bool allow_data_errors = false;  // train even when the pre-train data check finds errors
  std::string registry;            // "" = the spec's, else .trainops/registry.db next to it
  bool record_in_registry = true;
};

struct TrainResult {
  std::string model_path;  // <out>/model.bin
  std::string run_dir;
  nlohmann::json run;         // run.json as written (hyper-parameters, checkpoints, data check)
  nlohmann::json check_data;  // the pre-train data check's summary (null when resuming)
  // Set when the run was recorded in a registry: its path, run id, model id and the
  // model's status there ("candidate", or what it already was when these bytes were known).
  std::string registry, run_id, model_id, model_status;
};

TrainResult Train(const TrainOptions& options, const Messages& messages = {}, const TrainProgress& progress = {});
// Continues the interrupted run in `run_dir` from its last intact checkpoint.
TrainResult ResumeTraining(const std::string& run_dir, std::optional<int> threads = std::nullopt,
                           const std::string& registry = "", bool record_in_registry = true,
                           const Messages& messages = {}, const TrainProgress& progress = {});

// ---- eval (docs/evaluation.md) ----------------------------------------------------------

struct EvaluateOptions {
  std::string model;  // model file (required)
  std::string data;   // labelled file (required)
  std::string task;   // optional: its evaluation: section, segment columns and oos label apply
  std::string text_column, label_column, format, on_bad_row, oos_label;
  std::vector<std::string> segments;       // segment columns
  std::vector<std::string> segment_split;  // "chars", ";" or COL=SPLIT
  std::optional<int> resamples, min_support, max_examples;
  std::optional<uint64_t> seed;
  std::optional<float> threshold;  // 0 = rejection off; unset = the model's
  int threads = 0;                 // 0 = all cores
};

struct EvaluateResult {
  // accuracy, macro_f1, weighted_f1, n, per_label, confusion, segments, calibration, oos,
  // failures (docs/evaluation.md).
  nlohmann::json report;
  std::vector<std::string> warnings;  // skipped rows, flags without effect
};

EvaluateResult EvaluateModel(const EvaluateOptions& options);
// The evaluation report as a self-contained HTML page, and as Markdown.
std::string EvaluationHtml(const nlohmann::json& report);
std::string EvaluationMarkdown(const nlohmann::json& report);

// ---- gates, release, promote, rollback (docs/gates.md, docs/registry.md) -----------------

struct GateOptions {
  std::string task;       // task spec whose gates apply (required)
  std::string candidate;  // a model file or a registered model's id (required)
  // "" = the spec's gates.regression.baseline (production). "production", "none", a model
  // file or a model id; a report against anything but the production model is for
  // comparison only and cannot promote.
  std::string baseline;
  std::string registry;  // "" = the spec's, else .trainops/registry.db next to it
  int threads = 0;
  std::string reason;  // release: recorded in the status history ("" = one naming the report)
};

struct GateResult {
  bool passed = false;
  nlohmann::json report;  // every gate with value, threshold and status (docs/gates.md)
  std::string verdict;    // the readable verdict
  std::string junit;      // JUnit XML, one test case per gate
  int64_t report_id = 0;  // the report's row in the registry
  std::string candidate_id, candidate_status, registry;
  // Whether the report was compared with the task's production model (or the task had
  // none): only such a report can promote; any other is kept for comparison.
  bool compared_with_production = false;
  std::vector<std::string> notes;  // for people: e.g. why this report cannot promote
};

struct StatusChangeResult {
  int64_t id = 0;        // the status-history row (0 when nothing changed)
  std::string at;        // when, ISO-8601 UTC
  bool changed = false;  // false: the model already had that status
  std::string model_id, task, from_status, to_status, reason, archived_model_id;
  bool forced = false;
  int64_t gate_report_id = 0;
  // Set when this promotion registered the task's gate policy (the gate settings later
  // promotions may not loosen): its hash and why.
  std::string policy_hash, policy_change;
  std::string message;  // one line for people
};

struct ReleaseResult {
  GateResult gate;
  // Set when the candidate was promoted (or already was production); empty when a gate
  // failed or the policy refused.
  std::optional<StatusChangeResult> promotion;
  // Set when every gate passed but the policy refused (a comparison report, or the
  // production model changed while the gates ran): what to do instead.
  std::string refused;
};

// Runs the spec's gates on its test data against the baseline and records the report.
GateResult Gate(const GateOptions& options);
// Gates, then promotes the candidate when every gate passed against the production model
// that is still production when the promotion commits.
ReleaseResult Release(const GateOptions& options);

struct PromoteOptions {
  std::string model;  // a registered model's id (or unique prefix), or a model file
  std::string reason;
  bool force = false;  // promote without a passing gate report; needs a reason; recorded
  // The report's gate settings loosen the task's registered gate policy on purpose:
  // promote anyway (the gates must still have passed) and register them; needs a reason.
  bool new_policy = false;
  std::string task;    // the spec whose gate report must have passed (default: the run's spec)
  std::string task_name;  // for a model file not yet registered, when there is no spec at hand
  std::string registry;
};
// Makes a model production. Throws CheckFailedError unless its newest report against
// production (for the spec's current gate inputs) passed, that production model still
// is production, and the report's gate settings do not loosen the task's registered gate
// policy (docs/gates.md), or `force` with a reason. Checked in the transaction that
// changes it.
StatusChangeResult Promote(const PromoteOptions& options);

struct RollbackOptions {
  std::string task;       // task spec; or task_name (and registry)
  std::string task_name;
  std::string registry;
  std::string reason;
};
// Makes the model that was production before the current one production again. Throws
// CheckFailedError when there is nothing to roll back to.
StatusChangeResult Rollback(const RollbackOptions& options);

}  // namespace trainops
