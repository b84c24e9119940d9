#include "serve/traffic_browse.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <memory>

#include <fmt/format.h>

#include "common/db_location.h"
#include "common/error.h"
#include "registry/postgres_db.h"
#include "registry/sqlite_db.h"
#include "serve/traffic_log.h"

namespace trainops::serve {
namespace {

// The two logs hold the same columns under different table names (a shared log lives in
// the registry's database, next to its tables); a SQLite log has no replica column.
struct LogTables {
  const char* requests;
  const char* feedback;
  const char* replica;
};

LogTables TablesOf(const sql::Database& db) {
  if (db.backend() == sql::Backend::kPostgres) return {"traffic_requests", "traffic_feedback", "r.replica"};
  return {"requests", "feedback", "''"};
}

// Opens the log for reading; nullptr when there is none (no file, or no tables yet).
std::unique_ptr<sql::Database> OpenForReading(const std::filesystem::path& log) {
  if (IsPostgresLocation(log.string())) {
    auto db = std::make_unique<postgres::Database>(log.string());
    sql::Statement q(*db, "SELECT to_regclass('traffic_requests') IS NOT NULL");
    if (!q.Step() || !q.Int(0)) return nullptr;
    return db;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(log, ec)) return nullptr;
  auto db = std::make_unique<sqlite::Database>(log);
  sql::Statement q(*db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'");
  if (!q.Step()) return nullptr;
  return db;
}

std::string Since(const std::string& since) { return since.empty() ? std::string() : NormalizeTime(since, "since"); }

}  // namespace

TrafficBrowser::TrafficBrowser(const std::filesystem::path& log) : log_(log), db_(OpenForReading(log)) {}

TrafficBrowser::~TrafficBrowser() = default;

sql::Database& TrafficBrowser::Db() {
  if (!db_) {
    throw InputError(fmt::format("{}: no traffic log there yet (`trainops serve` writes it); check --traffic-log "
                                 "or the task's registry",
                                 log_.string()));
  }
  return *db_;
}

std::vector<BrowsedRequest> TrafficBrowser::Browse(const TrafficFilter& filter) {
  sql::Database& db = Db();
  const LogTables t = TablesOf(db);
  // Only the conditions asked for are in the query, so each is a plain comparison on the
  // time index's columns.
  std::string where = "r.time >= ?1";
  int next = 2;
  int label_at = 0, rejected_at = 0, below_at = 0;
  if (!filter.label.empty()) {
    label_at = next++;
    where += fmt::format(" AND r.label = ?{}", label_at);
  }
  if (filter.rejected) {
    rejected_at = next++;
    where += fmt::format(" AND r.rejected = ?{}", rejected_at);
  }
  if (filter.confidence_below) {
    below_at = next++;
    where += fmt::format(" AND r.confidence < ?{}", below_at);
  }
  if (filter.with_feedback) {
    where += fmt::format(" AND {}EXISTS (SELECT 1 FROM {} f WHERE f.request_id = r.request_id)",
                         *filter.with_feedback ? "" : "NOT ", t.feedback);
  }
  const int limit_at = next++;
  sql::Statement q(db, fmt::format("SELECT r.request_id, r.time, r.model, {}, r.text, r.label, r.confidence, "
                                    "r.margin, r.rejected, (SELECT f.label FROM {} f WHERE f.request_id = "
                                    "r.request_id ORDER BY f.id DESC LIMIT 1) FROM {} r WHERE {} "
                                    "ORDER BY r.time DESC LIMIT ?{}",
                                    t.replica, t.feedback, t.requests, where, limit_at));
  q.Bind(1, Since(filter.since));
  if (label_at) q.Bind(label_at, filter.label);
  if (rejected_at) q.Bind(rejected_at, int64_t{*filter.rejected ? 1 : 0});
  if (below_at) q.Bind(below_at, *filter.confidence_below);
  q.Bind(limit_at, static_cast<int64_t>(filter.limit));
  std::vector<BrowsedRequest> rows;
  while (q.Step()) {
    BrowsedRequest r;
    r.request_id = q.Text(0);
    r.time = q.Text(1);
    r.model = q.Text(2);
    r.replica = q.Text(3);
    r.text = q.Text(4);
    r.label = q.Text(5);
    r.confidence = q.Double(6);
    r.margin = q.Double(7);
    r.rejected = q.Int(8) != 0;
    r.feedback_label = q.IsNull(9) ? std::string() : q.Text(9);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<LabelCoverage> TrafficBrowser::Coverage(const std::string& since) {
  sql::Database& db = Db();
  const LogTables t = TablesOf(db);
  const std::string from = Since(since);
  std::map<std::string, LabelCoverage> by_label;
  {
    // Read from the time index alone (it carries the label) and counted here: SQLite's
    // GROUP BY would first sort the period's rows in a temporary B-tree, ten times the cost
    // of reading them (364 ms against 38 ms for a million).
    std::unordered_map<std::string, int64_t> counts;
    sql::Statement q(db, fmt::format("SELECT label FROM {} WHERE time >= ?1", t.requests));
    q.Bind(1, from);
    while (q.Step()) ++counts[q.Text(0)];
    for (auto& [label, n] : counts) {
      LabelCoverage& c = by_label[label];
      c.label = label;
      c.requests = n;
    }
  }
  {
    // Feedback is a small share of the log: driven from it, each request found by its key.
    // The newest label per request decides agreement, as everywhere else.
    // CROSS JOIN fixes SQLite's join order (it would otherwise walk the requests over the
    // whole log); PostgreSQL plans it as the inner join it is. Feedback comes after
    // its request, so feedback older than the period cannot be for a request in it.
    sql::Statement q(db, fmt::format("SELECT r.label, COUNT(*), SUM(CASE WHEN f.label = r.label THEN 1 ELSE 0 END) "
                                      "FROM {1} f CROSS JOIN {0} r WHERE f.time >= ?1 AND f.request_id = r.request_id AND "
                                      "r.time >= ?1 AND f.id = (SELECT MAX(g.id) FROM {1} g WHERE "
                                      "g.request_id = f.request_id) GROUP BY r.label",
                                      t.requests, t.feedback));
    q.Bind(1, from);
    while (q.Step()) {
      LabelCoverage& c = by_label[q.Text(0)];
      c.label = q.Text(0);
      c.with_feedback = q.Int(1);
      c.feedback_agrees = q.Int(2);
    }
  }
  std::vector<LabelCoverage> out;
  for (auto& [label, c] : by_label) out.push_back(std::move(c));
  std::stable_sort(out.begin(), out.end(),
                   [](const LabelCoverage& a, const LabelCoverage& b) { return a.requests > b.requests; });
  return out;
}

std::string TrafficBrowser::NewestTime() {
  sql::Database& db = Db();
  sql::Statement q(db, fmt::format("SELECT MAX(time) FROM {}", TablesOf(db).requests));
  return q.Step() && !q.IsNull(0) ? q.Text(0) : std::string();
}

}  // namespace trainops::serve
