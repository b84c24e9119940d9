// The registry commands: `trainops runs list|show`, `trainops models list|show`,
// `trainops promote MODEL --reason TEXT` and `trainops rollback --reason TEXT`. Readable
// tables by default, --json for scripts. Policy refusals (no passing gate report, nothing to
// roll back) exit 1; unknown ids and bad flags exit 2.
#include <algorithm>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "api/registry_access.h"
#include "cli/cli_context.h"
#include "common/error.h"
#include "registry/registry.h"
#include "registry/registry_copy.h"
#include "registry/registry_location.h"
#include "task/task_spec.h"

namespace trainops::cli {
namespace {

// Flags every registry command takes: where the registry is and which task.
struct Where {
  std::string registry, task_spec, task_name;
  std::string json;  // --json [FILE]: "" = a table; "-" = JSON on standard output

  bool WantsJson() const { return !json.empty(); }
  // Before any work (a promotion, say): the JSON file can be written and is no input.
  void CheckJson() const {
    CommandInputs inputs;
    inputs.AddTask(task_spec, registry);
    inputs.Add("--registry", registry);
    CheckOutputPath(json, "--json", inputs);
  }
  void EmitJson(const nlohmann::json& j) const { WriteOutput(json, j.dump(2) + "\n"); }

  std::optional<TaskSpec> Spec() const {
    if (task_spec.empty()) return std::nullopt;
    return LoadTaskSpec(task_spec);
  }
  // The task name filter: --task-name, else the spec's name, else "" (all tasks).
  std::string TaskName(const std::optional<TaskSpec>& spec) const {
    if (!task_name.empty()) return task_name;
    return spec ? spec->name : "";
  }
  Registry Open(const std::optional<TaskSpec>& spec) const {
    return Registry::Open(ResolveRegistryPath(registry, spec ? &*spec : nullptr));
  }
  // For commands that only read or move what is recorded: a mistyped path must not
  // silently create an empty registry.
  Registry OpenExisting(const std::optional<TaskSpec>& spec) const {
    return Registry::OpenExisting(ResolveRegistryPath(registry, spec ? &*spec : nullptr));
  }
};

void AddWhereFlags(CLI::App* cmd, Where& w, bool with_json = true) {
  cmd->add_option("--registry", w.registry, "Registry database (default: from --task, or .trainops/registry.db here or above)");
  cmd->add_option("--task", w.task_spec, "Task spec (YAML): its registry and its task");
  cmd->add_option("--task-name", w.task_name, "Task name (when there is no spec at hand)");
  if (with_json) AddJsonOption(cmd, w.json, "Print the result");
}

std::string Short(const std::string& id) { return id.substr(0, 12); }

std::string Size(uint64_t bytes) {
  if (bytes >= (1u << 20)) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1 << 20));
  if (bytes >= (1u << 10)) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / (1 << 10));
  return fmt::format("{} B", bytes);
}

// A number from a JSON object for a table cell, or "-".
std::string Num(const nlohmann::json& j, const char* key, const char* format = "{:.4f}") {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return "-";
  return fmt::format(fmt::runtime(format), j[key].get<double>());
}

nlohmann::json ToJson(const ModelRecord& m) {
  return {{"id", m.id},         {"task", m.task},       {"run_id", m.run_id},   {"path", m.path.string()},
          {"size_bytes", m.size_bytes}, {"status", ModelStatusName(m.status)}, {"metrics", m.metrics},
          {"created_at", m.created_at}};
}

nlohmann::json ToJson(const RunRecord& r) {
  return {{"id", r.id},         {"task", r.task},   {"spec_path", r.spec_path}, {"spec_hash", r.spec_hash},
          {"run_dir", r.run_dir}, {"model_id", r.model_id}, {"created_at", r.created_at}, {"run", r.run},
          {"checkpoints", r.checkpoints}};
}


nlohmann::json ToJson(const StatusChangeResult& c) {
  nlohmann::json j = {{"id", c.id},           {"model_id", c.model_id}, {"task", c.task},
                      {"from_status", c.from_status}, {"to_status", c.to_status}, {"reason", c.reason},
                      {"forced", c.forced},   {"at", c.at},             {"changed", c.changed}};
  j["gate_report_id"] = c.gate_report_id ? nlohmann::json(c.gate_report_id) : nlohmann::json(nullptr);
  if (!c.archived_model_id.empty()) j["archived_model_id"] = c.archived_model_id;
  if (!c.policy_hash.empty()) j["gate_policy"] = {{"hash", c.policy_hash}, {"change", c.policy_change}};
  return j;
}

void PrintHistory(const std::vector<StatusChange>& history) {
  if (history.empty()) {
    std::cout << "no status changes yet\n";
    return;
  }
  std::cout << fmt::format("{:<24}  {:<12}  {:<10}  {:<10}  {:<6}  {:<6}  {}\n", "AT", "MODEL", "FROM", "TO", "GATE",
                           "FORCED", "REASON");
  for (const auto& c : history) {
    std::cout << fmt::format("{:<24}  {:<12}  {:<10}  {:<10}  {:<6}  {:<6}  {}\n", c.at, Short(c.model_id),
                             c.from_status, c.to_status, c.gate_report_id ? fmt::format("#{}", c.gate_report_id) : "-",
                             c.forced ? "yes" : "no", c.reason);
    if (!c.policy_hash.empty()) {
      std::cout << fmt::format("{:<24}  {:<12}  registered gate policy {}: {}\n", "", "", c.policy_hash, c.policy_change);
    }
  }
}

void RunsList(const Where& w) {
  w.CheckJson();
  auto spec = w.Spec();
  Registry registry = w.OpenExisting(spec);
  auto runs = registry.ListRuns(w.TaskName(spec));
  if (w.WantsJson()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : runs) out.push_back(ToJson(r));
    w.EmitJson(out);
    return;
  }
  if (runs.empty()) {
    std::cout << "no runs recorded in " << registry.db_path().string() << "\n";
    return;
  }
  size_t task_width = 4;  // task names vary in length; keep the columns aligned
  for (const auto& r : runs) task_width = std::max(task_width, r.task.size());
  std::cout << fmt::format("{:<26}  {:<{}}  {:<24}  {:<12}  {:>11}  {:>8}  {}\n", "RUN", "TASK", task_width, "CREATED",
                           "METRIC", "VALIDATION", "SECONDS", "MODEL");
  for (const auto& r : runs) {
    std::cout << fmt::format("{:<26}  {:<{}}  {:<24}  {:<12}  {:>11}  {:>8}  {}\n", r.id, r.task, task_width, r.created_at,
                             r.run.value("metric", "-"), Num(r.run, "validation_metric"),
                             Num(r.run, "wall_seconds", "{:.1f}"), r.model_id.empty() ? "-" : Short(r.model_id));
  }
}

void RunsShow(const Where& w, const std::string& id) {
  w.CheckJson();
  auto spec = w.Spec();
  Registry registry = w.OpenExisting(spec);
  RunRecord r = registry.GetRun(id);
  if (w.WantsJson()) {
    w.EmitJson(ToJson(r));
    return;
  }
  std::cout << fmt::format("run        {}\ntask       {}\ncreated    {}\nspec       {} ({})\nrun folder {}\n", r.id,
                           r.task, r.created_at, r.spec_path.empty() ? "-" : r.spec_path,
                           r.spec_hash.empty() ? "no hash" : r.spec_hash, r.run_dir);
  if (!r.model_id.empty()) {
    std::cout << fmt::format("model      {} ({})\n", r.model_id, ModelStatusName(registry.GetModel(r.model_id).status));
  }
  const auto& run = r.run;
  if (run.contains("hyperparameters")) std::cout << "hyper-parameters " << run["hyperparameters"].dump() << "\n";
  if (run.contains("data")) {
    for (auto it = run["data"].begin(); it != run["data"].end(); ++it) {
      if (!it.value().is_object()) continue;
      std::cout << fmt::format("data {:<10} {} rows {} {}\n", it.key(), it.value().value("path", "-"),
                               it.value().contains("rows") ? it.value()["rows"].dump() : "-",
                               it.value().value("fingerprint", ""));
    }
  }
  if (run.contains("chosen_checkpoint")) std::cout << "chosen checkpoint " << run["chosen_checkpoint"].dump() << "\n";
  std::cout << fmt::format("wall time  {} s; stopped: {}\n", Num(run, "wall_seconds", "{:.1f}"),
                           run.value("stop_reason", "-"));
  if (run.contains("check_data")) std::cout << "check-data " << run["check_data"].dump() << "\n";
  std::cout << fmt::format("\ncheckpoints ({}):\n", r.checkpoints.size());
  std::cout << fmt::format("{:>5}  {:>10}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {}\n", "#", "STEP", "EPOCH",
                           "TRAIN LOSS", "VAL LOSS", "VAL METRIC", "VAL ACC", "BEST");
  for (const auto& c : r.checkpoints) {
    std::cout << fmt::format("{:>5}  {:>10}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {}\n", Num(c, "checkpoint", "{:.0f}"),
                             Num(c, "step", "{:.0f}"), Num(c, "epoch", "{:.2f}"), Num(c, "train_loss"),
                             Num(c, "validation_loss"), Num(c, "validation_metric"), Num(c, "validation_accuracy"),
                             c.value("best", false) ? "*" : "");
  }
}

void ModelsList(const Where& w, const std::string& status) {
  w.CheckJson();
  auto spec = w.Spec();
  std::optional<ModelStatus> wanted;
  if (!status.empty()) wanted = ParseModelStatus(status);
  Registry registry = w.OpenExisting(spec);
  std::vector<ModelRecord> models;
  for (auto& m : registry.ListModels(w.TaskName(spec)))
    if (!wanted || m.status == *wanted) models.push_back(std::move(m));
  if (w.WantsJson()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : models) out.push_back(ToJson(m));
    w.EmitJson(out);
    return;
  }
  if (models.empty()) {
    std::cout << "no models" << (wanted ? " with status " + status : "") << " in " << registry.db_path().string()
              << "\n";
    return;
  }
  size_t task_width = 4;
  for (const auto& m : models) task_width = std::max(task_width, m.task.size());
  std::cout << fmt::format("{:<12}  {:<{}}  {:<10}  {:>9}  {:>10}  {:<24}  {}\n", "MODEL", "TASK", task_width, "STATUS",
                           "SIZE", "VALIDATION", "CREATED", "RUN");
  for (const auto& m : models) {
    std::cout << fmt::format("{:<12}  {:<{}}  {:<10}  {:>9}  {:>10}  {:<24}  {}\n", Short(m.id), m.task, task_width,
                             ModelStatusName(m.status), Size(m.size_bytes), Num(m.metrics, "validation_metric"),
                             m.created_at, m.run_id.empty() ? "-" : m.run_id);
  }
}

void ModelsShow(const Where& w, const std::string& id) {
  w.CheckJson();
  auto spec = w.Spec();
  Registry registry = w.OpenExisting(spec);
  ModelRecord m = registry.GetModel(id);
  auto history = registry.History("", m.id);
  const std::optional<GatePolicyRecord> policy = registry.RegisteredPolicy(m.task);
  if (w.WantsJson()) {
    nlohmann::json out = ToJson(m);
    out["history"] = nlohmann::json::array();
    for (const auto& c : history) out["history"].push_back(ToJson(ToStatusChangeResult(c)));
    out["task_gate_policy"] = nullptr;
    if (policy) {
      out["task_gate_policy"] = {{"hash", policy->hash},          {"reason", policy->reason},
                                 {"registered_at", policy->registered_at}, {"gate_report_id", policy->gate_report_id},
                                 {"settings", policy->settings}};
    }
    w.EmitJson(out);
    return;
  }
  std::cout << fmt::format("model    {}\ntask     {}\nstatus   {}\nfile     {} ({})\nrun      {}\ncreated  {}\nmetrics  {}\n\n",
                           m.id, m.task, ModelStatusName(m.status), m.path.string(), Size(m.size_bytes),
                           m.run_id.empty() ? "-" : m.run_id, m.created_at, m.metrics.dump());
  std::cout << "status history:\n";
  PrintHistory(history);
  std::cout << "\ngate policy of task " << m.task << ": "
            << (policy ? fmt::format("{}, registered {} ({}; gate report #{})", policy->hash, policy->registered_at,
                                     policy->reason, policy->gate_report_id)
                       : std::string("none yet (registered by the task's first promotion through the gates)"))
            << "\n";
}


struct PromoteFlags {
  Where where;
  PromoteOptions options;
};

void Promote(PromoteFlags& f) {
  f.where.CheckJson();
  f.options.task = f.where.task_spec;
  f.options.task_name = f.where.task_name;
  f.options.registry = f.where.registry;
  const StatusChangeResult change = trainops::Promote(f.options);
  if (f.where.WantsJson()) {
    f.where.EmitJson(ToJson(change));
  } else {
    std::cout << change.message << (change.changed ? "" : "; nothing changed") << "\n";
  }
}

struct RollbackFlags {
  Where where;
  std::string reason;
};

void Rollback(const RollbackFlags& f) {
  f.where.CheckJson();
  const StatusChangeResult change =
      trainops::Rollback(RollbackOptions{f.where.task_spec, f.where.task_name, f.where.registry, f.reason});
  if (f.where.WantsJson()) {
    f.where.EmitJson(ToJson(change));
    return;
  }
  std::cout << change.message << "\n";
}

}  // namespace

void RegisterRegistryCommands(CLI::App& app, CliContext& ctx) {
  // runs
  CLI::App* runs = app.add_subcommand("runs", "List and show the training runs the registry recorded");
  runs->require_subcommand(1);
  auto runs_where = std::make_shared<Where>();
  CLI::App* runs_list = runs->add_subcommand("list", "List recorded training runs, oldest first");
  AddWhereFlags(runs_list, *runs_where);
  runs_list->callback([runs_where] { RunsList(*runs_where); });
  auto run_id = std::make_shared<std::string>();
  CLI::App* runs_show = runs->add_subcommand("show", "Show one run: spec, data, hyper-parameters, checkpoints");
  // Not CLI11-required: a bare --json in front of it takes it first (ReclaimPositional).
  runs_show->add_option("ID", *run_id, "Run id or a unique prefix (required)");
  AddWhereFlags(runs_show, *runs_where);
  runs_show->callback([runs_where, run_id] {
    ReclaimPositional(*run_id, runs_where->json);
    if (run_id->empty()) throw InputError("runs show needs a run id: trainops runs show ID (see `trainops runs list`)");
    RunsShow(*runs_where, *run_id);
  });
  runs->footer("Examples:\n  trainops runs list --task task.yaml\n  trainops runs show run-20260101T1200 --json");

  // models
  CLI::App* models = app.add_subcommand("models", "List and show registered models and their status history");
  models->require_subcommand(1);
  auto models_where = std::make_shared<Where>();
  auto status = std::make_shared<std::string>();
  CLI::App* models_list = models->add_subcommand("list", "List registered models, oldest first");
  AddWhereFlags(models_list, *models_where);
  models_list->add_option("--status", *status, "Only models with this status: candidate, production or archived");
  models_list->callback([models_where, status] { ModelsList(*models_where, *status); });
  auto model_id = std::make_shared<std::string>();
  CLI::App* models_show = models->add_subcommand("show", "Show one model and its status history");
  models_show->add_option("ID", *model_id, "Model id or a unique prefix (required)");
  AddWhereFlags(models_show, *models_where);
  models_show->callback([models_where, model_id] {
    ReclaimPositional(*model_id, models_where->json);
    if (model_id->empty()) {
      throw InputError("models show needs a model id: trainops models show ID (see `trainops models list`)");
    }
    ModelsShow(*models_where, *model_id);
  });
  auto export_output = std::make_shared<std::string>();
  CLI::App* models_export = models->add_subcommand("export", "Write a registered model's file (checked against its id)");
  models_export->add_option("ID", *model_id, "Model id or a unique prefix (required)");
  models_export->add_option("--output,--out,-o", *export_output, "Where to write the model file ('-' = standard output)")
      ->required();
  AddWhereFlags(models_export, *models_where, /*with_json=*/false);
  models_export->callback([models_where, model_id, export_output] {
    if (model_id->empty()) {
      throw InputError("models export needs a model id: trainops models export ID --output F (see `trainops models list`)");
    }
    auto spec = models_where->Spec();
    const Registry registry = models_where->OpenExisting(spec);
    const ModelRecord model = registry.GetModel(*model_id);
    // Checked once everything it must not replace is known: the spec, the registry and the
    // model's stored file.
    CommandInputs inputs;
    inputs.AddTask(models_where->task_spec, models_where->registry);
    inputs.Add("--registry", models_where->registry);
    inputs.Add("the model's stored file", model.path.string());
    CheckOutputPath(*export_output, "--output", inputs);
    const std::string bytes = registry.ModelBytes(model.id);
    WriteOutput(*export_output, bytes);
  });
  models->footer(
      "Examples:\n  trainops models list --status production\n  trainops models show 1a2b3c4d --json\n"
      "  trainops models export 1a2b3c4d --output model.bin");

  // registry migrate
  struct MigrateFlags {
    std::string from, to, json;
  };
  auto mf = std::make_shared<MigrateFlags>();
  CLI::App* registry_cmd = app.add_subcommand("registry", "Move a registry to another database");
  registry_cmd->require_subcommand(1);
  CLI::App* migrate = registry_cmd->add_subcommand(
      "migrate", "Copy every record and model of a registry into an empty one (e.g. SQLite to PostgreSQL)");
  migrate->add_option("--from", mf->from, "The registry to copy: a registry.db path or a PostgreSQL URL")->required();
  migrate->add_option("--to", mf->to, "An empty registry: a PostgreSQL URL (postgresql://user@host/db) or a path")
      ->required();
  AddJsonOption(migrate, mf->json, "Print what was copied");
  migrate->callback([mf] {
    CommandInputs inputs;
    inputs.Add("--from", mf->from);
    CheckOutputPath(mf->json, "--json", inputs);
    const Registry from = Registry::OpenExisting(ResolveRegistryPath(mf->from, nullptr));
    Registry to = Registry::Open(ResolveRegistryPath(mf->to, nullptr));
    if (from.db_path() == to.db_path()) {
      throw InputError(fmt::format("--from and --to name the same registry ({}); nothing was copied",
                                   from.db_path().string()));
    }
    const RegistryCopyResult copied = CopyRegistry(from, to);
    nlohmann::json out = {{"from", from.db_path().string()},
                          {"to", to.db_path().string()},
                          {"rows", copied.rows},
                          {"model_bytes", copied.model_bytes},
                          {"verified", true}};
    if (!mf->json.empty()) {
      WriteOutput(mf->json, out.dump(2) + "\n");
      if (mf->json == "-") return;
    }
    std::cout << fmt::format("copied {} into {} (counts verified):\n", from.db_path().string(), to.db_path().string());
    for (const auto& [table, n] : copied.rows) std::cout << fmt::format("  {:<15} {:>8}\n", table, n);
    std::cout << fmt::format("  model bytes     {:>8}\n", copied.model_bytes);
  });
  registry_cmd->footer("Example:\n  trainops registry migrate --from .trainops/registry.db --to postgresql://trainops@db/trainops");

  // promote
  auto pf = std::make_shared<PromoteFlags>();
  CLI::App* promote = app.add_subcommand("promote", "Make a model the production model of its task");
  promote->add_option("MODEL", pf->options.model,
                      "Model id (or unique prefix), or a model file (registered if needed) (required)");
  promote->add_option("--reason", pf->options.reason, "Why; kept in the status history")->required();
  promote->add_flag("--force", pf->options.force,
                    "Promote without a passing gate report against production (needs --reason; recorded as forced)");
  promote->add_flag("--new-policy", pf->options.new_policy,
                    "Promote although the gate report's settings loosen the task's registered gate policy, and "
                    "register them (the gates must have passed; needs --reason; recorded)");
  AddWhereFlags(promote, pf->where);
  promote->footer(
      "Examples:\n"
      "  trainops promote 1a2b3c4d --reason \"passed gates, +2 points macro F1\" --task task.yaml\n"
      "  trainops promote runs/r2/model.bin --task task.yaml --force --reason \"hotfix, approved by on-call\"\n"
      "Refused (exit 1) unless the model's latest gate report against production for the current task\n"
      "spec passed and the production model it was compared with is still production (`trainops gate`\n"
      "/ `trainops release` with the default --baseline); reports against another baseline do not count.\n"
      "--force skips that and is recorded. The previous production model becomes archived.\n"
      "The first promotion through the gates registers the gate settings it passed under as the task's\n"
      "gate policy; a report made under weaker settings (a lower threshold, a gate switched off) cannot\n"
      "promote until they are restored, or --new-policy --reason registers them knowingly.");
  promote->callback([pf] {
    ReclaimPositional(pf->options.model, pf->where.json);
    if (pf->options.model.empty()) {
      throw InputError("promote needs the model: trainops promote MODEL --reason TEXT (a model id or a model file)");
    }
    Promote(*pf);
  });

  // rollback
  auto rf = std::make_shared<RollbackFlags>();
  CLI::App* rollback = app.add_subcommand("rollback", "Make the previous production model production again");
  rollback->add_option("--reason", rf->reason, "Why; kept in the status history")->required();
  AddWhereFlags(rollback, rf->where);
  rollback->footer(
      "Examples:\n"
      "  trainops rollback --task task.yaml --reason \"misroutes returns since release\"\n"
      "  trainops rollback --task-name awesomeshoes --registry .trainops/registry.db --reason \"...\"\n"
      "The model that was production before the current one becomes production; the current one\n"
      "is archived. Exit 1 when there is no earlier production model.");
  rollback->callback([rf] { Rollback(*rf); });
}

}  // namespace trainops::cli
