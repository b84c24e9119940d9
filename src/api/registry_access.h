// How every workflow finds the model registry, and how training records its run there.
// One resolution order for all of them, so a registry named once (option, spec, or the
// folder you are in) is the one every command and library call uses.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <trainops/workflows.h>

namespace trainops {
struct StatusChange;
struct TaskSpec;
struct TrainOutcome;
// A row of the registry's status history as the public API reports it.
StatusChangeResult ToStatusChangeResult(const StatusChange& change);

}  // namespace trainops

namespace trainops {

// --registry flag > $TRAINOPS_REGISTRY > the spec's `registry:` > .trainops/registry.db next
// to the spec file > .trainops/registry.db found in the current folder or a parent. Each may
// be a file path or a PostgreSQL URL / conninfo (registry/registry_location.h); a location
// with a password is refused. Throws InputError telling the user to pass --registry or
// --task when none applies.
std::filesystem::path ResolveRegistryPath(const std::string& registry_flag, const TaskSpec* spec);
// $TRAINOPS_REGISTRY, trimmed; "" when unset.
std::string RegistryFromEnvironment();

// After a successful `trainops train` (or --resume; then `spec` is null and the spec is
// found again from run.json): registers DIR/model.bin as a candidate, records the run with
// its checkpoints, adds "registry": {run_id, model_id, path} to run.json and says so.
// Runs trained from flags alone are recorded only when --registry was given or a registry
// is discovered from the current folder. Returns the "registry" object, or null when the
// run was not recorded.
nlohmann::json RecordTrainingRun(const std::string& registry_flag, const TaskSpec* spec, TrainOutcome& outcome,
                                 const Messages& messages);

// A row of the registry's status history as the public API reports it.
StatusChangeResult ToStatusChangeResult(const StatusChange& change);

}  // namespace trainops
