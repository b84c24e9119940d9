#include "api/registry_access.h"

#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "api/workflow_support.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/strings.h"
#include "registry/registry.h"
#include "registry/registry_location.h"
#include "task/task_spec.h"
#include "train/train_run.h"

namespace trainops {
namespace {

// "run-20260101T120000-ab12": sortable by time; the random suffix keeps two runs started
// in the same second apart.
std::string NewRunId() {
  const std::string now = NowIso8601Utc();  // 2026-01-01T12:00:00.000Z
  std::string compact;
  for (char c : now.substr(0, 19))
    if (c != '-' && c != ':') compact += c;
  std::random_device rd;
  return fmt::format("run-{}-{:04x}", compact, rd() & 0xffff);
}

nlohmann::json ReadCheckpoints(const std::filesystem::path& metrics_path) {
  nlohmann::json checkpoints = nlohmann::json::array();
  std::ifstream in(metrics_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_discarded()) checkpoints.push_back(std::move(record));
  }
  return checkpoints;
}

// The registry a training run goes to, or "" when it is not recorded.
std::filesystem::path TrainingRegistryPath(const std::string& registry_flag, const TaskSpec* spec,
                                           const nlohmann::json& run) {
  if (!registry_flag.empty() || !RegistryFromEnvironment().empty()) return ResolveRegistryPath(registry_flag, spec);
  if (spec && !spec->spec_path.empty()) return ResolveRegistryPath("", spec);
  const std::string spec_path = run.value("spec_path", "");
  if (!spec && !spec_path.empty()) {
    // A resumed run: the spec's own `registry:` key, if the spec still loads.
    try {
      TaskSpec loaded = LoadTaskSpec(spec_path);
      return ResolveRegistryPath("", &loaded);
    } catch (const InputError&) {
      return DefaultRegistryPath(spec_path);
    }
  }
  // Trained from flags alone: only into a registry the user already has here.
  auto discovered = DiscoverRegistry(std::filesystem::current_path());
  return discovered ? *discovered : std::filesystem::path();
}

}  // namespace

std::string RegistryFromEnvironment() {
  const char* value = std::getenv("TRAINOPS_REGISTRY");
  return value ? std::string(Trim(value)) : std::string();
}

std::filesystem::path ResolveRegistryPath(const std::string& registry_flag, const TaskSpec* spec) {
  if (!registry_flag.empty()) {
    CheckPostgresLocation(registry_flag, "--registry");
    return registry_flag;
  }
  if (const std::string from_env = RegistryFromEnvironment(); !from_env.empty()) {
    CheckPostgresLocation(from_env, "TRAINOPS_REGISTRY");
    return from_env;
  }
  if (spec && !spec->registry_path.empty()) {
    CheckPostgresLocation(spec->registry_path.string(), spec->spec_path.string() + ": registry");
    return spec->registry_path;
  }
  if (spec && !spec->spec_path.empty()) return DefaultRegistryPath(spec->spec_path);
  if (auto discovered = DiscoverRegistry(std::filesystem::current_path())) return *discovered;
  throw InputError(
      "no model registry here: pass --registry PATH (a registry.db) or --task T.yaml (its registry is "
      ".trainops/registry.db next to the spec), or run the command inside a folder that has .trainops/registry.db");
}

nlohmann::json RecordTrainingRun(const std::string& registry_flag, const TaskSpec* spec, TrainOutcome& outcome,
                                 const Messages& messages) {
  const std::filesystem::path registry_path = TrainingRegistryPath(registry_flag, spec, outcome.run);
  if (registry_path.empty()) {
    Say(messages.debug, "run not recorded in a registry (none given with --registry or found from the current folder)");
    return nullptr;
  }
  Registry registry = Registry::Open(registry_path);
  const std::filesystem::path run_dir = std::filesystem::absolute(outcome.model_path).parent_path();
  RunRecord record;
  record.id = NewRunId();
  record.task = outcome.run.value("task", "task");
  // Absolute, so `promote` can find the spec again from any folder.
  const std::string spec_path = outcome.run.value("spec_path", "");
  if (!spec_path.empty()) {
    record.spec_path = std::filesystem::absolute(spec_path).string();
    if (std::filesystem::exists(record.spec_path)) record.spec_hash = FileFingerprint(record.spec_path);
  }
  record.run_dir = run_dir.string();
  record.run = outcome.run;
  record.checkpoints = ReadCheckpoints(run_dir / "metrics.jsonl");
  const ModelRecord model =
      registry.RegisterModel(outcome.model_path, record.task, record.id, outcome.run.value("chosen_checkpoint", nlohmann::json::object()));
  record.model_id = model.id;
  registry.RecordRun(record);

  nlohmann::json block = {{"run_id", record.id}, {"model_id", model.id}, {"path", registry.db_path().string()}};
  outcome.run["registry"] = block;
  block["status"] = ModelStatusName(model.status);  // for the caller; run.json keeps what does not change
  WriteFileAtomically(run_dir / "run.json", outcome.run.dump(2) + "\n");
  Say(messages.debug, fmt::format("registered model {} as {} (registry: {})", model.id.substr(0, 12),
                                 ModelStatusName(model.status), registry.db_path().string()));
  return block;
}

StatusChangeResult ToStatusChangeResult(const StatusChange& c) {
  StatusChangeResult r;
  r.id = c.id;
  r.at = c.at;
  r.changed = c.changed;
  r.model_id = c.model_id;
  r.task = c.task;
  r.from_status = c.from_status;
  r.to_status = c.to_status;
  r.reason = c.reason;
  r.archived_model_id = c.archived_model_id;
  r.forced = c.forced;
  r.gate_report_id = c.gate_report_id;
  r.policy_hash = c.policy_hash;
  r.policy_change = c.policy_change;
  return r;
}

}  // namespace trainops
