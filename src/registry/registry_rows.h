// Internal to src/registry: turning table rows into records, shared by the files that
// implement Registry, so every query of a table selects the same columns in one order.
#pragma once

#include <string>

#include "registry/registry.h"
#include "registry/sql_db.h"

namespace trainops::registry_rows {

// SELECT lists matching the readers below.
inline constexpr const char* kModelColumns =
    "id, task, run_id, file_name, size_bytes, status, metrics_json, created_at";
inline constexpr const char* kRunColumns =
    "id, task, spec_path, spec_hash, run_dir, run_json, checkpoints_json, model_id, created_at";
// Selected FROM status_history (unaliased): the policy columns are those of the gate
// policy the row's promotion registered, NULL when it registered none.
inline constexpr const char* kHistoryColumns =
    "id, model_id, task, from_status, to_status, reason, forced, gate_report_id, at, "
    "(SELECT settings_hash FROM gate_policies p WHERE p.history_id = status_history.id), "
    "(SELECT reason FROM gate_policies p WHERE p.history_id = status_history.id)";
inline constexpr const char* kGatePolicyColumns =
    "id, task, settings_json, settings_hash, reason, history_id, gate_report_id, registered_at";
inline constexpr const char* kGateReportColumns =
    "id, model_id, task, spec_hash, baseline_model_id, passed, report_json, created_at, production_at_gate, "
    "compared_with_production";

ModelRecord ReadModel(const sql::Statement& row, const std::filesystem::path& models_dir);
RunRecord ReadRun(const sql::Statement& row);
StatusChange ReadHistory(const sql::Statement& row);
GateReportRecord ReadGateReport(const sql::Statement& row);
GatePolicyRecord ReadGatePolicy(const sql::Statement& row);

// JSON stored in a column; a damaged value reads as null rather than failing a listing.
nlohmann::json ParseJsonColumn(const std::string& text);

}  // namespace trainops::registry_rows
