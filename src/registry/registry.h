// The model registry (issue 6): a database of training runs, models and every change of a
// model's status, plus a content-addressed store of the model files. It lives in a SQLite
// file next to the task spec (the default) or on a PostgreSQL server that several hosts
// share (issue 24: serve replicas, the weekly job and training on other machines); both
// backends hold the same records with the same guarantees. It is
// what lets a team say which model serves a task, why, on which gate report it rests, and
// go back to the previous one. Guarantees (tested in tests/registry/): every write is one
// transaction in WAL mode; at most one production model per task, enforced by the
// database; a crash never leaves a model row without its file; promotions without a
// passing gate report compared with the current production model are refused unless
// forced with a reason. See docs/registry.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

namespace sql {
class Database;
}

enum class ModelStatus { kCandidate, kProduction, kArchived };
std::string ModelStatusName(ModelStatus status);  // "candidate" | "production" | "archived"
// Throws InputError listing the valid names.
ModelStatus ParseModelStatus(const std::string& name);

// One `trainops train` run.
struct RunRecord {
  std::string id;  // "run-20260101T120000-ab12"
  std::string task;
  std::string spec_path;
  std::string spec_hash;  // FileFingerprint of the spec file; "" when trained from flags
  std::string run_dir;
  nlohmann::json run;          // run.json: hyper-parameters, data hashes, chosen checkpoint, wall time, check_data
  nlohmann::json checkpoints;  // array: one object per metrics.jsonl line
  std::string model_id;        // the model the run produced; "" = none
  std::string created_at;      // ISO-8601 UTC; "" = now when recorded
};

struct ModelRecord {
  std::string id;  // content hash, 32 hex chars
  std::string task;
  std::string run_id;
  std::filesystem::path path;  // absolute path of the stored copy
  uint64_t size_bytes = 0;
  ModelStatus status = ModelStatus::kCandidate;
  nlohmann::json metrics;
  std::string created_at;
};

// One row of the status history. Promote and Rollback return the row that moved the model
// they were asked about; `changed` is false when nothing needed to change (the model
// already was production), and then `id` is 0.
struct StatusChange {
  int64_t id = 0;
  std::string model_id, task, from_status, to_status, reason;
  bool forced = false;
  int64_t gate_report_id = 0;  // 0 = none
  std::string at;
  bool changed = true;
  std::string archived_model_id;  // Promote/Rollback: the production model it replaced, "" = none
  // Set when this promotion registered the task's gate policy (GatePolicyRecord): its
  // hash and why ("first promotion through the gates", "stricter settings", or the reason
  // given with new_policy).
  std::string policy_hash, policy_change;
};

// The task's registered gate policy (registry/gate_policy.h): the gate settings that no
// promotion through the gates may loosen. The newest record per task is in force.
struct GatePolicyRecord {
  int64_t id = 0;
  std::string task;
  nlohmann::json settings;  // a gate report's "settings"
  std::string hash;
  std::string reason;
  int64_t history_id = 0;      // the promotion that registered it
  int64_t gate_report_id = 0;  // the report whose settings these are
  std::string registered_at;
};

struct GateReportRecord {
  int64_t id = 0;
  std::string model_id, task, spec_hash, baseline_model_id;
  bool passed = false;
  nlohmann::json report;
  std::string created_at;  // "" = now when recorded
  // The task's production model when the gates ran ("" = the task had none). Promote
  // requires it to still be the production model, so a pass against an older production
  // model (or against none) cannot replace a newer one.
  std::string production_at_gate;
  // True when the regression gate compared the candidate with production_at_gate (or, with
  // no production model, when the gate was asked to regress against production). Reports
  // against another baseline, "none", or with the regression gate disabled while a
  // production model exists are comparisons: recorded, but they never promote.
  // RecordGateReport refuses a true value with a baseline_model_id other than
  // production_at_gate.
  bool compared_with_production = false;
};

struct PromoteRequest {
  std::string model_id;  // full id or unique prefix
  std::string reason;
  std::string spec_hash;  // the spec whose gates the model must have passed
  bool force = false;     // promote without a passing gate report; needs a reason
  // Promote through the gates even though the report's settings loosen the task's
  // registered gate policy, and register them as the new policy; needs a reason, kept
  // with the policy and shown in the history. Not with `force`.
  bool new_policy = false;
};

// The drift loop's records (docs/monitoring.md).
struct MonitorRunRecord {
  int64_t id = 0;
  std::string task, model_id, window_key, source, window_first, window_last;
  std::vector<std::string> alerts;
  nlohmann::json report;
  std::string created_at;
};
struct FeedbackRow {
  std::string row_key;  // the message's id, or a digest of it: the same row is kept once
  std::string text, label, source;
  int64_t cycle_id = 0;  // the cycle that recorded it (0 = none)
  bool holdout = false;  // kept out of the candidate's training to gate it
};
// A message a cycle asked agents to label (`cycle --label-budget`).
struct SelectionRow {
  std::string row_key, text;
  std::string stratum;         // "ranked" (picked for being informative) or "random" (the uniform share)
  double estimate_weight = 1;  // traffic rows it stands for in accuracy estimates
  int64_t rank = 0;            // position in the list agents got (0 = first)
  int64_t cycle_id = 0;
};
struct CycleRecord {
  int64_t id = 0;
  std::string task, window_key, source, window_first, window_last;
  bool triggered = false, retrained = false, promoted = false;
  std::string candidate, production;
  std::vector<std::string> fired;  // retrain triggers that alerted (for hysteresis)
  nlohmann::json report;
  std::string created_at;
};

class Registry {
 public:
  // `location`: a SQLite file path, or a PostgreSQL URL / conninfo (registry_location.h).
  // Creates the folder and the database (SQLite) or the tables (PostgreSQL) when missing;
  // migrates an older registry; refuses (InputError) a newer one, a file that is not
  // SQLite, a database of someone else's, a location with a password in it, or a server it
  // cannot reach (the message names it, password removed). Removes temp files of
  // interrupted model copies.
  static Registry Open(const std::filesystem::path& location);
  // For commands that only read or move what is recorded: refuses (InputError) a path with
  // no registry, an empty (0-byte) file, or a PostgreSQL database without the registry's
  // tables instead of creating one, so a mistyped location or a truncated registry is
  // reported, never silently replaced by a new, empty one.
  static Registry OpenExisting(const std::filesystem::path& location);
  ~Registry();
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // For messages and records: the SQLite file, or the server's URL without a password.
  const std::filesystem::path& db_path() const { return db_path_; }
  // True on PostgreSQL: the registry is shared by hosts, models' bytes live in the database.
  bool shared() const { return shared_; }
  // The folder holding the database and models/ (SQLite), or this host's model cache.
  std::filesystem::path root() const { return models_dir_.parent_path(); }
  // Where model files are: the store next to the SQLite file, or on PostgreSQL this host's
  // cache by content hash (ModelCacheDir()), filled and verified when a model is fetched by
  // GetModel, FindModelByFile, Production or RegisterModel (ListModels names paths that may
  // not be cached yet).
  const std::filesystem::path& models_dir() const { return models_dir_; }

  // Stores a copy of the file and records it as a candidate; identical bytes registered
  // again return the existing record unchanged.
  ModelRecord RegisterModel(const std::filesystem::path& model_file, const std::string& task,
                            const std::string& run_id, const nlohmann::json& metrics);
  void RecordRun(const RunRecord& run);
  std::vector<RunRecord> ListRuns(const std::string& task = "") const;
  // Throws InputError for an unknown or ambiguous id prefix.
  RunRecord GetRun(const std::string& id_or_prefix) const;
  std::vector<ModelRecord> ListModels(const std::string& task = "") const;
  ModelRecord GetModel(const std::string& id_or_prefix) const;
  std::optional<ModelRecord> FindModelByFile(const std::filesystem::path& model_file) const;
  // The model's bytes, checked against its id (InputError naming the store when they differ).
  std::string ModelBytes(const std::string& id_or_prefix) const;
  std::optional<ModelRecord> Production(const std::string& task) const;

  int64_t RecordGateReport(const GateReportRecord& report);
  // The newest report for (model, spec); the model's full id.
  std::optional<GateReportRecord> LatestGateReport(const std::string& model_id, const std::string& spec_hash) const;
  // One report by its id; nullopt when there is none.
  std::optional<GateReportRecord> GetGateReport(int64_t id) const;
  // Every report of a model (full id), newest first.
  std::vector<GateReportRecord> GateReports(const std::string& model_id) const;
  // The newest of those whose regression gate compared the model with production: the one
  // Promote judges.
  std::optional<GateReportRecord> LatestProductionGateReport(const std::string& model_id,
                                                             const std::string& spec_hash) const;

  // The policy, checked in the transaction that changes the status: the model's latest
  // report for (model, spec_hash) that was compared with production must have passed, and
  // the production model it was compared with must still be the task's production model
  // (both none is fine: a first release). Comparison reports are ignored. `force` skips
  // the check and is recorded in the history. The report's gate settings must not loosen
  // the task's registered gate policy (unless new_policy); a promotion through the gates
  // registers them when the task has no policy yet or they differ from it (gate_policies).
  // Throws CheckFailedError when the policy
  // refuses (the message says how to get a report that counts), InputError for an unknown
  // model or --force without a reason.
  StatusChange Promote(const PromoteRequest& request);
  // The task's gate policy in force; nullopt before its first promotion through the gates.
  std::optional<GatePolicyRecord> RegisteredPolicy(const std::string& task) const;
  // Every policy the task has had, oldest first.
  std::vector<GatePolicyRecord> PolicyHistory(const std::string& task) const;
  // Makes the model that was production before the current one production again. Throws
  // CheckFailedError when there is no production model or none before it.
  StatusChange Rollback(const std::string& task, const std::string& reason);
  // Oldest first; filters are optional.
  std::vector<StatusChange> History(const std::string& task = "", const std::string& model_id = "") const;

  // Keeps a monitor report; the same (task, model, window) again replaces the earlier one.
  int64_t RecordMonitorRun(const MonitorRunRecord& run);
  // The task's newest `limit` runs, oldest first.
  std::vector<MonitorRunRecord> MonitorRuns(const std::string& task, size_t limit = 104) const;
  // Records a cycle and the labelled rows of its window in one transaction; rows whose
  // row_key the task already has are skipped. Returns the cycle's id; `added` receives how
  // many rows were new.
  // A row whose row_key the task has with another label is relabelled (the latest label
  // wins, and the row moves to this cycle). `selection` is what the cycle asked agents to
  // label next, kept in the same transaction.
  int64_t RecordCycle(const CycleRecord& cycle, const std::vector<FeedbackRow>& feedback, size_t* added = nullptr,
                      const std::vector<SelectionRow>& selection = {});
  // The newest selection entry of each row key of the task.
  std::map<std::string, SelectionRow> Selections(const std::string& task) const;
  // All of a task's feedback, oldest first (a relabelled row counts from its relabelling).
  std::vector<FeedbackRow> Feedback(const std::string& task) const;
  // The task's cycles, oldest first; with after_id, only those recorded after it (cycles
  // are never changed once recorded, so a reader can keep what it has read).
  std::vector<CycleRecord> Cycles(const std::string& task, int64_t after_id = 0) const;
  // How many cycles the task has.
  int64_t CycleCount(const std::string& task) const;

 private:
  friend struct RegistryCopyResult CopyRegistry(const Registry& from, Registry& to);
  Registry(std::filesystem::path db_path, std::filesystem::path models_dir, std::unique_ptr<sql::Database> db);
  static Registry OpenPostgres(const std::string& location, bool create);
  std::string ResolveId(const char* table, const std::string& id_or_prefix) const;
  std::optional<ModelRecord> FindModel(const std::string& id) const;
  // PostgreSQL: makes record.path a verified copy of the model's bytes in this host's cache.
  void Materialize(const ModelRecord& record) const;
  // The models row of a new candidate (in the caller's transaction).
  void InsertModelRow(const std::string& hash, const std::string& task, const std::string& run_id,
                      uint64_t size_bytes, const nlohmann::json& metrics);
  ModelRecord RegisterModelBytes(const std::string& bytes, const std::string& hash, const std::string& task,
                                 const std::string& run_id, const nlohmann::json& metrics);

  std::filesystem::path db_path_;
  std::filesystem::path models_dir_;
  bool shared_ = false;
  std::unique_ptr<sql::Database> db_;
};

// Where the files that go with a registry live on this host (traffic.db, cycles/): next to a
// SQLite registry; for a PostgreSQL registry, .trainops next to the spec (or in the current
// folder without one).
std::filesystem::path RegistrySideDir(const std::filesystem::path& registry, const std::filesystem::path& spec_path);
// The traffic log that goes with a registry when none is named: traffic.db next to a SQLite
// registry; for a PostgreSQL registry the same database (a log shared by every replica).
std::filesystem::path DefaultTrafficLog(const std::filesystem::path& registry, const std::filesystem::path& spec_path);
// <spec folder>/.trainops/registry.db
std::filesystem::path DefaultRegistryPath(const std::filesystem::path& spec_path);
// .trainops/registry.db in `start` or the nearest parent that has one.
std::optional<std::filesystem::path> DiscoverRegistry(const std::filesystem::path& start);

// 32 hex digits: XXH3-128 of the file's bytes (the model's id). Throws InputError naming the file.
std::string ModelContentHash(const std::filesystem::path& model_file);
// The same id for a model file's bytes held in memory.
std::string ModelContentHashOfBytes(std::string_view bytes);

// Current time as ISO-8601 UTC with milliseconds ("2026-01-01T12:00:00.000Z").
std::string NowIso8601Utc();

}  // namespace trainops
