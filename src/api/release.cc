// Gate, Release, Promote and Rollback (include/trainops/workflows.h): the release side of
// the registry as library calls. The policy itself lives in gate/release and in
// Registry::Promote; this layer resolves what the caller named (spec, registry, model file
// or id) and turns the outcome into the public result.
#include <fmt/format.h>

#include <trainops/workflows.h>

#include "api/boundary.h"
#include "api/registry_access.h"
#include "api/workflow_support.h"
#include "common/error.h"
#include "gate/gate_output.h"
#include "gate/release.h"
#include "model/model_io.h"
#include "registry/registry.h"
#include "task/task_spec.h"

namespace trainops {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 12); }

GateResult ToResult(const GateOutcome& outcome) {
  GateResult r;
  r.passed = outcome.report.passed();
  r.report = outcome.report.ToJson();
  r.verdict = RenderVerdict(outcome.report);
  r.junit = RenderJUnit(outcome.report);
  r.report_id = outcome.report_id;
  r.candidate_id = outcome.candidate.id;
  r.candidate_status = ModelStatusName(outcome.candidate.status);
  r.registry = outcome.report.context.value("registry", std::string());
  r.compared_with_production = outcome.compared_with_production;
  if (!outcome.compared_with_production && outcome.production) {
    // A pass here is easy to mistake for a green light: say that promote will not take it.
    r.notes.push_back(fmt::format("this report was not compared with the production model {} of task {}, so it is "
                                  "kept for comparison and cannot promote; gate with --baseline production for that",
                                  Short(outcome.production->id), outcome.report.context.value("task", std::string())));
  } else if (!outcome.compared_with_production) {
    r.notes.push_back("this report used another baseline than production, so it is kept for comparison and cannot "
                      "promote; gate with --baseline production for that");
  }
  return r;
}

std::string PromotionMessage(const StatusChangeResult& c) {
  if (!c.changed) return fmt::format("model {} already is the production model of task {}", Short(c.model_id), c.task);
  return fmt::format("promoted model {} to production for task {}{}{}", Short(c.model_id), c.task,
                     c.archived_model_id.empty() ? "" : " (archived " + Short(c.archived_model_id) + ")",
                     c.forced ? "; FORCED: " + c.reason : fmt::format("; gate report #{}", c.gate_report_id)) +
         (c.policy_hash.empty() ? "" : fmt::format("; registered gate policy {} ({})", c.policy_hash, c.policy_change));
}

GateRequest Request(const GateOptions& o) {
  if (o.task.empty()) throw InputError("gates need a task spec (--task T.yaml): its gates and its test data apply");
  if (o.candidate.empty()) throw InputError("gates need a candidate (--candidate MODEL, a file or a model id)");
  return {o.candidate, o.baseline, o.threads};
}

// The gate inputs a promotion is checked against: the spec's, else those of the spec
// recorded with the model's run (as it is on disk now, since the gates that count are
// today's).
std::string SpecHashFor(const Registry& registry, const ModelRecord& model, const std::optional<TaskSpec>& spec) {
  if (spec) return GateInputsHash(*spec);
  if (model.run_id.empty()) return "";
  std::filesystem::path spec_path;
  try {
    spec_path = registry.GetRun(model.run_id).spec_path;
  } catch (const InputError&) {
    return "";  // a model registered without a recorded run: no spec to check against
  }
  if (spec_path.empty() || !std::filesystem::exists(spec_path)) return "";
  // An unreadable spec propagates as an input error: promote cannot judge the model.
  return GateInputsHash(LoadTaskSpec(spec_path));
}

std::optional<TaskSpec> SpecOf(const std::string& path) {
  if (path.empty()) return std::nullopt;
  return LoadTaskSpec(path);
}

}  // namespace

GateResult Gate(const GateOptions& options) {
  return AtBoundary([&] {
    const GateRequest request = Request(options);
    const TaskSpec spec = LoadTaskSpec(options.task);
    Registry registry = Registry::Open(ResolveRegistryPath(options.registry, &spec));
    return ToResult(GateCandidate(registry, spec, request));
  });
}

ReleaseResult Release(const GateOptions& options) {
  return AtBoundary([&] {
    const GateRequest request = Request(options);
    const TaskSpec spec = LoadTaskSpec(options.task);
    Registry registry = Registry::Open(ResolveRegistryPath(options.registry, &spec));
    const ReleaseOutcome outcome = Release(registry, spec, request, options.reason);
    ReleaseResult r;
    r.gate = ToResult(outcome.gate);
    r.refused = outcome.refused;
    if (outcome.promotion) {
      r.promotion = ToStatusChangeResult(*outcome.promotion);
      if (r.promotion->task.empty()) r.promotion->task = spec.name;
      r.promotion->message = PromotionMessage(*r.promotion);
    }
    return r;
  });
}

StatusChangeResult Promote(const PromoteOptions& o) {
  return AtBoundary([&] {
    if (o.model.empty()) throw InputError("promote needs a model: a registered model's id or a model file");
    const std::optional<TaskSpec> spec = SpecOf(o.task);
    Registry registry = Registry::Open(ResolveRegistryPath(o.registry, spec ? &*spec : nullptr));
    std::string model_id;
    if (std::filesystem::is_regular_file(o.model)) {
      if (auto found = registry.FindModelByFile(o.model)) {
        model_id = found->id;
      } else {
        const std::string task = !o.task_name.empty() ? o.task_name : spec ? spec->name : "";
        if (task.empty()) {
          throw InputError(fmt::format("{}: not in the registry yet; pass --task T.yaml (or --task-name NAME) so it "
                                       "can be registered for its task",
                                       o.model));
        }
        // Only a model of this task is registered: a CSV or a 3-byte file made production
        // would break every later gate, release and rollback.
        Model loaded;
        try {
          loaded = LoadModel(o.model);
        } catch (const InputError& e) {
          throw InputError(fmt::format("{}; nothing was registered or promoted (promote takes the model.bin of a "
                                       "training run, or a registered model's id)",
                                       e.what()));
        }
        if (!loaded.info.task.empty() && loaded.info.task != task) {
          throw InputError(fmt::format("{}: this model was trained for task \"{}\", not \"{}\"; nothing was "
                                       "registered or promoted; promote it under its own task",
                                       o.model, loaded.info.task, task));
        }
        model_id = registry.RegisterModel(o.model, task, "", nlohmann::json::object()).id;
      }
    } else {
      model_id = registry.GetModel(o.model).id;
    }
    const ModelRecord model = registry.GetModel(model_id);
    if (spec && spec->name != model.task) {
      throw InputError(fmt::format("model {} belongs to task \"{}\", but {} is the spec of task \"{}\"",
                                   Short(model.id), model.task, o.task, spec->name));
    }
    StatusChangeResult r = ToStatusChangeResult(
        registry.Promote({model.id, o.reason, SpecHashFor(registry, model, spec), o.force, o.new_policy}));
    if (r.task.empty()) r.task = model.task;
    r.message = PromotionMessage(r);
    return r;
  });
}

StatusChangeResult Rollback(const RollbackOptions& o) {
  return AtBoundary([&] {
    const std::optional<TaskSpec> spec = SpecOf(o.task);
    const std::string task = !o.task_name.empty() ? o.task_name : spec ? spec->name : "";
    if (task.empty()) throw InputError("rollback needs --task T.yaml or --task-name NAME (which task to roll back)");
    Registry registry = Registry::OpenExisting(ResolveRegistryPath(o.registry, spec ? &*spec : nullptr));
    StatusChangeResult r = ToStatusChangeResult(registry.Rollback(task, o.reason));
    r.message = fmt::format("rolled back task {}: {} is production again (archived {})", task, Short(r.model_id),
                            Short(r.archived_model_id));
    return r;
  });
}

}  // namespace trainops
