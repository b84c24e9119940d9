// The registry side of the release gate: which model is the candidate and which the
// baseline (by default the task's production model), running the gates, and keeping the
// report in the registry so that `trainops promote` can check it; `Release` gates and
// promotes in one step. Not thread-safe (one Registry per thread).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "gate/gate_check.h"
#include "registry/registry.h"
#include "task/task_spec.h"

namespace trainops {

struct GateRequest {
  std::string candidate;  // a model file, or the id (or unique prefix) of a registered model
  std::string baseline;   // "" = the spec's gates.regression.baseline; "production", "none",
                          // a model file, or a registered model's id
  int threads = 0;
};

struct GateOutcome {
  GateReport report;
  ModelRecord candidate;  // registered by the gate if it was not yet
  std::optional<ModelRecord> baseline;
  int64_t report_id = 0;  // the report's row in the registry
  std::string inputs_hash;  // GateInputsHash the report is keyed by
  std::optional<ModelRecord> production;  // the task's production model when the gates ran
  // Whether the regression gate compared the candidate with that production model (or the
  // gate regressed against production and there was none). Only such a report can promote;
  // any other is a comparison (--baseline none or another model, regression disabled).
  bool compared_with_production = false;
};

// Runs the gates and records the report, with the task's production model at gate time.
// Throws InputError for bad input.
GateOutcome GateCandidate(Registry& registry, const TaskSpec& spec, const GateRequest& request);

struct ReleaseOutcome {
  GateOutcome gate;
  std::optional<StatusChange> promotion;  // set when the candidate was promoted (or already was production)
  // Set when every gate passed but the promotion policy refused: the report was a
  // comparison (not against production), or the production model changed while the gates
  // ran. Says what to do.
  std::string refused;
};

// Gates, then promotes the candidate when every gate passed against the production model
// (reason "" = one naming the report). A failed gate or a refused promotion promotes
// nothing (`promotion` unset); the caller turns that into exit code 1. Policy refusals
// are returned in `refused`, not thrown, so the report can still be shown and written.
ReleaseOutcome Release(Registry& registry, const TaskSpec& spec, const GateRequest& request, std::string reason);

// What gate reports and promotions are keyed by: the fingerprints of the spec file and of
// the files its gates read (data.test, gates.behaviour.file). A report stops counting when
// any of them changes, since the same gates on other rows or other cases are other gates.
std::string GateInputsHash(const TaskSpec& spec);

}  // namespace trainops
