// Moving models between candidate, production and archived, and the records those moves
// rest on: gate reports and the status history. Each move is one BEGIN IMMEDIATE
// transaction, so the policy check and the move see the same state, and the partial
// unique index on models(task) WHERE status = 'production' makes a second production model
// impossible even for a writer that bypasses this code.
#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "common/fault_injection.h"
#include "registry/change_listener.h"
#include "registry/gate_policy.h"
#include "registry/registry.h"
#include "registry/registry_rows.h"
#include "registry/sql_db.h"

namespace trainops {
namespace {

using sql::Statement;
using sql::Transaction;

std::string Short(const std::string& id) { return id.substr(0, 12); }

void SetStatus(sql::Database& db, const std::string& model_id, ModelStatus status) {
  Statement s(db, "UPDATE models SET status = ?2 WHERE id = ?1");
  s.Bind(1, model_id).Bind(2, ModelStatusName(status));
  s.Run();
}

// Appends a history row and returns it as recorded.
StatusChange AddHistory(sql::Database& db, StatusChange change) {
  Statement s(db,
              "INSERT INTO status_history (model_id, task, from_status, to_status, reason, forced, gate_report_id, at) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.Bind(1, change.model_id)
      .Bind(2, change.task)
      .Bind(3, change.from_status)
      .Bind(4, change.to_status)
      .Bind(5, change.reason)
      .Bind(6, int64_t{change.forced ? 1 : 0})
      .BindIdOrNull(7, change.gate_report_id)
      .Bind(8, change.at);
  s.Run();
  change.id = db.LastInsertId();
  return change;
}

// Replaces the task's production model (if any) by `model`, writing both history rows.
StatusChange MakeProduction(sql::Database& db, const ModelRecord& model, const std::optional<ModelRecord>& current,
                            const std::string& reason, bool forced, int64_t gate_report_id) {
  const std::string at = NowIso8601Utc();
  StatusChange change;
  change.task = model.task;
  change.reason = reason;
  change.forced = forced;
  change.gate_report_id = gate_report_id;
  change.at = at;
  if (current) {
    // Archive first: the unique index allows one production row per task at any moment.
    SetStatus(db, current->id, ModelStatus::kArchived);
    StatusChange archived = change;
    archived.model_id = current->id;
    archived.from_status = ModelStatusName(ModelStatus::kProduction);
    archived.to_status = ModelStatusName(ModelStatus::kArchived);
    AddHistory(db, archived);
    change.archived_model_id = current->id;
  }
  fault::MaybeKill(fault::kKillDuringPromote);
  SetStatus(db, model.id, ModelStatus::kProduction);
  change.model_id = model.id;
  change.from_status = ModelStatusName(model.status);
  change.to_status = ModelStatusName(ModelStatus::kProduction);
  if (db.backend() == sql::Backend::kPostgres) {
    // Delivered when the transaction commits, never for one that rolls back: replicas on
    // other hosts swap at once (change_listener.h) instead of at their next poll.
    Statement notify(db, fmt::format("SELECT pg_notify('{}', ?1)", kProductionChannel));
    notify.Bind(1, model.task);
    notify.Run();
  }
  return AddHistory(db, change);
}

// What a comparison report was compared with, for the refusal message.
std::string DescribeBaseline(const GateReportRecord& report) {
  if (!report.baseline_model_id.empty()) return "compared with model " + Short(report.baseline_model_id);
  const nlohmann::json& baseline = report.report.is_object() && report.report.contains("baseline")
                                       ? report.report["baseline"]
                                       : nlohmann::json();
  if (baseline.is_object() && baseline.value("path", std::string()) != "") {
    return "compared with " + baseline.value("path", std::string());
  }
  return "no regression comparison";
}

// The settings a gate report was made under (null for reports from before they were kept).
nlohmann::json SettingsOf(const std::optional<GateReportRecord>& report) {
  if (!report || !report->report.is_object()) return nullptr;
  const auto it = report->report.find("settings");
  return it != report->report.end() && it->is_object() ? *it : nlohmann::json(nullptr);
}

void AddPolicy(sql::Database& db, const std::string& task, const nlohmann::json& settings, const std::string& hash,
               const std::string& reason, int64_t history_id, int64_t gate_report_id, const std::string& at) {
  Statement s(db,
              "INSERT INTO gate_policies (task, settings_json, settings_hash, reason, history_id, gate_report_id, "
              "registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.Bind(1, task).Bind(2, settings.dump()).Bind(3, hash).Bind(4, reason).BindIdOrNull(5, history_id);
  s.BindIdOrNull(6, gate_report_id).Bind(7, at);
  s.Run();
}

}  // namespace

std::optional<GatePolicyRecord> Registry::RegisteredPolicy(const std::string& task) const {
  Statement s(*db_, fmt::format("SELECT {} FROM gate_policies WHERE task = ?1 ORDER BY id DESC LIMIT 1",
                                registry_rows::kGatePolicyColumns));
  s.Bind(1, task);
  if (!s.Step()) return std::nullopt;
  return registry_rows::ReadGatePolicy(s);
}

std::vector<GatePolicyRecord> Registry::PolicyHistory(const std::string& task) const {
  Statement s(*db_, fmt::format("SELECT {} FROM gate_policies WHERE task = ?1 ORDER BY id",
                                registry_rows::kGatePolicyColumns));
  s.Bind(1, task);
  std::vector<GatePolicyRecord> out;
  while (s.Step()) out.push_back(registry_rows::ReadGatePolicy(s));
  return out;
}

int64_t Registry::RecordGateReport(const GateReportRecord& report) {
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  const ModelRecord model = GetModel(report.model_id);
  // Promote trusts the flag, so a record claiming a comparison with a production model it
  // was not scored against must not get in.
  if (report.compared_with_production && !report.production_at_gate.empty() &&
      report.baseline_model_id != report.production_at_gate) {
    throw InputError(fmt::format("gate report for model {}: it says it was compared with production model {}, but "
                                 "its baseline is {}; set compared_with_production only when the baseline is the "
                                 "production model",
                                 Short(model.id), Short(report.production_at_gate),
                                 report.baseline_model_id.empty() ? "none" : Short(report.baseline_model_id)));
  }
  Statement s(*db_,
              "INSERT INTO gate_reports (model_id, task, spec_hash, baseline_model_id, passed, report_json, created_at, "
              "production_at_gate, compared_with_production) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.Bind(1, model.id)
      .Bind(2, report.task.empty() ? model.task : report.task)
      .Bind(3, report.spec_hash)
      .Bind(4, report.baseline_model_id)
      .Bind(5, int64_t{report.passed ? 1 : 0})
      .Bind(6, report.report.is_null() ? std::string("{}") : report.report.dump())
      .Bind(7, report.created_at.empty() ? NowIso8601Utc() : report.created_at)
      .Bind(8, report.production_at_gate)
      .Bind(9, int64_t{report.compared_with_production ? 1 : 0});
  s.Run();
  const int64_t id = db_->LastInsertId();
  tx.Commit();
  return id;
}

std::optional<GateReportRecord> Registry::LatestGateReport(const std::string& model_id,
                                                           const std::string& spec_hash) const {
  Statement s(*db_, fmt::format("SELECT {} FROM gate_reports WHERE model_id = ?1 AND spec_hash = ?2 "
                                "ORDER BY id DESC LIMIT 1",
                                registry_rows::kGateReportColumns));
  s.Bind(1, model_id).Bind(2, spec_hash);
  if (!s.Step()) return std::nullopt;
  return registry_rows::ReadGateReport(s);
}

std::optional<GateReportRecord> Registry::GetGateReport(int64_t id) const {
  Statement s(*db_, fmt::format("SELECT {} FROM gate_reports WHERE id = ?1", registry_rows::kGateReportColumns));
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return registry_rows::ReadGateReport(s);
}

std::vector<GateReportRecord> Registry::GateReports(const std::string& model_id) const {
  Statement s(*db_, fmt::format("SELECT {} FROM gate_reports WHERE model_id = ?1 ORDER BY id DESC",
                                registry_rows::kGateReportColumns));
  s.Bind(1, model_id);
  std::vector<GateReportRecord> reports;
  while (s.Step()) reports.push_back(registry_rows::ReadGateReport(s));
  return reports;
}

std::optional<GateReportRecord> Registry::LatestProductionGateReport(const std::string& model_id,
                                                                     const std::string& spec_hash) const {
  Statement s(*db_, fmt::format("SELECT {} FROM gate_reports WHERE model_id = ?1 AND spec_hash = ?2 AND "
                                "compared_with_production = 1 ORDER BY id DESC LIMIT 1",
                                registry_rows::kGateReportColumns));
  s.Bind(1, model_id).Bind(2, spec_hash);
  if (!s.Step()) return std::nullopt;
  return registry_rows::ReadGateReport(s);
}

StatusChange Registry::Promote(const PromoteRequest& request) {
  if (request.force && std::string(Trim(request.reason)).empty()) {
    throw InputError("--force needs --reason TEXT saying why the gates are skipped; it is kept in the status history");
  }
  if (request.new_policy && request.force) {
    throw InputError("--new-policy registers the gate settings of a passing gate report, and --force skips the gates: "
                     "use one of them");
  }
  if (request.new_policy && std::string(Trim(request.reason)).empty()) {
    throw InputError("--new-policy needs --reason TEXT saying why the gate policy changes; it is kept with the policy "
                     "and shown in the status history");
  }
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  const ModelRecord model = GetModel(request.model_id);
  const std::optional<ModelRecord> current = Production(model.task);
  if (current && current->id == model.id) {
    StatusChange unchanged;
    unchanged.model_id = model.id;
    unchanged.task = model.task;
    unchanged.from_status = unchanged.to_status = ModelStatusName(ModelStatus::kProduction);
    unchanged.reason = "already the production model of " + model.task;
    unchanged.changed = false;
    return unchanged;
  }
  // Read inside the transaction that changes the status: the production model compared
  // here is the one the promotion replaces, even with other promotions running at once.
  const std::optional<GateReportRecord> latest = LatestGateReport(model.id, request.spec_hash);
  const std::optional<GateReportRecord> report = LatestProductionGateReport(model.id, request.spec_hash);
  if (!request.force) {
    const std::string production_now = current ? current->id : "";
    const std::string how = fmt::format("run `trainops gate --task T.yaml --candidate {}` against the production "
                                        "model (the default --baseline), or `trainops release`, or pass --force "
                                        "--reason TEXT",
                                        Short(model.id));
    if (!latest) {
      throw CheckFailedError(fmt::format("refusing to promote model {}: it has no gate report for the current task "
                                         "spec and the files its gates read ({}); {}",
                                         Short(model.id), request.spec_hash.empty() ? "no spec given" : request.spec_hash,
                                         how));
    }
    if (!report) {
      throw CheckFailedError(fmt::format(
          "refusing to promote model {}: its gate reports for the current task spec were not compared with the "
          "production model of task \"{}\" (the latest, #{}, {}); a report against another baseline, against "
          "none, with the regression gate off, or from before registry schema 3 is kept for comparison but cannot "
          "promote; {}",
          Short(model.id), model.task, latest->id, DescribeBaseline(*latest), how));
    }
    if (!report->passed) {
      throw CheckFailedError(fmt::format("refusing to promote model {}: its latest gate report against production "
                                         "(#{}, {}) for the current task spec failed; {}",
                                         Short(model.id), report->id, report->created_at, how));
    }
    if (report->production_at_gate != production_now) {
      throw CheckFailedError(fmt::format(
          "refusing to promote model {}: its passing gate report #{} compared it with {}, but the production model "
          "of task \"{}\" is now {}; the gates must compare it with the model it would replace: {}",
          Short(model.id), report->id,
          report->production_at_gate.empty() ? "no production model (there was none)"
                                             : "production model " + Short(report->production_at_gate),
          model.task, production_now.empty() ? "none" : Short(production_now), how));
    }
  }
  // The registered policy, read in this transaction too: two promotions racing under
  // different settings are judged one after the other.
  const nlohmann::json settings = request.force ? nlohmann::json(nullptr) : SettingsOf(report);
  const std::optional<GatePolicyRecord> policy = RegisteredPolicy(model.task);
  if (request.new_policy && !settings.is_object()) {
    throw CheckFailedError(fmt::format("refusing --new-policy for model {}: its gate report does not record the gate "
                                       "settings it was made under (an older trainops made it); run `trainops gate "
                                       "--task T.yaml --candidate {}` again, then promote",
                                       Short(model.id), Short(model.id)));
  }
  if (policy && settings.is_object() && !request.new_policy) {
    const std::vector<std::string> looser = gate_policy::Loosenings(policy->settings, settings);
    if (!looser.empty()) {
      throw CheckFailedError(fmt::format(
          "refusing to promote model {}: its gate report #{} was made under gate settings weaker than task \"{}\"'s "
          "registered gate policy {} (registered {}: {}): {}. Restore those settings in the spec's gates: section "
          "and run the gates again; or, if the policy is meant to change, promote with --new-policy --reason TEXT "
          "(kept in the status history)",
          Short(model.id), report->id, model.task, policy->hash, policy->registered_at, policy->reason,
          Join(looser, "; ")));
    }
  }
  fault::MaybeDelay(fault::kDelayInPromoteMs);
  // A forced promotion names the newest report it overrode, whatever its baseline.
  const std::optional<GateReportRecord>& rests_on = request.force ? latest : report;
  StatusChange change =
      MakeProduction(*db_, model, current, request.reason, request.force, rests_on ? rests_on->id : 0);
  // A promotion through the gates registers the settings it passed under when they
  // differ from the policy in force (none yet, stricter, or knowingly new); a forced one
  // never changes the policy.
  if (settings.is_object()) {
    const std::string hash = gate_policy::Hash(settings);
    if (!policy || policy->hash != hash) {
      const std::string why = request.new_policy ? "new policy: " + request.reason
                              : !policy          ? std::string("first promotion through the gates")
                                                 : "settings changed, none weaker than policy " + policy->hash;
      AddPolicy(*db_, model.task, settings, hash, why, change.id, report->id, change.at);
      change.policy_hash = hash;
      change.policy_change = why;
    }
  }
  tx.Commit();
  return change;
}

StatusChange Registry::Rollback(const std::string& task, const std::string& reason) {
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  const std::optional<ModelRecord> current = Production(task);
  if (!current) {
    throw CheckFailedError(fmt::format("task \"{}\" has no production model in the registry {}, so there is nothing "
                                       "to roll back",
                                       task, db_path_.string()));
  }
  // The row that made the current model production, then the production row before it
  // that names another model: the model that served just before the current one.
  Statement previous(*db_,
                     "SELECT model_id, gate_report_id FROM status_history "
                     "WHERE task = ?1 AND to_status = 'production' AND model_id != ?2 AND id < "
                     "(SELECT COALESCE(MAX(id), 0) FROM status_history WHERE model_id = ?2 AND to_status = 'production') "
                     "ORDER BY id DESC LIMIT 1");
  previous.Bind(1, task).Bind(2, current->id);
  if (!previous.Step()) {
    throw CheckFailedError(fmt::format("model {} is the first production model of task \"{}\"; there is no previous "
                                       "one to roll back to (promote another model instead)",
                                       Short(current->id), task));
  }
  const ModelRecord target = GetModel(previous.Text(0));
  const int64_t gate_report_id = previous.IsNull(1) ? 0 : previous.Int(1);
  StatusChange change = MakeProduction(*db_, target, current, reason.empty() ? "rollback" : reason,
                                       /*forced=*/false, gate_report_id);
  tx.Commit();
  return change;
}

std::vector<StatusChange> Registry::History(const std::string& task, const std::string& model_id) const {
  Statement s(*db_, fmt::format("SELECT {} FROM status_history WHERE (?1 = '' OR task = ?1) AND (?2 = '' OR "
                                "model_id = ?2) ORDER BY id",
                                registry_rows::kHistoryColumns));
  s.Bind(1, task).Bind(2, model_id);
  std::vector<StatusChange> changes;
  while (s.Step()) changes.push_back(registry_rows::ReadHistory(s));
  return changes;
}

}  // namespace trainops
