#include "gate/release.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/hash.h"
#include "gate/gate_runner.h"
#include "model/model_io.h"

namespace trainops {
namespace {

// A model argument is a file when one exists at that path; otherwise a registry id.
std::filesystem::path ModelFile(Registry& registry, const std::string& arg, std::optional<ModelRecord>* record) {
  if (std::filesystem::is_regular_file(arg)) {
    if (record) *record = registry.FindModelByFile(arg);
    return arg;
  }
  if (arg.find('/') != std::string::npos || arg.ends_with(".bin")) {
    throw InputError(fmt::format("{}: model file not found; pass a model file or the id of a registered model "
                                 "(`trainops models list`)",
                                 arg));
  }
  ModelRecord m = registry.GetModel(arg);
  if (record) *record = m;
  return m.path;
}

// A model of another task cannot be gated under this one: its labels, data and production
// model are another task's. Checks the registry's record and the task the file names
// (model files written before the task was stored name none).
void CheckModelOfTask(const std::filesystem::path& file, const std::optional<ModelRecord>& record,
                      const TaskSpec& spec, std::string_view role) {
  if (record && record->task != spec.name) {
    throw InputError(fmt::format("{} {}: model {} is registered for task \"{}\", but {} is task \"{}\"; gate it "
                                 "with that task's spec, or pass a model trained for this task",
                                 role, file.string(), record->id.substr(0, 12), record->task,
                                 spec.spec_path.string(), spec.name));
  }
  const Model model = LoadModel(file);
  if (!model.info.task.empty() && model.info.task != spec.name) {
    throw InputError(fmt::format("{} {}: this model was trained for task \"{}\", but {} is task \"{}\"; gate it "
                                 "with that task's spec, or pass a model trained for this task",
                                 role, file.string(), model.info.task, spec.spec_path.string(), spec.name));
  }
}

std::string WhatItWasComparedWith(const TaskSpec& spec, const GateOutcome& gate) {
  const nlohmann::json baseline = gate.report.context.value("baseline", nlohmann::json());
  if (!baseline.is_object()) {
    return spec.gates.regression.enabled
               ? std::string("ran no regression check (baseline none)")
               : fmt::format("ran no regression check (gates.regression.enabled: false in {})",
                             spec.spec_path.string());
  }
  return "compared the candidate with " + baseline.value("description", baseline.value("path", std::string()));
}

}  // namespace

std::string GateInputsHash(const TaskSpec& spec) {
  if (spec.spec_path.empty()) throw InputError("gates need a task spec file (--task T.yaml)");
  std::string inputs = "spec " + FileFingerprint(spec.spec_path);
  // A missing file is named, not fingerprinted: gating fails on it with a clear error
  // anyway, and promote must still be able to say which report is stale.
  auto add = [&inputs](std::string_view role, const std::filesystem::path& file) {
    if (file.empty()) return;
    inputs += fmt::format("\n{} {}", role,
                          std::filesystem::exists(file) ? FileFingerprint(file) : "missing:" + file.string());
  };
  add("test", spec.data.test);
  add("behaviour", spec.gates.behaviour.file);
  return "gate:" + HexDigest(Hash64(inputs));
}

GateOutcome GateCandidate(Registry& registry, const TaskSpec& spec, const GateRequest& request) {
  GateOutcome outcome;
  outcome.inputs_hash = GateInputsHash(spec);
  std::optional<ModelRecord> candidate_record;
  const std::filesystem::path candidate_file = ModelFile(registry, request.candidate, &candidate_record);
  // Production is per task: a report filed under one task must not promote in another.
  CheckModelOfTask(candidate_file, candidate_record, spec, "--candidate");

  GateRunOptions options;
  options.candidate = candidate_file;
  options.threads = request.threads;
  const std::string baseline_arg = request.baseline.empty() ? spec.gates.regression.baseline : request.baseline;
  // Read once, before the gates: the report records the production model its regression
  // gate saw, and promote checks that it is still production when the status changes.
  outcome.production = registry.Production(spec.name);
  if (baseline_arg == "production") {
    outcome.baseline = outcome.production;
    if (outcome.baseline) {
      options.baseline = outcome.baseline->path;
      options.baseline_description = fmt::format("production model {} of task {}", outcome.baseline->id.substr(0, 12),
                                                  spec.name);
    } else {
      options.no_baseline_reason = fmt::format("task {} has no production model yet (registry {}): nothing to "
                                               "regress against",
                                               spec.name, registry.db_path().string());
    }
  } else if (baseline_arg == "none") {
    options.no_baseline_reason = "baseline \"none\" was asked for";
  } else {
    options.baseline = ModelFile(registry, baseline_arg, &outcome.baseline);
    CheckModelOfTask(options.baseline, outcome.baseline, spec, "--baseline");
    options.baseline_description = outcome.baseline
                                       ? fmt::format("model {} ({})", outcome.baseline->id.substr(0, 12), baseline_arg)
                                       : options.baseline.string();
  }

  outcome.report = RunGates(spec, options);
  outcome.candidate = candidate_record ? *candidate_record
                                       : registry.RegisterModel(candidate_file, spec.name, "", outcome.report.context["eval"]);
  // RunGates leaves "baseline" null when the regression gate did not run (disabled, or no
  // baseline); a model file with the production model's bytes is the production model.
  const bool regression_ran = !outcome.report.context["baseline"].is_null();
  outcome.report.context["candidate"]["id"] = outcome.candidate.id;
  if (regression_ran && outcome.baseline) outcome.report.context["baseline"]["id"] = outcome.baseline->id;
  outcome.report.context["registry"] = registry.db_path().string();
  outcome.compared_with_production =
      outcome.production ? regression_ran && outcome.baseline && outcome.baseline->id == outcome.production->id
                         : baseline_arg == "production";
  outcome.report.context["production_at_gate"] =
      outcome.production ? nlohmann::json(outcome.production->id) : nlohmann::json(nullptr);
  outcome.report.context["compared_with_production"] = outcome.compared_with_production;

  GateReportRecord record;
  record.model_id = outcome.candidate.id;
  record.task = spec.name;
  record.spec_hash = outcome.inputs_hash;
  record.baseline_model_id = regression_ran && outcome.baseline ? outcome.baseline->id : "";
  record.passed = outcome.report.passed();
  record.production_at_gate = outcome.production ? outcome.production->id : "";
  record.compared_with_production = outcome.compared_with_production;
  record.report = outcome.report.ToJson();
  outcome.report_id = registry.RecordGateReport(record);
  outcome.report.context["report_id"] = outcome.report_id;
  return outcome;
}

ReleaseOutcome Release(Registry& registry, const TaskSpec& spec, const GateRequest& request, std::string reason) {
  ReleaseOutcome outcome;
  outcome.gate = GateCandidate(registry, spec, request);
  if (!outcome.gate.report.passed()) return outcome;
  if (!outcome.gate.compared_with_production) {
    outcome.refused = fmt::format(
        "the gates passed, but gate report #{} {}. Only a report against the production model ({}) can promote; "
        "one against another baseline is kept for comparison. Run `trainops release --task {} --candidate {} "
        "--baseline production` to compare it with the model it would replace",
        outcome.gate.report_id, WhatItWasComparedWith(spec, outcome.gate),
        outcome.gate.production
            ? fmt::format("{} of task {}", outcome.gate.production->id.substr(0, 12), spec.name)
            : fmt::format("task {} has none yet", spec.name),
        spec.spec_path.string(), outcome.gate.candidate.id.substr(0, 12));
    return outcome;
  }
  PromoteRequest promote;
  promote.model_id = outcome.gate.candidate.id;
  // The hash the report was filed under: the promotion rests on exactly the inputs the
  // gates ran on, and the test file is not read once more to fingerprint it again.
  promote.spec_hash = outcome.gate.inputs_hash;
  promote.reason = reason.empty() ? fmt::format("release: {} gates passed (gate report {})",
                                                outcome.gate.report.Count(GateStatus::kPass), outcome.gate.report_id)
                                  : std::move(reason);
  try {
    outcome.promotion = registry.Promote(promote);
  } catch (const CheckFailedError& e) {
    // The production model changed while the gates ran (another release won the race), or
    // a newer report for this model was filed meanwhile: Promote saw it in its transaction.
    outcome.refused = e.what();
  }
  return outcome;
}

}  // namespace trainops
