// Opening a registry, and the runs and models it records. Status changes (promote,
// rollback, gate reports, history) are in status_changes.cc.
#include "registry/registry.h"

#include <sqlite3.h>
#include <time.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "common/fault_injection.h"
#include "registry/model_store.h"
#include "registry/registry_rows.h"
#include "registry/schema.h"
#include "registry/sqlite_db.h"

namespace trainops {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

constexpr int kBusyTimeoutMs = 30000;

// Switching a fresh database to WAL needs a moment with no other connection inside it;
// two processes opening a new registry at once can collide here, so wait like busy_timeout.
void EnableWal(sqlite::Database& db) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  while (true) {
    sqlite3_stmt* stmt = nullptr;
    std::string mode;
    int rc = sqlite3_prepare_v2(db.handle(), "PRAGMA journal_mode = WAL", -1, &stmt, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (mode == "wal") return;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED && rc != SQLITE_ROW) {
      db.Fail("cannot switch the registry to WAL mode");
    }
    if (rc == SQLITE_ROW) {
      throw InputError(fmt::format("{}: the registry cannot use WAL mode here (journal mode stays \"{}\"); "
                                   "put the registry on a local file system",
                                   db.path().string(), mode));
    }
    if (std::chrono::steady_clock::now() > deadline) db.Fail("timed out switching the registry to WAL mode");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<ModelRecord> FindModelById(sqlite::Database& db, const std::filesystem::path& models_dir,
                                         const std::string& id) {
  Statement s(db, fmt::format("SELECT {} FROM models WHERE id = ?1", registry_rows::kModelColumns));
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return registry_rows::ReadModel(s, models_dir);
}

}  // namespace

std::string ModelStatusName(ModelStatus status) {
  switch (status) {
    case ModelStatus::kCandidate:
      return "candidate";
    case ModelStatus::kProduction:
      return "production";
    case ModelStatus::kArchived:
      return "archived";
  }
  throw InternalError("unknown ModelStatus");
}

ModelStatus ParseModelStatus(const std::string& name) {
  for (ModelStatus s : {ModelStatus::kCandidate, ModelStatus::kProduction, ModelStatus::kArchived}) {
    if (ModelStatusName(s) == name) return s;
  }
  throw InputError(fmt::format("unknown model status \"{}\"{}; use candidate, production or archived", name,
                               DidYouMean(name, {"candidate", "production", "archived"})));
}

std::string NowIso8601Utc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
}

Registry::Registry(std::filesystem::path db_path, std::unique_ptr<sqlite::Database> db)
    : db_path_(std::move(db_path)), db_(std::move(db)) {}
Registry::~Registry() = default;
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;

Registry Registry::Open(const std::filesystem::path& db_path_in) {
  const std::filesystem::path db_path = std::filesystem::absolute(db_path_in);
  if (std::filesystem::is_directory(db_path)) {
    throw InputError(fmt::format("{}: is a folder; pass the registry database file, e.g. {}", db_path.string(),
                                 (db_path / "registry.db").string()));
  }
  std::error_code ec;
  std::filesystem::create_directories(db_path.parent_path(), ec);
  if (ec) {
    throw InputError(fmt::format("{}: cannot create the registry folder: {}; pass --registry with a writable path",
                                 db_path.parent_path().string(), ec.message()));
  }
  auto db = std::make_unique<sqlite::Database>(db_path);
  db->Exec(fmt::format("PRAGMA busy_timeout = {}", kBusyTimeoutMs));
  // Checks come before any pragma that writes, so a foreign or newer file stays untouched.
  registry_schema::CheckAndMigrate(*db);
  EnableWal(*db);
  // FULL: a committed promotion survives a power cut, not just a process crash.
  db->Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
  Registry registry(db_path, std::move(db));
  std::filesystem::create_directories(registry.models_dir(), ec);
  if (ec) {
    throw InputError(fmt::format("{}: cannot create the model store: {}", registry.models_dir().string(),
                                 ec.message()));
  }
  model_store::RemoveStaleTempFiles(registry.models_dir());
  return registry;
}

Registry Registry::OpenExisting(const std::filesystem::path& db_path) {
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec)) {
    throw InputError(fmt::format("{}: no registry here yet; `trainops train --task T.yaml` creates one next to "
                                 "the spec, or pass --registry with the right path",
                                 db_path.string()));
  }
  if (std::filesystem::is_regular_file(db_path, ec) && std::filesystem::file_size(db_path, ec) == 0 && !ec) {
    throw InputError(fmt::format("{}: the registry file is empty (0 bytes): it was truncated or damaged, or is not "
                                 "a registry; nothing was changed. Restore it from a backup (its models are in {}), "
                                 "or move it away so that `trainops train` starts a new registry",
                                 db_path.string(),
                                 (std::filesystem::absolute(db_path).parent_path() / "models").string()));
  }
  return Open(db_path);
}

std::string Registry::ResolveId(const char* table, const std::string& id_or_prefix) const {
  const std::string what = std::string(table) == "runs" ? "run" : "model";
  const std::string list_command = what == "run" ? "trainops runs list" : "trainops models list";
  if (id_or_prefix.empty()) {
    throw InputError(fmt::format("empty {} id; see `{}`", what, list_command));
  }
  Statement s(*db_, fmt::format("SELECT id FROM {} WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 6", table));
  s.Bind(1, id_or_prefix);
  std::vector<std::string> matches;
  while (s.Step()) {
    matches.push_back(s.Text(0));
    if (matches.back() == id_or_prefix) return id_or_prefix;
  }
  if (matches.empty()) {
    throw InputError(fmt::format("no {} with id starting \"{}\" in the registry {}; see `{}`", what, id_or_prefix,
                                 db_path_.string(), list_command));
  }
  if (matches.size() > 1) {
    if (matches.size() > 5) matches.back() = "...";
    throw InputError(fmt::format("{} id prefix \"{}\" is ambiguous (matches {}); give more characters",
                                 what, id_or_prefix, Join(matches, ", ")));
  }
  return matches.front();
}

ModelRecord Registry::RegisterModel(const std::filesystem::path& model_file, const std::string& task,
                                    const std::string& run_id, const nlohmann::json& metrics) {
  if (task.empty()) throw InputError(fmt::format("{}: registering a model needs a task name", model_file.string()));
  const std::string hash = ModelContentHash(model_file);
  if (auto existing = FindModelById(*db_, models_dir(), hash)) {
    // Recorded already; heal a store file someone deleted, since the row promises it.
    if (!std::filesystem::exists(existing->path)) model_store::Store(model_file, models_dir(), hash);
    return *existing;
  }
  // File first, row second: a crash in between leaves an unreferenced file, never a row
  // pointing at nothing.
  model_store::Store(model_file, models_dir(), hash);
  fault::MaybeKill(fault::kKillAfterModelCopy);
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  if (auto existing = FindModelById(*db_, models_dir(), hash)) return *existing;  // another process won
  Statement insert(*db_,
                   "INSERT INTO models (id, task, run_id, file_name, size_bytes, status, metrics_json, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, 'candidate', ?6, ?7)");
  const auto stored = model_store::StoredPath(models_dir(), hash);
  insert.Bind(1, hash)
      .Bind(2, task)
      .Bind(3, run_id)
      .Bind(4, stored.filename().string())
      .Bind(5, static_cast<int64_t>(std::filesystem::file_size(stored)))
      .Bind(6, metrics.is_null() ? std::string("{}") : metrics.dump())
      .Bind(7, NowIso8601Utc());
  insert.Run();
  tx.Commit();
  return *FindModelById(*db_, models_dir(), hash);
}

void Registry::RecordRun(const RunRecord& run) {
  if (run.id.empty() || run.task.empty()) throw InputError("a run record needs an id and a task name");
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  {
    Statement exists(*db_, "SELECT 1 FROM runs WHERE id = ?1");
    exists.Bind(1, run.id);
    if (exists.Step()) {
      throw InputError(fmt::format("run {} is already recorded in the registry {}", run.id, db_path_.string()));
    }
  }
  if (!run.model_id.empty() && !FindModelById(*db_, models_dir(), run.model_id)) {
    throw InputError(fmt::format("run {} names model {}, which the registry {} does not hold; register the model "
                                 "first",
                                 run.id, run.model_id, db_path_.string()));
  }
  Statement insert(*db_,
                   "INSERT INTO runs (id, task, spec_path, spec_hash, run_dir, run_json, checkpoints_json, model_id, "
                   "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  insert.Bind(1, run.id)
      .Bind(2, run.task)
      .Bind(3, run.spec_path)
      .Bind(4, run.spec_hash)
      .Bind(5, run.run_dir)
      .Bind(6, run.run.is_null() ? std::string("{}") : run.run.dump())
      .Bind(7, run.checkpoints.is_null() ? std::string("[]") : run.checkpoints.dump())
      .Bind(9, run.created_at.empty() ? NowIso8601Utc() : run.created_at);
  if (run.model_id.empty()) insert.BindNull(8);
  else insert.Bind(8, run.model_id);
  insert.Run();
  tx.Commit();
}

std::vector<RunRecord> Registry::ListRuns(const std::string& task) const {
  Statement s(*db_, fmt::format("SELECT {} FROM runs WHERE ?1 = '' OR task = ?1 ORDER BY created_at, id",
                                registry_rows::kRunColumns));
  s.Bind(1, task);
  std::vector<RunRecord> runs;
  while (s.Step()) runs.push_back(registry_rows::ReadRun(s));
  return runs;
}

RunRecord Registry::GetRun(const std::string& id_or_prefix) const {
  Statement s(*db_, fmt::format("SELECT {} FROM runs WHERE id = ?1", registry_rows::kRunColumns));
  s.Bind(1, ResolveId("runs", id_or_prefix));
  if (!s.Step()) throw InputError(fmt::format("run {} vanished from the registry", id_or_prefix));
  return registry_rows::ReadRun(s);
}

std::vector<ModelRecord> Registry::ListModels(const std::string& task) const {
  Statement s(*db_, fmt::format("SELECT {} FROM models WHERE ?1 = '' OR task = ?1 ORDER BY created_at, id",
                                registry_rows::kModelColumns));
  s.Bind(1, task);
  std::vector<ModelRecord> models;
  while (s.Step()) models.push_back(registry_rows::ReadModel(s, models_dir()));
  return models;
}

ModelRecord Registry::GetModel(const std::string& id_or_prefix) const {
  auto model = FindModelById(*db_, models_dir(), ResolveId("models", id_or_prefix));
  if (!model) throw InputError(fmt::format("model {} vanished from the registry", id_or_prefix));
  return *model;
}

std::optional<ModelRecord> Registry::FindModelByFile(const std::filesystem::path& model_file) const {
  return FindModelById(*db_, models_dir(), ModelContentHash(model_file));
}

std::optional<ModelRecord> Registry::Production(const std::string& task) const {
  Statement s(*db_, fmt::format("SELECT {} FROM models WHERE task = ?1 AND status = 'production'",
                                registry_rows::kModelColumns));
  s.Bind(1, task);
  if (!s.Step()) return std::nullopt;
  return registry_rows::ReadModel(s, models_dir());
}

}  // namespace trainops
