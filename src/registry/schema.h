// The registry's tables and their versions, on both backends.
//
// SQLite: the version lives in `PRAGMA user_version`; each migration step turns version
// N-1 into N, and a new database is built by running every step from 0, so the upgrade
// path of old registries is the path every new registry takes and cannot rot unnoticed.
//
// PostgreSQL: the version lives in the table trainops_schema. A new database is created
// directly at the current version (the same tables and columns as SQLite's, in
// PostgreSQL's types, plus model_files: the models' bytes); later versions add steps for
// both backends. Migrations run under an advisory lock, so ten processes starting together
// on an empty database: one migrates, the others wait and find it done.
#pragma once

#include "registry/sql_db.h"
#include "registry/sqlite_db.h"

namespace trainops::registry_schema {

// Version 1: runs, models, status_history. Version 2: gate_reports and
// status_history.gate_report_id. Version 3: gate_reports.production_at_gate and
// gate_reports.compared_with_production. Version 4: monitor_runs, feedback, cycles.
// Version 5: selections. Version 6: gate_policies (the registered gate policy per task).
constexpr int kCurrentVersion = 6;

// Checks that the database is empty or a trainops registry this build can read, and
// migrates it to kCurrentVersion in one transaction. Throws InputError for a file that is
// not SQLite, a database with tables trainops did not create, or a newer schema.
void CheckAndMigrate(sqlite::Database& db);

// The same for a PostgreSQL database. With create = false an empty database is refused
// (InputError) instead of being given the registry's tables.
void CheckAndMigratePostgres(sql::Database& db, bool create);

}  // namespace trainops::registry_schema
