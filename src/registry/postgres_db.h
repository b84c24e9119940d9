// The PostgreSQL backend of the registry's database (sql_db.h), over libpq's C API (the
// same thin RAII shape as the SQLite backend; libpqxx would add a dependency for the few
// calls used here). One connection to one server; every failure becomes an InputError
// naming the server (password removed, registry_location.h) and what to do.
//
// Queries keep the registry's ?N parameters; they are renumbered as $N here. Parameters
// are sent typed (text, bigint, double precision, bytea), so the server never has to guess.
//
// Ownership: owns its PGconn; statements it prepares borrow it.
// Thread-safety: none; one connection per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "registry/sql_db.h"

struct pg_conn;
struct pg_result;

namespace trainops::postgres {

// The advisory lock keys trainops takes (pg_advisory_xact_lock(kLockSpace, key)).
inline constexpr int kLockSpace = 0x74726e6f;  // "trno"
inline constexpr int kWriteLock = 1;            // every registry write transaction
inline constexpr int kMigrateLock = 2;          // schema migration

class Database final : public sql::Database {
 public:
  // Connects (libpq's URL or conninfo; password from PGPASSWORD / ~/.pgpass). Throws
  // InputError naming the server when it cannot.
  explicit Database(const std::string& location);
  ~Database() override;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sql::Backend backend() const override { return sql::Backend::kPostgres; }
  const std::string& where() const override { return where_; }
  void Exec(std::string_view sql) override;
  std::unique_ptr<sql::Cursor> Prepare(std::string_view sql) override;
  int64_t LastInsertId() override;
  void Begin(TxMode mode) override;
  void Commit() override;
  void Rollback() noexcept override;

  // Throws InputError: `what`, the server's message and a hint for the failure's class.
  [[noreturn]] void Fail(std::string_view what, const pg_result* result) const;
  pg_conn* handle() const { return conn_; }
  bool connected() const;
  // Re-establishes a connection the server dropped (after a restart); a no-op otherwise.
  void Reconnect();

 private:
  pg_conn* conn_ = nullptr;
  std::string where_;
  bool in_transaction_ = false;  // a dropped connection is then an error, never silently replaced
};

// Holds the migration lock (kMigrateLock) for the session while in scope: taken before a
// transaction that creates tables, since a transaction that began before the lock was
// granted could still hold catalog lookups from before another process committed its
// tables (PostgreSQL refreshes them at a transaction's start).
class MigrationLock {
 public:
  explicit MigrationLock(sql::Database& db);
  ~MigrationLock();  // a lost connection has released it already
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  sql::Database& db_;
};

// "?1 ... ?12" as "$1 ... $12" outside quoted strings and identifiers; `max_index` gets the
// highest parameter number. Throws InternalError for a bare '?'.
std::string RenumberParameters(std::string_view sql, int* max_index);

}  // namespace trainops::postgres
