// Cycle and ListCycles (include/trainops/monitor.h): one step of the weekly loop.
#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include <fmt/format.h>

#include <trainops/monitor.h>

#include "api/boundary.h"
#include "api/registry_access.h"
#include "common/atomic_file.h"
#include "common/db_location.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/strings.h"
#include "data/csv_writer.h"
#include "data/dataset.h"
#include "data/label_set.h"
#include "drift/cycle_selection.h"
#include "drift/cycle_threshold_refresh.h"
#include "drift/monitor.h"
#include "drift/retrain_data.h"
#include "drift/retrain_policy.h"
#include "drift/retrain_rejection.h"
#include "drift/select.h"
#include "drift/workflow_common.h"

namespace trainops {
namespace {

using nlohmann::json;

void Say(const Messages& m, const std::string& text) {
  if (m.info) m.info(text);
}

// The same message keeps one key however often its window is read: its id when the
// traffic has one, else its text, label and time.
std::string RowKey(const drift::WindowRow& row) {
  if (!row.id.empty()) return "id:" + row.id;
  return "row:" + HexDigest(Hash64(row.text + '\x1f' + row.feedback + '\x1f' + row.time));
}

bool InHoldout(const std::string& row_key, double share, uint64_t seed) {
  return static_cast<double>(Hash64(row_key, seed ^ 0x401d07) % 10000) < share * 10000;
}

void WriteTable(const std::filesystem::path& path, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  AtomicFile out(path);
  out.Write(CsvLine(header));
  for (const auto& row : rows) out.Write(CsvLine(row));
  out.Commit();
}

// A fresh folder for this cycle's candidate; never one an earlier attempt left.
std::filesystem::path CycleFolder(const std::filesystem::path& work_dir, size_t number) {
  for (int attempt = 0;; ++attempt) {
    std::filesystem::path dir = work_dir / (attempt == 0 ? fmt::format("cycle-{:04d}", number)
                                                         : fmt::format("cycle-{:04d}-{}", number, attempt));
    if (!std::filesystem::exists(dir)) return dir;
  }
}

json CycleSummary(const CycleRecord& c) {
  const json& r = c.report;
  auto get = [&](const char* key) { return r.is_object() && r.contains(key) ? r.at(key) : json(nullptr); };
  return {{"id", c.id},
          {"created_at", c.created_at},
          {"window", {{"source", c.source}, {"first", c.window_first}, {"last", c.window_last}}},
          {"alerts", get("alerts")},
          {"triggered", c.triggered},
          {"triggers", get("triggers")},
          {"decision", get("decision")},
          {"recovery", get("recovery")},
          {"retrained", c.retrained},
          {"candidate", c.candidate.empty() ? json(nullptr) : json(c.candidate)},
          {"gate", get("gate")},
          {"promoted", c.promoted},
          {"production", c.production},
          {"estimated_accuracy", get("estimated_accuracy")},
          {"feedback_accuracy", get("feedback_accuracy")}};
}

// The retrain of one cycle: candidate data under the data policy, training, gate and
// promotion. Fills `result` and returns the report's `training` and `gate_report` parts.
struct RetrainOutcome {
  json training = nullptr, gate = nullptr, gate_report = nullptr;
};

RetrainOutcome Retrain(const CycleOptions& options, const TaskSpec& spec, const std::filesystem::path& registry_path,
                       const std::filesystem::path& dir, const std::vector<drift::LabelledMessage>& feedback,
                       const drift::RetrainDecision& decision, const std::set<std::string>& ranked_texts,
                       const std::set<std::string>& window_keys, const Messages& messages, CycleResult& result) {
  RetrainOutcome out;
  CreateOutputFolder(dir, "--work-dir");
  const drift::RetrainData data = drift::BuildRetrainData(spec, feedback);
  WriteTable(dir / "train.csv", data.header, data.train);
  WriteTable(dir / "test.csv", data.header, data.test);
  TaskSpec derived = spec;
  derived.data.train = std::filesystem::absolute(dir / "train.csv");
  derived.data.test = std::filesystem::absolute(dir / "test.csv");
  if (data.carved_validation) {
    WriteTable(dir / "validation.csv", data.header, data.validation);
    derived.data.validation = std::filesystem::absolute(dir / "validation.csv");
  }
  // Feedback brings a few out-of-scope rows at a time. With a handful of them in validation
  // the balanced rejection rule would give each one a large share of its objective (2 rows:
  // 25% each) and pick a threshold that rejects in-scope messages (seen on the CLINC150
  // replay stream: 8 points lost on the test data). Below kMinOosValidationRows the retrain
  // uses the rule training uses without any: keep in-scope accuracy (accuracy_drop), giving
  // up no more of it than the feedback's out-of-scope share (drift.oos_share_drop).
  constexpr size_t kMinOosValidationRows = 30;
  json threshold_rule = nullptr;
  if (data.carved_validation && spec.evaluation.threshold_rule == "auto" && !spec.oos_label.empty() &&
      !spec.data.multi_label && data.validation_oos_rows < kMinOosValidationRows) {
    derived.evaluation.threshold_rule = "accuracy_drop";
    threshold_rule = {{"rule", "accuracy_drop"},
                      {"reason", fmt::format("{} out-of-scope validation rows, fewer than {}: too few to balance on",
                                             data.validation_oos_rows, kMinOosValidationRows)},
                      {"max_accuracy_drop", spec.evaluation.max_accuracy_drop}};
    if (spec.drift.oos_share_drop) {
      const drift::RejectionDrop drop = drift::RejectionDropFromFeedback(
          feedback, spec.oos_label, ranked_texts, window_keys, spec.evaluation.max_accuracy_drop);
      derived.evaluation.max_accuracy_drop = drop.max_accuracy_drop;
      threshold_rule.update(drop.ToJson());
    }
  }
  derived.data.format = FileFormat::kCsv;
  derived.data.weight_column = data.weight_column;
  if (!derived.labels.empty()) {  // a declared label set grows by the labels feedback brought
    for (const auto& f : feedback) {
      const std::vector<std::string> labels =
          spec.data.multi_label ? SplitLabelSet(f.label == kEmptySetFeedback ? "" : f.label, spec.data.label_separator)
                                : std::vector<std::string>{f.label};
      for (const std::string& label : labels) {
        if (std::find(derived.labels.begin(), derived.labels.end(), label) == derived.labels.end() &&
            label != spec.oos_label) {
          derived.labels.push_back(label);
        }
      }
    }
  }
  derived.registry_path =
      IsPostgresLocation(registry_path.string()) ? registry_path : std::filesystem::absolute(registry_path);
  if (!derived.data.validation.empty()) derived.data.validation = std::filesystem::absolute(derived.data.validation);
  const std::filesystem::path derived_spec = dir / "task.yaml";
  WriteFileAtomically(derived_spec, TaskSpecToYaml(derived, dir));
  const json& policy = data.policy;
  Say(messages, fmt::format("training a candidate on {} training rows + {} feedback rows (weight {}; {} held out to "
                            "gate, {} dropped as already in the test data) in {}",
                            data.spec_rows, data.feedback_rows, spec.drift.feedback_weight, data.holdout_rows,
                            data.leaked_rows, dir.string()));
  if (policy.at("superseded_count").get<size_t>() > 0) {
    Say(messages, fmt::format("{} rows superseded by a newer label from feedback",
                              policy.at("superseded_count").get<size_t>()));
  }
  if (policy.at("conflicting_left_out_count").get<size_t>() > 0) {
    Say(messages, fmt::format("{} training rows left out of this retrain: the same text under different labels, "
                              "with no feedback to settle it (fix them in {})",
                              policy.at("conflicting_left_out_count").get<size_t>(), spec.data.train.string()));
  }
  if (!policy.at("thin_new_labels").empty()) {
    Say(messages, fmt::format("{} new labels from feedback have fewer than checks.min_examples_per_label = {} "
                              "examples; training on what there is",
                              policy.at("thin_new_labels").size(), spec.checks.min_examples_per_label));
  }

  // The data policy above has settled what a person would otherwise be asked to fix
  // (conflicts, thin new labels); the pre-train check still runs and its findings are kept
  // in the run, but they do not stall the loop.
  TrainOptions t;
  t.allow_data_errors = true;
  t.task = derived_spec.string();
  t.out = (dir / "run").string();
  t.registry = registry_path.string();
  if (options.threads) t.parameters["threads"] = std::to_string(*options.threads);
  const TrainResult trained = Train(t, messages);
  result.retrained = true;
  result.candidate = trained.model_id;
  out.training = {{"run_dir", trained.run_dir},
                  {"spec", derived_spec.string()},
                  {"training_rows", data.spec_rows + data.feedback_rows},
                  {"feedback_rows", data.feedback_rows},
                  {"holdout_rows", data.holdout_rows},
                  {"test_rows", data.test.size()},
                  {"dropped_in_test_data", data.leaked_rows},
                  {"thin_new_labels", policy.at("thin_new_labels")},
                  {"threshold_rule", threshold_rule},
                  {"data_policy", policy}};

  GateOptions g;
  g.task = derived_spec.string();
  g.candidate = trained.model_id;
  g.registry = registry_path.string();
  g.threads = options.threads.value_or(0);
  g.reason = std::string("cycle") + (decision.recovery ? " (recovery)" : "") + ": " + Join(decision.fired, ", ");
  const ReleaseResult release = Release(g);
  result.gate_passed = release.gate.passed;
  result.promoted = release.promotion.has_value() && release.promotion->changed;
  out.gate = release.gate.passed ? "passed" : "failed";
  out.gate_report = {{"passed", release.gate.passed},
                     {"verdict", release.gate.verdict},
                     {"report_id", release.gate.report_id},
                     {"refused", release.refused}};
  if (release.promotion) result.production = release.promotion->model_id;
  Say(messages, result.promoted ? fmt::format("promoted {} to production", trained.model_id.substr(0, 12))
                                : fmt::format("candidate {} not promoted: {}", trained.model_id.substr(0, 12),
                                              release.gate.passed ? release.refused : "a gate failed"));
  return out;
}

// Where candidates and selections go: --work-dir, else cycles/ next to the registry.
std::filesystem::path WorkDir(const CycleOptions& options, const TaskSpec& spec,
                              const std::filesystem::path& registry_path) {
  return options.work_dir.empty() ? RegistrySideDir(registry_path, spec.spec_path) / "cycles"
                                  : std::filesystem::path(options.work_dir);
}

// Picks the messages to label next and writes them where --selection says (default: the
// work folder). Returns the report's `selection`.
json WriteSelection(const CycleOptions& options, const TaskSpec& spec, const std::filesystem::path& registry_path,
                    const drift::TrafficWindow& window, size_t cycle_number, drift::CycleSelection& selection,
                    std::string& csv_for_caller) {
  const drift::ResolvedModel serving = drift::ResolveMonitoredModel("", spec, registry_path);
  const uint64_t seed = spec.seed ^ (0x5e1ec7ULL * cycle_number);  // each window its own random share
  selection = drift::SelectForNextWindow(serving.model, window, static_cast<size_t>(options.label_budget),
                                         options.random_share.value_or(kDefaultRandomShare), seed);
  std::string path = options.selection;
  if (path.empty()) {
    const std::filesystem::path work_dir = WorkDir(options, spec, registry_path);
    std::filesystem::create_directories(work_dir);
    path = (work_dir / fmt::format("selection-{:04d}.csv", cycle_number)).string();
  }
  // "-": the caller prints it (standard output is the command's, not the library's).
  if (path == "-") {
    csv_for_caller = drift::SelectionCsv(selection);
  } else {
    WriteFileAtomically(path, drift::SelectionCsv(selection));
  }
  return {{"path", path},
          {"budget", options.label_budget},
          {"rows", selection.rows.size()},
          {"random", selection.random_picks},
          {"ranked", selection.rows.size() - selection.random_picks},
          {"candidates", selection.candidates},
          {"model", serving.id}};
}

void CheckCycleOptions(const CycleOptions& o) {
  if (o.task.empty()) throw InputError("cycle needs --task T.yaml");
  if (o.label_budget < 0) {
    throw InputError(fmt::format("--label-budget {}: the number of messages to pick for labelling; 0 or more",
                                 o.label_budget));
  }
  if (o.random_share && !(*o.random_share >= 0 && *o.random_share <= 1)) {
    throw InputError(fmt::format("--random-share {}: must be between 0 and 1 (0.1 = a tenth of the budget drawn "
                                 "uniformly at random)",
                                 *o.random_share));
  }
  if (!o.selection.empty() && o.label_budget == 0) {
    throw InputError("--selection names where the messages to label go; pass --label-budget N too");
  }
  CommandInputs inputs;
  inputs.AddTask(o.task, o.registry);
  if (!o.source.traffic.empty()) inputs.Add("--traffic", o.source.traffic);
  if (!o.feedback.empty()) inputs.Add("--feedback", o.feedback);
  if (!o.selection.empty()) CheckOutputFile(o.selection, "--selection", inputs);
}

}  // namespace

CycleResult Cycle(const CycleOptions& options, const Messages& messages) {
  return AtBoundary([&] {
    CheckCycleOptions(options);
    const TaskSpec spec = LoadTaskSpec(options.task);
    const std::filesystem::path registry_path = ResolveRegistryPath(options.registry, &spec);
    Registry registry = Registry::Open(registry_path);
    drift::TrafficWindow window = drift::LoadWindow(options.source, spec, registry_path);
    json late = nullptr;
    if (!options.feedback.empty()) {
      drift::TrafficWindow labels = drift::LoadTrafficFile(options.feedback, std::nullopt, spec);
      if (spec.data.multi_label) drift::CanonicalizeFeedbackSets(labels, spec.data.label_separator);
      const auto [added, unlabelled] = drift::AppendLateFeedback(window, labels);
      late = {{"source", options.feedback}, {"rows", added}, {"unlabelled_rows", unlabelled}};
    }
    // Labels for messages an earlier cycle selected are not a sample of the traffic.
    const std::map<std::string, SelectionRow> selections = registry.Selections(spec.name);
    const json from_selection = drift::MarkSelectedFeedback(window, selections);
    std::set<std::string> ranked_texts;  // not a sample of the traffic
    for (const auto& [key, s] : selections) {
      if (s.stratum != "random") ranked_texts.insert(s.text);
    }
    const drift::ResolvedModel production = drift::ResolveMonitoredModel("", spec, registry_path);

    // 1. Monitor the window with the production model.
    drift::MonitorOutcome monitor = drift::MonitorWindow(production.model, production.id, spec, window);
    drift::RecordMonitorReport(registry, monitor.report, window, monitor.alerts);
    Say(messages, fmt::format("monitored {} rows ({} with feedback): {}", window.TrafficRows(), window.FeedbackRows(),
                              monitor.alerts.empty() ? "no alerts" : "alerts: " + Join(monitor.alerts, ", ")));

    // 2. The window's feedback against what the registry already has: new rows, repeats,
    // and relabels (an agent corrected a label: the latest wins).
    const std::vector<FeedbackRow> known = registry.Feedback(spec.name);
    std::map<std::string, std::string> known_label;
    for (const auto& f : known) known_label[f.row_key] = f.label;
    std::vector<FeedbackRow> fresh;
    size_t repeated = 0, relabelled = 0;
    std::set<std::string> window_keys;
    for (const drift::WindowRow& row : window.rows) {
      if (row.feedback.empty() || Trim(row.text).empty()) continue;
      const std::string key = RowKey(row);
      if (!window_keys.insert(key).second) {
        ++repeated;
        continue;
      }
      if (auto it = known_label.find(key); it != known_label.end()) {
        if (it->second == row.feedback) {
          ++repeated;
          continue;
        }
        ++relabelled;
      }
      fresh.push_back({key, row.text, row.feedback, window.source, 0,
                       InHoldout(key, spec.drift.feedback_holdout, spec.seed)});
    }
    // Everything known, oldest first, a relabelled row at its newest place.
    std::vector<drift::LabelledMessage> all_feedback;
    std::set<std::string> fresh_keys;
    for (const auto& f : fresh) fresh_keys.insert(f.row_key);
    for (const auto& f : known) {
      if (!fresh_keys.count(f.row_key)) all_feedback.push_back({f.row_key, f.text, f.label, false});
    }
    for (const auto& f : fresh) all_feedback.push_back({f.row_key, f.text, f.label, f.holdout});

    // 3. Decide, from this window and the earlier cycles.
    const std::vector<CycleRecord> cycles = registry.Cycles(spec.name);
    drift::PolicyHistory history;
    int64_t last_retrain_cycle = 0;
    for (size_t i = 0; i < cycles.size(); ++i) {
      history.fired.push_back(cycles[i].fired);
      if (cycles[i].retrained) {
        history.windows_since_retrain = static_cast<int>(cycles.size() - i);
        last_retrain_cycle = cycles[i].id;
        const json& report = cycles[i].report;
        if (!(report.is_object() && report.value("recovery", false))) {
          history.windows_since_triggered_retrain = history.windows_since_retrain;
        }
      }
    }
    for (const auto& f : known) {
      history.feedback_since_retrain += f.cycle_id > last_retrain_cycle && !fresh_keys.count(f.row_key);
    }
    history.feedback_since_retrain += fresh.size();
    const drift::RetrainDecision decision = drift::DecideRetrain(monitor.report, spec.drift, history);
    Say(messages, "decision: " + decision.reason);

    CycleResult result;
    result.triggered = decision.triggered;
    result.production = production.id;
    RetrainOutcome retrain;
    std::exception_ptr failure;
    // This cycle's folder (created by the first step that writes to it).
    const std::filesystem::path cycle_dir = CycleFolder(WorkDir(options, spec, registry_path), cycles.size() + 1);
    if (decision.triggered) {
      // 4. Train a candidate on the training data plus all feedback (this window's
      // held-out share aside), gate it on the test data plus that share, promote on a pass.
      // Whatever happens here, the window's monitoring and feedback are recorded below.
      try {
        retrain = Retrain(options, spec, registry_path, cycle_dir, all_feedback, decision, ranked_texts, fresh_keys,
                          messages, result);
      } catch (const std::exception& e) {
        failure = std::current_exception();
        retrain.training = {{"error", e.what()}};
        Say(messages, std::string("retrain failed; the cycle is recorded without a candidate: ") + e.what());
      }
    }

    // 4b. No new model: the production model's rejection threshold may follow the
    // feedback on the traffic it served (drift/threshold_refresh.h). Like the retrain, a
    // failure here does not lose the window.
    json refresh_json = nullptr;
    if (!result.promoted) {
      drift::ThresholdRefreshInputs in;
      in.spec = &spec;
      in.task_path = options.task;
      in.registry_path = registry_path;
      in.production = &production;
      in.feedback = &all_feedback;
      in.ranked_texts = &ranked_texts;
      in.dir = cycle_dir / "threshold";
      in.threads = options.threads.value_or(0);
      try {
        const drift::ThresholdRefreshOutcome refreshed = drift::RefreshThreshold(in, registry, messages);
        refresh_json = refreshed.report;
        if (refreshed.promoted) {
          result.promoted = true;
          result.threshold_refreshed = true;
          result.production = refreshed.model_id;
        }
      } catch (const std::exception& e) {
        if (!failure) failure = std::current_exception();
        refresh_json = {{"refresh", false}, {"error", e.what()}};
        Say(messages, std::string("threshold refresh failed; the cycle is recorded without it: ") + e.what());
      }
    }

    // 5. The label budget: which messages of this window to label next, scored by the
    // model that serves from now on. Like the retrain, a failure here does not lose the window.
    json selection_json = nullptr;
    drift::CycleSelection selection;
    if (options.label_budget > 0) {
      try {
        selection_json =
            WriteSelection(options, spec, registry_path, window, cycles.size() + 1, selection, result.selection_csv);
        Say(messages, fmt::format("selected {} of {} messages to label next ({} at random) in {}",
                                  selection.rows.size(), selection.candidates, selection.random_picks,
                                  selection_json.at("path").get<std::string>()));
      } catch (const std::exception& e) {
        if (!failure) failure = std::current_exception();
        selection.rows.clear();
        selection_json = {{"error", e.what()}};
      }
    }

    json& r = result.report;
    r = monitor.report;  // alerts, estimated_accuracy, feedback_accuracy, signals, window, ...
    r["triggered"] = result.triggered;
    r["triggers"] = decision.triggers;
    r["decision"] = decision.reason;
    r["recovery"] = decision.recovery;
    r["retrained"] = result.retrained;
    r["candidate"] = result.candidate.empty() ? json(nullptr) : json(result.candidate);
    r["gate"] = retrain.gate;
    r["gate_report"] = retrain.gate_report;
    r["promoted"] = result.promoted;
    r["production"] = result.production;
    r["training"] = retrain.training;
    r["threshold_refresh"] = refresh_json;
    r["superseded_rows"] = retrain.training.is_object() && retrain.training.contains("data_policy")
                               ? retrain.training["data_policy"]["superseded_rows"]
                               : json::array();
    r["feedback"] = {{"window_rows", window.FeedbackRows()},
                     {"new_rows", fresh.size() - relabelled},
                     {"relabelled_rows", relabelled},
                     {"already_recorded", repeated},
                     {"since_last_retrain", history.feedback_since_retrain},
                     {"late", late},
                     {"from_selection", from_selection}};
    r["selection"] = selection_json;

    CycleRecord record;
    record.task = spec.name;
    record.window_key = window.Key();
    record.source = window.source;
    record.window_first = window.first;
    record.window_last = window.last;
    record.triggered = result.triggered;
    record.retrained = result.retrained;
    record.promoted = result.promoted;
    record.candidate = result.candidate;
    record.production = result.production;
    record.fired = decision.fired;
    record.report = r;
    result.cycle_id = registry.RecordCycle(record, fresh, nullptr, selection.rows);
    r["cycle"] = result.cycle_id;
    if (failure) {
      const std::string note = fmt::format(
          "\n(cycle {} is recorded with its monitoring, alerts and feedback{}; the next cycle runs as usual)",
          result.cycle_id, result.retrained ? "" : ", without a candidate");
      try {
        std::rethrow_exception(failure);
      } catch (const InputError& e) {
        throw InputError(e.what() + note);
      } catch (const std::filesystem::filesystem_error& e) {
        throw InputError(FilesystemErrorMessage(e) + note);
      }
    }
    return result;
  });
}

std::vector<json> ListCycles(const std::string& task_spec, const std::string& registry_flag) {
  return AtBoundary([&] {
    const TaskSpec spec = LoadTaskSpec(task_spec);
    Registry registry = Registry::Open(ResolveRegistryPath(registry_flag, &spec));
    std::vector<json> out;
    for (const CycleRecord& c : registry.Cycles(spec.name)) out.push_back(CycleSummary(c));
    return out;
  });
}

}  // namespace trainops
