// Cycle and ListCycles (include/trainops/monitor.h): one step of the weekly loop.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <trainops/monitor.h>

#include "api/boundary.h"
#include "api/registry_access.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/strings.h"
#include "data/csv_writer.h"
#include "data/dataset.h"
#include "drift/monitor.h"
#include "drift/retrain_policy.h"
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

// The rows of a spec data file, with every column the derived spec names.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// Header: text, label, segment columns, time column (as the spec names them).
std::vector<std::string> DerivedHeader(const TaskSpec& spec) {
  std::vector<std::string> h = {spec.data.text_column, spec.data.label_column};
  for (const auto& c : spec.data.segment_columns) h.push_back(c);
  if (!spec.data.time_column.empty()) h.push_back(spec.data.time_column);
  return h;
}

void AppendSpecFile(const TaskSpec& spec, const std::filesystem::path& path, Table& table,
                    std::set<std::string>* texts) {
  DataSource source = spec.data.Source(path, spec.labels);
  StreamExamples(source, [&](Example&& e) {
    if (texts) texts->insert(std::string(Trim(e.text)));
    std::vector<std::string> row = {e.text, e.label};
    for (auto& s : e.segments) row.push_back(s);
    if (!spec.data.time_column.empty()) row.push_back(e.time);
    table.rows.push_back(std::move(row));
  }, [](RowProblem&&) {});  // rows the spec skips (on_bad_row: skip) stay out, as in training
}

void AppendFeedback(const FeedbackRow& f, Table& table) {
  std::vector<std::string> row = {f.text, f.label};
  row.resize(table.header.size());  // feedback has no segments or time: empty cells
  table.rows.push_back(std::move(row));
}

void WriteTable(const std::filesystem::path& path, const Table& table) {
  AtomicFile out(path);
  out.Write(CsvLine(table.header));
  for (const auto& row : table.rows) out.Write(CsvLine(row));
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
          {"retrained", c.retrained},
          {"candidate", c.candidate.empty() ? json(nullptr) : json(c.candidate)},
          {"gate", get("gate")},
          {"promoted", c.promoted},
          {"production", c.production},
          {"estimated_accuracy", get("estimated_accuracy")},
          {"feedback_accuracy", get("feedback_accuracy")}};
}

}  // namespace

CycleResult Cycle(const CycleOptions& options, const Messages& messages) {
  return AtBoundary([&] {
    if (options.task.empty()) throw InputError("cycle needs --task T.yaml");
    const TaskSpec spec = LoadTaskSpec(options.task);
    const std::filesystem::path registry_path = ResolveRegistryPath(options.registry, &spec);
    Registry registry = Registry::Open(registry_path);
    const drift::TrafficWindow window = drift::LoadWindow(options.source, spec, registry_path);
    const drift::ResolvedModel production = drift::ResolveMonitoredModel("", spec, registry_path);

    // 1. Monitor the window with the production model.
    drift::MonitorOutcome monitor = drift::MonitorWindow(production.model, production.id, spec, window);
    drift::RecordMonitorReport(registry, monitor.report, window, monitor.alerts);
    Say(messages, fmt::format("monitored {} rows ({} with feedback): {}", window.rows.size(), window.FeedbackRows(),
                              monitor.alerts.empty() ? "no alerts" : "alerts: " + Join(monitor.alerts, ", ")));

    // 2. The window's feedback, deduplicated against what the registry already has.
    const std::vector<FeedbackRow> known = registry.Feedback(spec.name);
    std::set<std::string> known_keys;
    for (const auto& f : known) known_keys.insert(f.row_key);
    std::vector<FeedbackRow> fresh;
    size_t repeated = 0;
    std::set<std::string> window_keys;
    for (const drift::WindowRow& row : window.rows) {
      if (row.feedback.empty() || Trim(row.text).empty()) continue;
      const std::string key = RowKey(row);
      if (known_keys.count(key) || !window_keys.insert(key).second) {
        ++repeated;
        continue;
      }
      fresh.push_back({key, row.text, row.feedback, window.source, 0,
                       InHoldout(key, spec.drift.feedback_holdout, spec.seed)});
    }

    // 3. Decide, from this window and the earlier cycles.
    const std::vector<CycleRecord> cycles = registry.Cycles(spec.name);
    drift::PolicyHistory history;
    int64_t last_retrain_cycle = 0;
    for (size_t i = 0; i < cycles.size(); ++i) {
      history.fired.push_back(cycles[i].fired);
      if (cycles[i].retrained) {
        history.windows_since_retrain = static_cast<int>(cycles.size() - i);
        last_retrain_cycle = cycles[i].id;
      }
    }
    for (const auto& f : known) history.feedback_since_retrain += f.cycle_id > last_retrain_cycle;
    history.feedback_since_retrain += fresh.size();
    const drift::RetrainDecision decision = drift::DecideRetrain(monitor.report, spec.drift, history);
    Say(messages, "decision: " + decision.reason);

    CycleResult result;
    result.triggered = decision.triggered;
    result.production = production.id;
    json gate = nullptr;         // "passed" | "failed" | null (no candidate)
    json gate_report = nullptr;  // the details: verdict text, report id, a policy refusal
    json training = nullptr;
    if (decision.triggered) {
      // 4. Train a candidate on the training data plus all feedback (this window's
      // held-out share aside), gate it on the test data plus that share, promote on a pass.
      const std::filesystem::path work_dir =
          options.work_dir.empty() ? registry_path.parent_path() / "cycles" : std::filesystem::path(options.work_dir);
      const std::filesystem::path dir = CycleFolder(work_dir, cycles.size() + 1);
      CreateOutputFolder(dir, "--work-dir");
      Table train{DerivedHeader(spec), {}}, test{DerivedHeader(spec), {}};
      std::set<std::string> test_texts;
      if (!spec.data.test.empty()) AppendSpecFile(spec, spec.data.test, test, &test_texts);
      AppendSpecFile(spec, spec.data.train, train, nullptr);
      std::set<std::string> spec_train_labels;  // labels not among them came with feedback
      for (const auto& row : train.rows) spec_train_labels.insert(row[1]);
      size_t leaked = 0, feedback_train = 0, holdout = 0;
      auto add = [&](const FeedbackRow& f, bool to_test) {
        if (test_texts.count(std::string(Trim(f.text)))) {
          ++leaked;  // in the test data already: training on it would leak the test set
          return;
        }
        if (to_test) {
          AppendFeedback(f, test);
          ++holdout;
        } else {
          AppendFeedback(f, train);
          ++feedback_train;
        }
      };
      for (const auto& f : known) add(f, false);  // earlier holdouts served their gate: train on them now
      for (const auto& f : fresh) add(f, f.holdout);
      WriteTable(dir / "train.csv", train);
      WriteTable(dir / "test.csv", test);
      TaskSpec derived = spec;
      derived.data.train = std::filesystem::absolute(dir / "train.csv");
      derived.data.test = std::filesystem::absolute(dir / "test.csv");
      derived.data.format = FileFormat::kCsv;
      if (!derived.labels.empty()) {  // a declared label set grows by the labels feedback brought
        for (const std::vector<FeedbackRow>* rows : {&known, const_cast<const std::vector<FeedbackRow>*>(&fresh)}) {
          for (const auto& f : *rows) {
            if (std::find(derived.labels.begin(), derived.labels.end(), f.label) == derived.labels.end() &&
                f.label != spec.oos_label) {
              derived.labels.push_back(f.label);
            }
          }
        }
      }
      derived.registry_path = std::filesystem::absolute(registry_path);
      if (!derived.data.validation.empty()) derived.data.validation = std::filesystem::absolute(derived.data.validation);
      const std::filesystem::path derived_spec = dir / "task.yaml";
      WriteFileAtomically(derived_spec, TaskSpecToYaml(derived, dir));
      Say(messages, fmt::format("training a candidate on {} training rows + {} feedback rows ({} held out to gate, "
                                "{} dropped as already in the test data) in {}",
                                train.rows.size() - feedback_train, feedback_train, holdout, leaked, dir.string()));

      // New labels arrive a few examples at a time; the data check's minimum per label
      // would hold the new domain back for weeks. A quick check (without the
      // cross-validated label-error checks, which training runs anyway) says whether thin
      // labels that only feedback has are the only errors; then training goes ahead and
      // they are reported. Any other error stops the cycle as it stops `trainops train`.
      CheckDataOptions quick;
      quick.task = derived_spec.string();
      quick.label_error_folds = 0;
      const CheckDataResult checked = CheckData(quick, {}, 0);
      json thin_new_labels = json::array();
      bool other_errors = false;
      for (const json& finding : checked.report.at("findings")) {
        if (finding.value("severity", "") != "error") continue;
        const bool thin_new = finding.value("check", "") == "label_health" &&
                              finding.value("kind", "") == "too_few_examples" &&
                              !spec_train_labels.count(finding.value("label", ""));
        if (thin_new) {
          thin_new_labels.push_back({{"label", finding.at("label")}, {"examples", finding.at("count")}});
        } else {
          other_errors = true;
        }
      }
      if (!thin_new_labels.empty()) {
        Say(messages, fmt::format("{} new labels from feedback have fewer than checks.min_examples_per_label = {} "
                                  "examples; training on what there is",
                                  thin_new_labels.size(), spec.checks.min_examples_per_label));
      }

      TrainOptions t;
      t.allow_data_errors = !thin_new_labels.empty() && !other_errors;
      t.task = derived_spec.string();
      t.out = (dir / "run").string();
      t.registry = registry_path.string();
      if (options.threads) t.parameters["threads"] = std::to_string(*options.threads);
      const TrainResult trained = Train(t, messages);
      result.retrained = true;
      result.candidate = trained.model_id;
      training = {{"run_dir", trained.run_dir},
                  {"spec", derived_spec.string()},
                  {"training_rows", train.rows.size()},
                  {"feedback_rows", feedback_train},
                  {"holdout_rows", holdout},
                  {"test_rows", test.rows.size()},
                  {"dropped_in_test_data", leaked},
                  {"thin_new_labels", thin_new_labels}};

      GateOptions g;
      g.task = derived_spec.string();
      g.candidate = trained.model_id;
      g.registry = registry_path.string();
      g.threads = options.threads.value_or(0);
      g.reason = "cycle: " + Join(decision.fired, ", ");
      const ReleaseResult release = Release(g);
      result.gate_passed = release.gate.passed;
      result.promoted = release.promotion.has_value() && release.promotion->changed;
      gate = release.gate.passed ? "passed" : "failed";
      gate_report = {{"passed", release.gate.passed},
                     {"verdict", release.gate.verdict},
                     {"report_id", release.gate.report_id},
                     {"refused", release.refused}};
      if (release.promotion) result.production = release.promotion->model_id;
      Say(messages, result.promoted ? fmt::format("promoted {} to production", trained.model_id.substr(0, 12))
                                    : fmt::format("candidate {} not promoted: {}", trained.model_id.substr(0, 12),
                                                  release.gate.passed ? release.refused : "a gate failed"));
    }

    json& r = result.report;
    r = monitor.report;  // alerts, estimated_accuracy, feedback_accuracy, signals, window, ...
    r["triggered"] = result.triggered;
    r["triggers"] = decision.triggers;
    r["decision"] = decision.reason;
    r["retrained"] = result.retrained;
    r["candidate"] = result.candidate.empty() ? json(nullptr) : json(result.candidate);
    r["gate"] = gate;
    r["gate_report"] = gate_report;
    r["promoted"] = result.promoted;
    r["production"] = result.production;
    r["training"] = training;
    r["feedback"] = {{"window_rows", window.FeedbackRows()},
                     {"new_rows", fresh.size()},
                     {"already_recorded", repeated},
                     {"since_last_retrain", history.feedback_since_retrain}};

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
    result.cycle_id = registry.RecordCycle(record, fresh);
    r["cycle"] = result.cycle_id;
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
