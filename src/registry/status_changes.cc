// Moving models between candidate, production and archived, and the records those moves
// rest on: gate reports and the status history. Each move is one BEGIN IMMEDIATE
// transaction, so the policy check and the move see the same state, and the partial
// unique index on models(task) WHERE status = 'production' makes a second production model
// impossible even for a writer that bypasses this code.
#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "registry/fault_injection.h"
#include "registry/registry.h"
#include "registry/registry_rows.h"
#include "registry/sqlite_db.h"

namespace trainops {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

std::string Short(const std::string& id) { return id.substr(0, 12); }

void SetStatus(sqlite::Database& db, const std::string& model_id, ModelStatus status) {
  Statement s(db, "UPDATE models SET status = ?2 WHERE id = ?1");
  s.Bind(1, model_id).Bind(2, ModelStatusName(status));
  s.Run();
}

// Appends a history row and returns it as recorded.
StatusChange AddHistory(sqlite::Database& db, StatusChange change) {
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
StatusChange MakeProduction(sqlite::Database& db, const ModelRecord& model, const std::optional<ModelRecord>& current,
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
  return AddHistory(db, change);
}

}  // namespace

int64_t Registry::RecordGateReport(const GateReportRecord& report) {
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  const ModelRecord model = GetModel(report.model_id);
  Statement s(*db_,
              "INSERT INTO gate_reports (model_id, task, spec_hash, baseline_model_id, passed, report_json, created_at) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.Bind(1, model.id)
      .Bind(2, report.task.empty() ? model.task : report.task)
      .Bind(3, report.spec_hash)
      .Bind(4, report.baseline_model_id)
      .Bind(5, int64_t{report.passed ? 1 : 0})
      .Bind(6, report.report.is_null() ? std::string("{}") : report.report.dump())
      .Bind(7, report.created_at.empty() ? NowIso8601Utc() : report.created_at);
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

StatusChange Registry::Promote(const PromoteRequest& request) {
  if (request.force && std::string(Trim(request.reason)).empty()) {
    throw InputError("--force needs --reason TEXT saying why the gates are skipped; it is kept in the status history");
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
  const std::optional<GateReportRecord> report = LatestGateReport(model.id, request.spec_hash);
  if (!request.force) {
    const std::string how = fmt::format("run `trainops gate --task T.yaml --candidate {}` (or `trainops release`), "
                                        "or pass --force --reason TEXT",
                                        Short(model.id));
    if (!report) {
      throw CheckFailedError(fmt::format("refusing to promote model {}: it has no gate report for the current task "
                                         "spec and the files its gates read ({}); {}",
                                         Short(model.id), request.spec_hash.empty() ? "no spec given" : request.spec_hash,
                                         how));
    }
    if (!report->passed) {
      throw CheckFailedError(fmt::format("refusing to promote model {}: its latest gate report (#{}, {}) for the "
                                         "current task spec failed; {}",
                                         Short(model.id), report->id, report->created_at, how));
    }
  }
  fault::MaybeDelay(fault::kDelayInPromoteMs);
  StatusChange change = MakeProduction(*db_, model, current, request.reason, request.force, report ? report->id : 0);
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
