// trainops/monitor.h: the drift loop as library calls (docs/monitoring.md).
//
// Monitor scores one window of production traffic with the task's production model and
// compares it with the statistics the model was trained with: label-free signals
// (predicted-label mix, confidence, margin, feature coverage, unseen words, text length,
// rejection rate, accuracy estimated without labels) and, when the window carries the
// labels support agents gave afterwards, feedback signals (accuracy, macro-F1, per-label
// recall, labels the model lacks). Alerts come from tests that account for the window's
// size, Holm-corrected over the signals, with an effect-size floor per signal.
//
// Cycle is one step of the weekly loop: monitor, record the window's feedback in the
// registry, decide with the spec's `drift:` policy (hysteresis, cooldown, a minimum of new
// feedback), and when triggered train a candidate on the training data plus all feedback,
// gate it against production and promote it on a pass. A retrain that cannot go ahead
// still leaves the cycle recorded (signals, alerts, feedback) before the error is raised.
//
// Errors: InputError for anything the caller must fix (a file, a time, a task without a
// production model). A candidate blocked by its gate is a result (`gate_passed == false`),
// not an exception.
//
// Thread-safety: the functions are reentrant. Two cycles of the same task at once are the
// caller's to avoid (each would retrain); their registry writes are transactions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <trainops/workflows.h>

namespace trainops {

// Where a window comes from: a traffic file, or the server's traffic log between two
// times (ISO-8601 UTC; since inclusive, until exclusive).
struct TrafficSource {
  std::string traffic;      // CSV, TSV or JSONL with the spec's text column
  std::string format;       // of `traffic` ("" = by extension)
  std::string since, until;  // for the traffic log (`traffic` empty)
  std::string traffic_log;  // "" = traffic.db next to the registry
};

struct MonitorOptions {
  std::string task;  // task spec (required): its drift: section, text column, registry
  TrafficSource source;
  std::string model;     // a model file or registered id ("" = the task's production model)
  std::string registry;  // "" = the spec's, else .trainops/registry.db next to it
  bool record = true;    // keep the report in the registry's monitor history
};

struct MonitorResult {
  // docs/monitoring.md: task, model, window, test, alerts, estimated_accuracy,
  // feedback_accuracy (null without feedback), feedback_macro_f1, signals, ...
  nlohmann::json report;
  std::vector<std::string> alerts;
  int64_t run_id = 0;  // the registry's monitor_runs row (0 when not recorded)
};
MonitorResult Monitor(const MonitorOptions& options);

// The monitor report as a self-contained HTML page with the history of the task's
// earlier monitor runs (oldest first) drawn signal by signal.
std::string MonitorHtml(const nlohmann::json& report, const std::vector<nlohmann::json>& history);
// The task's recorded monitor reports, oldest first (at most `limit`), without the one
// whose window key is `exclude_window_key`.
std::vector<nlohmann::json> MonitorHistory(const std::string& task_spec, const std::string& registry = "",
                                           size_t limit = 52, const std::string& exclude_window_key = "");

struct CycleOptions {
  std::string task;  // task spec (required)
  TrafficSource source;
  // Labels agents gave to messages of earlier windows (CSV, TSV or JSONL with the text and
  // label columns, and the id the message had): feedback, but not this window's traffic.
  std::string feedback;
  std::string registry;
  std::string work_dir;  // where candidates are trained ("" = <registry folder>/cycles)
  std::optional<int> threads;
  // The label budget: also pick this many messages of the window for agents to label next
  // (0 = none), written to `selection` ("" = selection-NNNN.csv in the work folder; "-" =
  // not written: CycleResult::selection_csv holds it for the caller to print).
  int64_t label_budget = 0;
  std::string selection;
  std::optional<double> random_share;  // of the budget drawn uniformly (default 0.1)
};

struct CycleResult {
  // alerts, triggered, triggers, retrained, candidate, gate, promoted, production,
  // estimated_accuracy, feedback_accuracy, signals, decision, feedback, threshold_refresh
  // (docs/monitoring.md).
  nlohmann::json report;
  bool triggered = false, retrained = false, promoted = false;
  // The promotion was the production model's threshold refreshed on its served traffic,
  // not the retrained candidate (report["threshold_refresh"]; docs/monitoring.md).
  bool threshold_refreshed = false;
  bool gate_passed = false;  // meaningful when retrained
  std::string candidate, production;
  int64_t cycle_id = 0;
  std::string selection_csv;  // the selection's CSV when CycleOptions::selection is "-"
};
CycleResult Cycle(const CycleOptions& options, const Messages& messages = {});

// The task's cycles, oldest first: id, created_at, window, alerts, triggered, triggers,
// decision, recovery, retrained, candidate, gate, promoted, production, estimated_accuracy,
// feedback_accuracy.
std::vector<nlohmann::json> ListCycles(const std::string& task_spec, const std::string& registry = "");

}  // namespace trainops
