#include "gate/release.h"

#include <unistd.h>

#include <atomic>
#include <memory>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/fault_injection.h"
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
void CheckModelOfTask(const std::filesystem::path& snapshot, const std::filesystem::path& file,
                      const std::optional<ModelRecord>& record, const TaskSpec& spec, std::string_view role) {
  if (record && record->task != spec.name) {
    throw InputError(fmt::format("{} {}: model {} is registered for task \"{}\", but {} is task \"{}\"; gate it "
                                 "with that task's spec, or pass a model trained for this task",
                                 role, file.string(), record->id.substr(0, 12), record->task,
                                 spec.spec_path.string(), spec.name));
  }
  const Model model = LoadModel(snapshot);
  if (!model.info.task.empty() && model.info.task != spec.name) {
    throw InputError(fmt::format("{} {}: this model was trained for task \"{}\", but {} is task \"{}\"; gate it "
                                 "with that task's spec, or pass a model trained for this task",
                                 role, file.string(), model.info.task, spec.spec_path.string(), spec.name));
  }
}

// A model file read once: its bytes, hashed, copied to a private file the gates load.
// The gates then judge exactly the bytes that are hashed and registered, whatever happens
// to the original path meanwhile (replacing cand/model.bin while the gates ran used to
// register the replacement under the gates' verdict). With `expected_id` (a registered
// model) the bytes must be the ones the registry recorded.
class ModelSnapshot {
 public:
  ModelSnapshot(const std::filesystem::path& file, const std::string& expected_id, std::string_view role) {
    const std::string bytes = ReadFile(file);
    id_ = ModelContentHashOfBytes(bytes);
    if (!expected_id.empty() && id_ != expected_id) {
      throw CorruptFileError(fmt::format("{} {}: content id {} differs from the registry's {}: the stored copy changed "
                                         "after it was registered; restore it (or register the model again) before "
                                         "gating",
                                         role, file.string(), id_.substr(0, 12), expected_id.substr(0, 12)));
    }
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("trainops-gate-{}-{}-{}.bin", ::getpid(), counter++, id_.substr(0, 12));
    WriteFileAtomically(path_, bytes);
  }
  ~ModelSnapshot() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  ModelSnapshot(const ModelSnapshot&) = delete;
  ModelSnapshot& operator=(const ModelSnapshot&) = delete;
  const std::filesystem::path& path() const { return path_; }
  const std::string& id() const { return id_; }

 private:
  std::filesystem::path path_;
  std::string id_;
};

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
  const ModelSnapshot candidate(candidate_file, candidate_record ? candidate_record->id : "", "--candidate");
  // Production is per task: a report filed under one task must not promote in another.
  CheckModelOfTask(candidate.path(), candidate_file, candidate_record, spec, "--candidate");

  GateRunOptions options;
  options.candidate = candidate.path();
  options.threads = request.threads;
  const std::string baseline_arg = request.baseline.empty() ? spec.gates.regression.baseline : request.baseline;
  // Read once, before the gates: the report records the production model its regression
  // gate saw, and promote checks that it is still production when the status changes.
  outcome.production = registry.Production(spec.name);
  std::unique_ptr<ModelSnapshot> baseline;
  std::string baseline_shown;  // the baseline's path as the user (or the registry) names it
  if (baseline_arg == "production") {
    outcome.baseline = outcome.production;
    if (outcome.baseline) {
      // Verified, as `serve` verifies it: a swapped store file must not become the bar.
      baseline = std::make_unique<ModelSnapshot>(outcome.baseline->path, outcome.baseline->id, "production model");
      baseline_shown = outcome.baseline->path.string();
      options.baseline = baseline->path();
      options.baseline_description = fmt::format("production model {} of task {}", outcome.baseline->id.substr(0, 12),
                                                  spec.name);
      // A production threshold refreshed on the served traffic (drift/threshold_refresh.h)
      // was chosen where out-of-scope messages count, which this test data may not have:
      // the models are compared as trained, the baseline at the threshold it was gated with.
      const nlohmann::json refreshed = outcome.baseline->metrics.is_object()
                                           ? outcome.baseline->metrics.value("threshold_refresh", nlohmann::json())
                                           : nlohmann::json();
      if (refreshed.is_object() && refreshed.contains("trained_threshold")) {
        options.baseline_threshold = refreshed.at("trained_threshold").get<float>();
        options.baseline_description += fmt::format(
            ", scored at its trained threshold {:.4f} (it serves {:.4f}, refreshed on its traffic)",
            *options.baseline_threshold, refreshed.value("threshold", 0.0));
      }
    } else {
      options.no_baseline_reason = fmt::format("task {} has no production model yet (registry {}): nothing to "
                                               "regress against",
                                               spec.name, registry.db_path().string());
    }
  } else if (baseline_arg == "none") {
    options.no_baseline_reason = "baseline \"none\" was asked for";
  } else {
    const std::filesystem::path baseline_file = ModelFile(registry, baseline_arg, &outcome.baseline);
    baseline = std::make_unique<ModelSnapshot>(baseline_file, outcome.baseline ? outcome.baseline->id : "",
                                               "--baseline");
    options.baseline = baseline->path();
    baseline_shown = baseline_file.string();
    CheckModelOfTask(options.baseline, baseline_file, outcome.baseline, spec, "--baseline");
    options.baseline_description = outcome.baseline
                                       ? fmt::format("model {} ({})", outcome.baseline->id.substr(0, 12), baseline_arg)
                                       : baseline_file.string();
  }

  outcome.report = RunGates(spec, options);
  fault::MaybeDelay(fault::kDelayAfterGatesMs);
  // The report names the files the user gave; the hashes are of the bytes judged.
  outcome.report.context["candidate"]["path"] = candidate_file.string();
  if (outcome.report.context["baseline"].is_object()) outcome.report.context["baseline"]["path"] = baseline_shown;
  outcome.candidate = candidate_record ? *candidate_record
                                       : registry.RegisterModel(candidate.path(), spec.name, "",
                                                                outcome.report.context["eval"]);
  if (outcome.candidate.id != candidate.id()) {
    throw InternalError("the registered candidate is not the model the gates judged");
  }
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
