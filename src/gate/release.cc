#include "gate/release.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/hash.h"
#include "gate/gate_runner.h"

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
  if (candidate_record && candidate_record->task != spec.name) {
    throw InputError(fmt::format("model {} is registered for task \"{}\", but {} is task \"{}\"; gate it with that "
                                 "task's spec, or retrain it under this one",
                                 candidate_record->id.substr(0, 12), candidate_record->task, spec.spec_path.string(),
                                 spec.name));
  }

  GateRunOptions options;
  options.candidate = candidate_file;
  options.threads = request.threads;
  const std::string baseline_arg = request.baseline.empty() ? spec.gates.regression.baseline : request.baseline;
  if (baseline_arg == "production") {
    outcome.baseline = registry.Production(spec.name);
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
    options.baseline_description = outcome.baseline
                                       ? fmt::format("model {} ({})", outcome.baseline->id.substr(0, 12), baseline_arg)
                                       : options.baseline.string();
  }

  outcome.report = RunGates(spec, options);
  outcome.candidate = candidate_record ? *candidate_record
                                       : registry.RegisterModel(candidate_file, spec.name, "", outcome.report.context["eval"]);
  outcome.report.context["candidate"]["id"] = outcome.candidate.id;
  if (outcome.baseline) outcome.report.context["baseline"]["id"] = outcome.baseline->id;
  outcome.report.context["registry"] = registry.db_path().string();

  GateReportRecord record;
  record.model_id = outcome.candidate.id;
  record.task = spec.name;
  record.spec_hash = outcome.inputs_hash;
  record.baseline_model_id = outcome.baseline ? outcome.baseline->id : "";
  record.passed = outcome.report.passed();
  record.report = outcome.report.ToJson();
  outcome.report_id = registry.RecordGateReport(record);
  outcome.report.context["report_id"] = outcome.report_id;
  return outcome;
}

ReleaseOutcome Release(Registry& registry, const TaskSpec& spec, const GateRequest& request, std::string reason) {
  ReleaseOutcome outcome;
  outcome.gate = GateCandidate(registry, spec, request);
  if (!outcome.gate.report.passed()) return outcome;
  PromoteRequest promote;
  promote.model_id = outcome.gate.candidate.id;
  // The hash the report was filed under: the promotion rests on exactly the inputs the
  // gates ran on, and the test file is not read once more to fingerprint it again.
  promote.spec_hash = outcome.gate.inputs_hash;
  promote.reason = reason.empty() ? fmt::format("release: {} gates passed (gate report {})",
                                                outcome.gate.report.Count(GateStatus::kPass), outcome.gate.report_id)
                                  : std::move(reason);
  outcome.promotion = registry.Promote(promote);
  return outcome;
}

}  // namespace trainops
