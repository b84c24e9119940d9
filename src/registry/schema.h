// The registry's tables and their versions. The version lives in `PRAGMA user_version`;
// each migration step turns version N-1 into N, and a new database is built by running
// every step from 0, so the upgrade path of old registries is the path every new
// registry takes and cannot rot unnoticed.
#pragma once

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

}  // namespace trainops::registry_schema
