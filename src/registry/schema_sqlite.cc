#include "registry/schema.h"

#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"

namespace trainops::registry_schema {
namespace {

// Step to version 1. Frozen: a released schema step never changes; later changes are new
// steps. runs.model_id references the model the run produced; models.run_id is plain text
// because training stores the model before it records the run.
constexpr const char* kToVersion1 = R"sql(
CREATE TABLE models (
  id           TEXT PRIMARY KEY,
  task         TEXT NOT NULL,
  run_id       TEXT NOT NULL DEFAULT '',
  file_name    TEXT NOT NULL,
  size_bytes   INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('candidate', 'production', 'archived')),
  metrics_json TEXT NOT NULL DEFAULT '{}',
  created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX models_one_production_per_task ON models(task) WHERE status = 'production';
CREATE TABLE runs (
  id               TEXT PRIMARY KEY,
  task             TEXT NOT NULL,
  spec_path        TEXT NOT NULL DEFAULT '',
  spec_hash        TEXT NOT NULL DEFAULT '',
  run_dir          TEXT NOT NULL DEFAULT '',
  run_json         TEXT NOT NULL DEFAULT '{}',
  checkpoints_json TEXT NOT NULL DEFAULT '[]',
  model_id         TEXT REFERENCES models(id),
  created_at       TEXT NOT NULL
);
CREATE TABLE status_history (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id    TEXT NOT NULL REFERENCES models(id),
  task        TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status   TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT '',
  forced      INTEGER NOT NULL DEFAULT 0,
  at          TEXT NOT NULL
);
CREATE INDEX status_history_by_task ON status_history(task, id);
)sql";

// Step to version 2: promotions rest on gate reports.
constexpr const char* kToVersion2 = R"sql(
CREATE TABLE gate_reports (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id          TEXT NOT NULL REFERENCES models(id),
  task              TEXT NOT NULL,
  spec_hash         TEXT NOT NULL,
  baseline_model_id TEXT NOT NULL DEFAULT '',
  passed            INTEGER NOT NULL,
  report_json       TEXT NOT NULL DEFAULT '{}',
  created_at        TEXT NOT NULL
);
CREATE INDEX gate_reports_by_model ON gate_reports(model_id, spec_hash, id);
ALTER TABLE status_history ADD COLUMN gate_report_id INTEGER REFERENCES gate_reports(id);
)sql";

// Step to version 3: a gate report records the task's production model when the gates ran
// ('' = none) and whether its regression gate compared the candidate with that model, so a
// promotion can check that it rests on a comparison with the model it replaces. Reports
// written before this step get NULL and 0: nobody knows what they were compared with, so
// they cannot promote (the gates are run again).
constexpr const char* kToVersion3 = R"sql(
ALTER TABLE gate_reports ADD COLUMN production_at_gate TEXT;
ALTER TABLE gate_reports ADD COLUMN compared_with_production INTEGER NOT NULL DEFAULT 0;
)sql";

// Step to version 4: the drift loop. monitor_runs keeps each window's monitor report (one
// per task and window: re-running a week replaces it), feedback the labelled traffic rows
// (deduplicated per task by row_key) and cycles each `trainops cycle` step and its
// decision, from which the next step's hysteresis and cooldown are computed.
constexpr const char* kToVersion4 = R"sql(
CREATE TABLE monitor_runs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  task          TEXT NOT NULL,
  model_id      TEXT NOT NULL,
  window_key    TEXT NOT NULL,
  source        TEXT NOT NULL DEFAULT '',
  window_first  TEXT NOT NULL DEFAULT '',
  window_last   TEXT NOT NULL DEFAULT '',
  alerts_json   TEXT NOT NULL DEFAULT '[]',
  report_json   TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL,
  UNIQUE (task, model_id, window_key)
);
CREATE TABLE feedback (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  task        TEXT NOT NULL,
  row_key     TEXT NOT NULL,
  text        TEXT NOT NULL,
  label       TEXT NOT NULL,
  source      TEXT NOT NULL DEFAULT '',
  cycle_id    INTEGER,
  holdout     INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  UNIQUE (task, row_key)
);
CREATE TABLE cycles (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  task          TEXT NOT NULL,
  window_key    TEXT NOT NULL,
  source        TEXT NOT NULL DEFAULT '',
  window_first  TEXT NOT NULL DEFAULT '',
  window_last   TEXT NOT NULL DEFAULT '',
  triggered     INTEGER NOT NULL DEFAULT 0,
  retrained     INTEGER NOT NULL DEFAULT 0,
  promoted      INTEGER NOT NULL DEFAULT 0,
  candidate     TEXT NOT NULL DEFAULT '',
  production    TEXT NOT NULL DEFAULT '',
  fired_json    TEXT NOT NULL DEFAULT '[]',
  report_json   TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL
);
CREATE INDEX cycles_by_task ON cycles(task, id);
)sql";

// Step to version 5: the label budget inside the loop. selections keeps which messages a
// cycle asked agents to label (ranked picks and the uniform random share, with the weight
// each stands for in accuracy estimates), so that their labels, arriving with a later
// window, are recognised as such. feedback.relabelled_at: an agent's newer label for a
// message replaces the older one (the latest label wins).
constexpr const char* kToVersion5 = R"sql(
CREATE TABLE selections (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  task            TEXT NOT NULL,
  cycle_id        INTEGER NOT NULL,
  row_key         TEXT NOT NULL,
  text            TEXT NOT NULL,
  stratum         TEXT NOT NULL,
  estimate_weight REAL NOT NULL DEFAULT 1,
  rank            INTEGER NOT NULL,
  created_at      TEXT NOT NULL
);
CREATE INDEX selections_by_key ON selections(task, row_key, id);
ALTER TABLE feedback ADD COLUMN relabelled_at TEXT;
)sql";

// Step to version 6: the registered gate policy. Each row is the gate settings a task's
// promotions must not loosen from then on, recorded by the promotion (history_id) that
// registered them; the newest row per task is the policy in force.
constexpr const char* kToVersion6 = R"sql(
CREATE TABLE gate_policies (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  task            TEXT NOT NULL,
  settings_json   TEXT NOT NULL,
  settings_hash   TEXT NOT NULL,
  reason          TEXT NOT NULL,
  history_id      INTEGER,
  gate_report_id  INTEGER,
  registered_at   TEXT NOT NULL
);
CREATE INDEX gate_policies_by_task ON gate_policies(task, id);
CREATE INDEX gate_policies_by_history ON gate_policies(history_id);
)sql";

const std::vector<const char*>& Steps() {
  static const std::vector<const char*> steps = {kToVersion1, kToVersion2, kToVersion3,
                                                 kToVersion4, kToVersion5, kToVersion6};
  return steps;
}

// The tables each version has; anything else means the file belongs to someone else.
std::set<std::string> TablesOf(int version) {
  std::set<std::string> tables;
  if (version >= 1) tables.insert({"models", "runs", "status_history"});
  if (version >= 2) tables.insert("gate_reports");
  if (version >= 4) tables.insert({"monitor_runs", "feedback", "cycles"});
  if (version >= 5) tables.insert("selections");
  if (version >= 6) tables.insert("gate_policies");
  return tables;
}

int UserVersion(sqlite::Database& db) {
  sql::Statement s(db, "PRAGMA user_version");
  s.Step();
  return static_cast<int>(s.Int(0));
}

std::set<std::string> Tables(sqlite::Database& db) {
  sql::Statement s(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  std::set<std::string> names;
  while (s.Step()) names.insert(s.Text(0));
  return names;
}

// Throws unless the tables match what `version` should have (or, with allow_missing, a
// subset of them).
void CheckTables(sqlite::Database& db, int version, bool allow_missing = false) {
  const std::set<std::string> have = Tables(db);
  const std::set<std::string> want = TablesOf(version);
  std::vector<std::string> foreign, missing;
  for (const auto& t : have)
    if (!want.count(t)) foreign.push_back(t);
  for (const auto& t : want)
    if (!have.count(t)) missing.push_back(t);
  if (!foreign.empty()) {
    throw InputError(fmt::format(
        "{}: is a SQLite database with tables trainops did not create ({}); it is not a trainops registry. "
        "Pass --registry with another path (nothing was changed)",
        db.path().string(), Join(foreign, ", ")));
  }
  if (!missing.empty() && !allow_missing) {
    throw InputError(fmt::format(
        "{}: registry schema {} lacks the tables {}; the file is damaged. Restore it from a backup or "
        "pass --registry with another path",
        db.path().string(), version, Join(missing, ", ")));
  }
}

}  // namespace

void CheckAndMigrate(sqlite::Database& db) {
  // Read first, without writing anything: a foreign or newer file must stay untouched.
  int version = UserVersion(db);
  if (version > kCurrentVersion) {
    throw InputError(fmt::format(
        "{}: written by a newer trainops (schema {}, this build reads up to {}); upgrade trainops",
        db.path().string(), version, kCurrentVersion));
  }
  if (version < 0) {
    throw InputError(fmt::format("{}: unknown registry schema {}; pass --registry with another path",
                                 db.path().string(), version));
  }
  if (version == kCurrentVersion) {
    CheckTables(db, version);
    return;
  }
  // Another process may finish migrating this file between the two reads (two commands
  // opening a new registry at once), so here only tables no version has are refused; the
  // exact check waits for the write lock below.
  CheckTables(db, kCurrentVersion, /*allow_missing=*/true);

  // The write lock makes a concurrent first Open() wait, then see the finished migration.
  sql::Transaction tx(db, sql::Transaction::Mode::kImmediate);
  version = UserVersion(db);
  if (version > kCurrentVersion) {
    throw InputError(fmt::format(
        "{}: written by a newer trainops (schema {}, this build reads up to {}); upgrade trainops",
        db.path().string(), version, kCurrentVersion));
  }
  CheckTables(db, version);
  for (int step = version; step < kCurrentVersion; ++step) db.Exec(Steps()[static_cast<size_t>(step)]);
  db.Exec(fmt::format("PRAGMA user_version = {}", kCurrentVersion));
  tx.Commit();
}

}  // namespace trainops::registry_schema
