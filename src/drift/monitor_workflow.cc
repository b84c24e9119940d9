// Monitor and MonitorHistory (include/trainops/monitor.h).
#include <fmt/format.h>

#include <trainops/monitor.h>

#include "api/boundary.h"
#include "api/registry_access.h"
#include "common/db_location.h"
#include "common/error.h"
#include "data/table_reader.h"
#include "drift/monitor.h"
#include "drift/workflow_common.h"
#include "model/model_io.h"

namespace trainops {
namespace drift {

namespace {

TrafficWindow LoadWindowRows(const TrafficSource& source, const TaskSpec& spec, const std::filesystem::path& registry) {
  if (!source.traffic.empty()) {
    if (!source.since.empty() || !source.until.empty()) {
      throw InputError("--since/--until select a window of the server's traffic log; with --traffic FILE the file "
                       "is the window: pass one or the other");
    }
    std::optional<FileFormat> format;
    if (!source.format.empty()) format = ParseFileFormat(source.format);
    return LoadTrafficFile(source.traffic, format, spec);
  }
  if (source.since.empty() && source.until.empty()) {
    throw InputError("name the window: --traffic FILE (CSV, TSV or JSONL with the spec's text column), or --since "
                     "TIME [--until TIME] for the server's traffic log");
  }
  const std::filesystem::path log =
      source.traffic_log.empty() ? DefaultTrafficLog(registry, spec.spec_path)
                                 : std::filesystem::path(source.traffic_log);
  return LoadTrafficLog(log, source.since, source.until);
}

}  // namespace

TrafficWindow LoadWindow(const TrafficSource& source, const TaskSpec& spec, const std::filesystem::path& registry) {
  TrafficWindow window = LoadWindowRows(source, spec, registry);
  if (spec.data.multi_label) CanonicalizeFeedbackSets(window, spec.data.label_separator);
  return window;
}

ResolvedModel ResolveMonitoredModel(const std::string& model, const TaskSpec& spec,
                                    const std::filesystem::path& registry_path) {
  ResolvedModel r;
  if (!model.empty() && std::filesystem::is_regular_file(model)) {
    r.path = model;
    r.id = ModelContentHash(model);
  } else {
    const std::string fix = fmt::format("release one (`trainops release --task {} --candidate ID`) or pass --model FILE",
                                        spec.spec_path.string());
    // Opening would create an empty registry; finding a model must not.
    if (!IsPostgresLocation(registry_path.string()) && !std::filesystem::exists(registry_path)) {
      throw InputError(model.empty() ? fmt::format("task \"{}\" has no production model (no registry at {}); {}",
                                                   spec.name, registry_path.string(), fix)
                                     : fmt::format("--model {}: no such file, and no registry at {} to find it in",
                                                   model, registry_path.string()));
    }
    const Registry registry = Registry::OpenExisting(registry_path);
    if (model.empty()) {
      const auto production = registry.Production(spec.name);
      if (!production) {
        throw InputError(fmt::format("task \"{}\" has no production model in {}; {}", spec.name,
                                     registry_path.string(), fix));
      }
      r.path = production->path;
      r.id = production->id;
    } else {
      const ModelRecord record = registry.GetModel(model);
      r.path = record.path;
      r.id = record.id;
    }
  }
  r.model = LoadModel(r.path);
  if (r.model.info.multi_label != spec.data.multi_label) {
    throw InputError(fmt::format("model {} is {} but task \"{}\" is {} (task.multi_label in {}); monitor the task's "
                                 "own kind of model",
                                 r.path.string(), r.model.info.multi_label ? "multi-label" : "single-label", spec.name,
                                 spec.data.multi_label ? "multi-label" : "single-label", spec.spec_path.string()));
  }
  return r;
}

int64_t RecordMonitorReport(Registry& registry, const nlohmann::json& report, const TrafficWindow& window,
                            const std::vector<std::string>& alerts) {
  MonitorRunRecord run;
  run.task = report.at("task");
  run.model_id = report.at("model");
  run.window_key = window.Key();
  run.source = window.source;
  run.window_first = window.first;
  run.window_last = window.last;
  run.alerts = alerts;
  run.report = report;
  return registry.RecordMonitorRun(run);
}

}  // namespace drift

MonitorResult Monitor(const MonitorOptions& options) {
  return AtBoundary([&] {
    if (options.task.empty()) throw InputError("monitor needs --task T.yaml (its drift: section and registry)");
    const TaskSpec spec = LoadTaskSpec(options.task);
    const std::filesystem::path registry_path = ResolveRegistryPath(options.registry, &spec);
    Registry registry = Registry::Open(registry_path);
    drift::TrafficWindow window = drift::LoadWindow(options.source, spec, registry_path);
    const drift::ResolvedModel model = drift::ResolveMonitoredModel(options.model, spec, registry_path);
    drift::MonitorOutcome outcome = drift::MonitorWindow(model.model, model.id, spec, window);
    MonitorResult result;
    result.report = std::move(outcome.report);
    result.alerts = std::move(outcome.alerts);
    if (options.record) result.run_id = drift::RecordMonitorReport(registry, result.report, window, result.alerts);
    return result;
  });
}

std::vector<nlohmann::json> MonitorHistory(const std::string& task_spec, const std::string& registry_flag,
                                           size_t limit, const std::string& exclude_window_key) {
  return AtBoundary([&] {
    const TaskSpec spec = LoadTaskSpec(task_spec);
    Registry registry = Registry::Open(ResolveRegistryPath(registry_flag, &spec));
    std::vector<nlohmann::json> history;
    for (const MonitorRunRecord& run : registry.MonitorRuns(spec.name, limit + 1)) {
      if (run.window_key == exclude_window_key || !run.report.is_object()) continue;
      history.push_back(run.report);
    }
    if (history.size() > limit) history.erase(history.begin(), history.end() - static_cast<ptrdiff_t>(limit));
    return history;
  });
}

}  // namespace trainops
