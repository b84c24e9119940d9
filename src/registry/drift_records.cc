// The drift loop's tables (schema step 4): monitor runs, feedback and cycles.
#include <fmt/format.h>

#include "registry/registry.h"
#include "registry/sql_db.h"

namespace trainops {

using sql::Statement;
using sql::Transaction;

namespace {

std::vector<std::string> StringList(const std::string& json_text) {
  try {
    return nlohmann::json::parse(json_text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return {};  // a damaged list reads as empty; the report itself is kept as written
  }
}

nlohmann::json JsonOrNull(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

int64_t Registry::RecordMonitorRun(const MonitorRunRecord& run) {
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  Statement remove(*db_, "DELETE FROM monitor_runs WHERE task = ?1 AND model_id = ?2 AND window_key = ?3");
  remove.Bind(1, run.task).Bind(2, run.model_id).Bind(3, run.window_key);
  remove.Run();
  Statement insert(*db_,
                   "INSERT INTO monitor_runs (task, model_id, window_key, source, window_first, window_last, "
                   "alerts_json, report_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  insert.Bind(1, run.task)
      .Bind(2, run.model_id)
      .Bind(3, run.window_key)
      .Bind(4, run.source)
      .Bind(5, run.window_first)
      .Bind(6, run.window_last)
      .Bind(7, nlohmann::json(run.alerts).dump())
      .Bind(8, run.report.dump())
      .Bind(9, run.created_at.empty() ? NowIso8601Utc() : run.created_at);
  insert.Run();
  const int64_t id = db_->LastInsertId();
  tx.Commit();
  return id;
}

std::vector<MonitorRunRecord> Registry::MonitorRuns(const std::string& task, size_t limit) const {
  Statement q(*db_,
              "SELECT id, task, model_id, window_key, source, window_first, window_last, alerts_json, report_json, "
              "created_at FROM (SELECT * FROM monitor_runs WHERE task = ?1 ORDER BY id DESC LIMIT ?2) AS recent ORDER BY id");
  q.Bind(1, task).Bind(2, static_cast<int64_t>(limit));
  std::vector<MonitorRunRecord> runs;
  while (q.Step()) {
    runs.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6),
                    StringList(q.Text(7)), JsonOrNull(q.Text(8)), q.Text(9)});
  }
  return runs;
}

int64_t Registry::RecordCycle(const CycleRecord& cycle, const std::vector<FeedbackRow>& feedback, size_t* added,
                              const std::vector<SelectionRow>& selection) {
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  Statement insert(*db_,
                   "INSERT INTO cycles (task, window_key, source, window_first, window_last, triggered, retrained, "
                   "promoted, candidate, production, fired_json, report_json, created_at) VALUES "
                   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  insert.Bind(1, cycle.task)
      .Bind(2, cycle.window_key)
      .Bind(3, cycle.source)
      .Bind(4, cycle.window_first)
      .Bind(5, cycle.window_last)
      .Bind(6, int64_t{cycle.triggered})
      .Bind(7, int64_t{cycle.retrained})
      .Bind(8, int64_t{cycle.promoted})
      .Bind(9, cycle.candidate)
      .Bind(10, cycle.production)
      .Bind(11, nlohmann::json(cycle.fired).dump())
      .Bind(12, cycle.report.dump())
      .Bind(13, cycle.created_at.empty() ? NowIso8601Utc() : cycle.created_at);
  insert.Run();
  const int64_t id = db_->LastInsertId();
  Statement add(*db_,
                "INSERT INTO feedback (task, row_key, text, label, source, cycle_id, holdout, created_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (task, row_key) DO UPDATE SET "
                "label = excluded.label, text = excluded.text, source = excluded.source, cycle_id = excluded.cycle_id, "
                "holdout = excluded.holdout, relabelled_at = excluded.created_at WHERE feedback.label <> excluded.label");
  const std::string now = NowIso8601Utc();
  size_t count = 0;
  for (const FeedbackRow& row : feedback) {
    add.Reset();
    add.Bind(1, cycle.task)
        .Bind(2, row.row_key)
        .Bind(3, row.text)
        .Bind(4, row.label)
        .Bind(5, row.source)
        .Bind(6, id)
        .Bind(7, int64_t{row.holdout})
        .Bind(8, now);
    add.Run();
    count += static_cast<size_t>(add.Changes());
  }
  Statement pick(*db_,
                 "INSERT INTO selections (task, cycle_id, row_key, text, stratum, estimate_weight, rank, created_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  for (const SelectionRow& row : selection) {
    pick.Reset();
    pick.Bind(1, cycle.task)
        .Bind(2, id)
        .Bind(3, row.row_key)
        .Bind(4, row.text)
        .Bind(5, row.stratum)
        .Bind(6, row.estimate_weight)
        .Bind(7, row.rank)
        .Bind(8, now);
    pick.Run();
  }
  tx.Commit();
  if (added) *added = count;
  return id;
}

std::vector<FeedbackRow> Registry::Feedback(const std::string& task) const {
  Statement q(*db_,
              "SELECT row_key, text, label, source, cycle_id, holdout FROM feedback WHERE task = ?1 "
              "ORDER BY COALESCE(cycle_id, 0), id");
  q.Bind(1, task);
  std::vector<FeedbackRow> rows;
  while (q.Step()) rows.push_back({q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Int(4), q.Int(5) != 0});
  return rows;
}

std::map<std::string, SelectionRow> Registry::Selections(const std::string& task) const {
  Statement q(*db_,
              "SELECT row_key, text, stratum, estimate_weight, rank, cycle_id FROM selections WHERE task = ?1 ORDER BY id");
  q.Bind(1, task);
  std::map<std::string, SelectionRow> rows;
  while (q.Step()) rows[q.Text(0)] = {q.Text(0), q.Text(1), q.Text(2), q.Double(3), q.Int(4), q.Int(5)};
  return rows;
}

std::vector<CycleRecord> Registry::Cycles(const std::string& task, int64_t after_id) const {
  Statement q(*db_,
              "SELECT id, task, window_key, source, window_first, window_last, triggered, retrained, promoted, "
              "candidate, production, fired_json, report_json, created_at FROM cycles WHERE task = ?1 AND id > ?2 "
              "ORDER BY id");
  q.Bind(1, task).Bind(2, after_id);
  std::vector<CycleRecord> cycles;
  while (q.Step()) {
    cycles.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Int(6) != 0, q.Int(7) != 0,
                      q.Int(8) != 0, q.Text(9), q.Text(10), StringList(q.Text(11)), JsonOrNull(q.Text(12)),
                      q.Text(13)});
  }
  return cycles;
}

int64_t Registry::CycleCount(const std::string& task) const {
  Statement q(*db_, "SELECT COUNT(*) FROM cycles WHERE task = ?1");
  q.Bind(1, task);
  return q.Step() ? q.Int(0) : 0;
}

}  // namespace trainops
