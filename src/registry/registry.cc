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
#include "common/atomic_file.h"
#include "registry/model_store.h"
#include "registry/postgres_db.h"
#include "registry/registry_location.h"
#include "registry/registry_rows.h"
#include "registry/schema.h"
#include "registry/sqlite_db.h"

namespace trainops {
namespace {

using sql::Statement;
using sql::Transaction;

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

Registry::Registry(std::filesystem::path db_path, std::filesystem::path models_dir, std::unique_ptr<sql::Database> db)
    : db_path_(std::move(db_path)),
      models_dir_(std::move(models_dir)),
      shared_(db->backend() == sql::Backend::kPostgres),
      db_(std::move(db)) {}
Registry::~Registry() = default;
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;

Registry Registry::OpenPostgres(const std::string& location, bool create) {
  auto db = std::make_unique<postgres::Database>(location);
  registry_schema::CheckAndMigratePostgres(*db, create);
  const std::filesystem::path cache = ModelCacheDir();
  std::error_code ec;
  std::filesystem::create_directories(cache, ec);
  if (ec) {
    throw InputError(fmt::format("{}: cannot create the model cache: {}; set TRAINOPS_MODEL_CACHE to a writable folder",
                                 cache.string(), ec.message()));
  }
  model_store::RemoveStaleTempFiles(cache);
  const std::string shown = db->where();
  return Registry(shown, cache, std::move(db));
}

Registry Registry::Open(const std::filesystem::path& db_path_in) {
  if (IsPostgresLocation(db_path_in.string())) return OpenPostgres(db_path_in.string(), /*create=*/true);
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
  Registry registry(db_path, db_path.parent_path() / "models", std::move(db));
  std::filesystem::create_directories(registry.models_dir(), ec);
  if (ec) {
    throw InputError(fmt::format("{}: cannot create the model store: {}", registry.models_dir().string(),
                                 ec.message()));
  }
  model_store::RemoveStaleTempFiles(registry.models_dir());
  return registry;
}

Registry Registry::OpenExisting(const std::filesystem::path& db_path) {
  if (IsPostgresLocation(db_path.string())) return OpenPostgres(db_path.string(), /*create=*/false);
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

std::optional<ModelRecord> Registry::FindModel(const std::string& id) const {
  Statement s(*db_, fmt::format("SELECT {} FROM models WHERE id = ?1", registry_rows::kModelColumns));
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  ModelRecord model = registry_rows::ReadModel(s, models_dir());
  Materialize(model);
  return model;
}

void Registry::Materialize(const ModelRecord& record) const {
  if (!shared_) return;
  std::error_code ec;
  if (std::filesystem::is_regular_file(record.path, ec)) {
    // Verified on every fetch: a cache someone edited is refetched, never served.
    try {
      if (ModelContentHash(record.path) == record.id) return;
    } catch (const InputError&) {
    }
  }
  Statement s(*db_, "SELECT bytes FROM model_files WHERE id = ?1");
  s.Bind(1, record.id);
  if (!s.Step()) {
    throw InputError(fmt::format("{}: model {} has no stored bytes (model_files); the registry is damaged: "
                                 "register the model file again with `trainops models register`",
                                 db_->where(), record.id));
  }
  const std::string bytes = s.Blob(0);
  if (ModelContentHashOfBytes(bytes) != record.id) {
    throw InputError(fmt::format("{}: the stored bytes of model {} do not match its id; the registry is damaged: "
                                 "register the model file again",
                                 db_->where(), record.id));
  }
  WriteFileAtomically(record.path, bytes);
}

void Registry::InsertModelRow(const std::string& hash, const std::string& task, const std::string& run_id,
                              uint64_t size_bytes, const nlohmann::json& metrics) {
  Statement insert(*db_,
                   "INSERT INTO models (id, task, run_id, file_name, size_bytes, status, metrics_json, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, 'candidate', ?6, ?7)");
  insert.Bind(1, hash)
      .Bind(2, task)
      .Bind(3, run_id)
      .Bind(4, model_store::StoredPath(models_dir(), hash).filename().string())
      .Bind(5, static_cast<int64_t>(size_bytes))
      .Bind(6, metrics.is_null() ? std::string("{}") : metrics.dump())
      .Bind(7, NowIso8601Utc());
  insert.Run();
}

ModelRecord Registry::RegisterModelBytes(const std::string& bytes, const std::string& hash, const std::string& task,
                                         const std::string& run_id, const nlohmann::json& metrics) {
  {
    Transaction tx(*db_, Transaction::Mode::kImmediate);
    Statement exists(*db_, "SELECT 1 FROM models WHERE id = ?1");
    exists.Bind(1, hash);
    if (!exists.Step()) {
      // Bytes and row in one transaction: the database never holds one without the other.
      Statement file(*db_, "INSERT INTO model_files (id, bytes) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING");
      file.Bind(1, hash).BindBlob(2, bytes);
      file.Run();
      InsertModelRow(hash, task, run_id, bytes.size(), metrics);
      tx.Commit();
    }
  }
  const auto cached = model_store::StoredPath(models_dir(), hash);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(cached, ec)) WriteFileAtomically(cached, bytes);
  return *FindModel(hash);
}

ModelRecord Registry::RegisterModel(const std::filesystem::path& model_file, const std::string& task,
                                    const std::string& run_id, const nlohmann::json& metrics) {
  if (task.empty()) throw InputError(fmt::format("{}: registering a model needs a task name", model_file.string()));
  if (shared_) {
    // Read once: the bytes hashed are the bytes stored.
    const std::string bytes = ReadFile(model_file);
    return RegisterModelBytes(bytes, ModelContentHashOfBytes(bytes), task, run_id, metrics);
  }
  const std::string hash = ModelContentHash(model_file);
  if (auto existing = FindModel(hash)) {
    // Recorded already; heal a store file someone deleted, since the row promises it.
    if (!std::filesystem::exists(existing->path)) model_store::Store(model_file, models_dir(), hash);
    return *existing;
  }
  // File first, row second: a crash in between leaves an unreferenced file, never a row
  // pointing at nothing.
  model_store::Store(model_file, models_dir(), hash);
  fault::MaybeKill(fault::kKillAfterModelCopy);
  Transaction tx(*db_, Transaction::Mode::kImmediate);
  if (auto existing = FindModel(hash)) return *existing;  // another process won
  InsertModelRow(hash, task, run_id, std::filesystem::file_size(model_store::StoredPath(models_dir(), hash)), metrics);
  tx.Commit();
  return *FindModel(hash);
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
  if (!run.model_id.empty() && !FindModel(run.model_id)) {
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
  auto model = FindModel(ResolveId("models", id_or_prefix));
  if (!model) throw InputError(fmt::format("model {} vanished from the registry", id_or_prefix));
  return *model;
}

std::string Registry::ModelBytes(const std::string& id_or_prefix) const {
  const ModelRecord model = GetModel(id_or_prefix);
  std::string bytes;
  try {
    bytes = ReadFile(model.path);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("model {}: its stored file {} cannot be read ({}); the store is damaged: register "
                                 "the model file again",
                                 model.id, model.path.string(), e.what()));
  }
  if (ModelContentHashOfBytes(bytes) != model.id) {
    throw InputError(fmt::format("model {}: the stored file {} does not match its id (it was changed or damaged); "
                                 "register the model file again",
                                 model.id, model.path.string()));
  }
  return bytes;
}

std::optional<ModelRecord> Registry::FindModelByFile(const std::filesystem::path& model_file) const {
  return FindModel(ModelContentHash(model_file));
}

std::optional<ModelRecord> Registry::Production(const std::string& task) const {
  Statement s(*db_, fmt::format("SELECT {} FROM models WHERE task = ?1 AND status = 'production'",
                                registry_rows::kModelColumns));
  s.Bind(1, task);
  if (!s.Step()) return std::nullopt;
  ModelRecord model = registry_rows::ReadModel(s, models_dir());
  Materialize(model);
  return model;
}

}  // namespace trainops
