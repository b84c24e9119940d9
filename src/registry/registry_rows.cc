#include "registry/registry_rows.h"

#include "registry/model_store.h"

namespace trainops::registry_rows {

nlohmann::json ParseJsonColumn(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

ModelRecord ReadModel(const sql::Statement& row, const std::filesystem::path& models_dir) {
  ModelRecord m;
  m.id = row.Text(0);
  m.task = row.Text(1);
  m.run_id = row.Text(2);
  m.path = models_dir / row.Text(3);
  m.size_bytes = static_cast<uint64_t>(row.Int(4));
  m.status = ParseModelStatus(row.Text(5));
  m.metrics = ParseJsonColumn(row.Text(6));
  m.created_at = row.Text(7);
  return m;
}

RunRecord ReadRun(const sql::Statement& row) {
  RunRecord r;
  r.id = row.Text(0);
  r.task = row.Text(1);
  r.spec_path = row.Text(2);
  r.spec_hash = row.Text(3);
  r.run_dir = row.Text(4);
  r.run = ParseJsonColumn(row.Text(5));
  r.checkpoints = ParseJsonColumn(row.Text(6));
  r.model_id = row.Text(7);
  r.created_at = row.Text(8);
  return r;
}

StatusChange ReadHistory(const sql::Statement& row) {
  StatusChange c;
  c.id = row.Int(0);
  c.model_id = row.Text(1);
  c.task = row.Text(2);
  c.from_status = row.Text(3);
  c.to_status = row.Text(4);
  c.reason = row.Text(5);
  c.forced = row.Int(6) != 0;
  c.gate_report_id = row.IsNull(7) ? 0 : row.Int(7);
  c.at = row.Text(8);
  if (!row.IsNull(9)) c.policy_hash = row.Text(9);
  if (!row.IsNull(10)) c.policy_change = row.Text(10);
  return c;
}

GatePolicyRecord ReadGatePolicy(const sql::Statement& row) {
  GatePolicyRecord p;
  p.id = row.Int(0);
  p.task = row.Text(1);
  p.settings = ParseJsonColumn(row.Text(2));
  p.hash = row.Text(3);
  p.reason = row.Text(4);
  p.history_id = row.IsNull(5) ? 0 : row.Int(5);
  p.gate_report_id = row.IsNull(6) ? 0 : row.Int(6);
  p.registered_at = row.Text(7);
  return p;
}

GateReportRecord ReadGateReport(const sql::Statement& row) {
  GateReportRecord g;
  g.id = row.Int(0);
  g.model_id = row.Text(1);
  g.task = row.Text(2);
  g.spec_hash = row.Text(3);
  g.baseline_model_id = row.Text(4);
  g.passed = row.Int(5) != 0;
  g.report = ParseJsonColumn(row.Text(6));
  g.created_at = row.Text(7);
  g.production_at_gate = row.IsNull(8) ? "" : row.Text(8);
  g.compared_with_production = row.Int(9) != 0;
  return g;
}

}  // namespace trainops::registry_rows
