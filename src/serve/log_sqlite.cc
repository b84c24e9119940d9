#include "serve/log_sqlite.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops::serve {
namespace {

std::string SqliteMessage(sqlite3* db) { return db ? sqlite3_errmsg(db) : "out of memory"; }

}  // namespace

sqlite3* OpenLogDb(const std::filesystem::path& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = SqliteMessage(db);
    sqlite3_close(db);
    throw InputError(fmt::format("{}: cannot open the traffic log: {}; check that the folder exists and is "
                                 "writable, or pass --traffic-log PATH",
                                 path.string(), message));
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

void ExecLog(sqlite3* db, const std::filesystem::path& path, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : SqliteMessage(db);
    sqlite3_free(error);
    throw InputError(fmt::format("{}: traffic log: {}", path.string(), message));
  }
}

bool HasTable(sqlite3* db, const std::filesystem::path& path, const char* table) {
  LogStmt q(db, path, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  q.Text(1, table);
  return q.Step();
}

LogStmt::LogStmt(sqlite3* db, const std::filesystem::path& path, const char* sql) : db_(db), path_(path) {
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) Fail("prepare");
}

LogStmt::~LogStmt() { sqlite3_finalize(stmt_); }

void LogStmt::Text(int i, const std::string& v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) Fail("bind");
}
void LogStmt::Int(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) Fail("bind");
}
void LogStmt::Real(int i, double v) {
  if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK) Fail("bind");
}

bool LogStmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail("step");
}

void LogStmt::RunAndReset() {
  try {
    Step();
  } catch (...) {
    Reset();
    throw;
  }
  Reset();
}

void LogStmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string LogStmt::ColText(int i) const {
  const auto* p = sqlite3_column_text(stmt_, i);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, i)) : std::string();
}
double LogStmt::ColReal(int i) const { return sqlite3_column_double(stmt_, i); }
int64_t LogStmt::ColInt(int i) const { return sqlite3_column_int64(stmt_, i); }

void LogStmt::Fail(const char* what) {
  throw InputError(fmt::format("{}: traffic log {}: {}", path_.string(), what, SqliteMessage(db_)));
}

}  // namespace trainops::serve
