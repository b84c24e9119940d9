// The SQLite backend of the registry's database (sql_db.h): a connection to one file. Every
// SQLite failure becomes an InputError naming the file and what to do.
//
// Ownership: owns its sqlite3 connection; statements it prepares borrow it.
// Thread-safety: none (opened with SQLITE_OPEN_NOMUTEX); one connection per thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "registry/sql_db.h"

struct sqlite3;

namespace trainops::sqlite {

class Database final : public sql::Database {
 public:
  // Opens (creating when missing) the database file. Sets nothing else: the registry
  // decides pragmas only after it has checked that the file is its own.
  explicit Database(const std::filesystem::path& path);
  ~Database() override;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sql::Backend backend() const override { return sql::Backend::kSqlite; }
  const std::string& where() const override { return where_; }
  void Exec(std::string_view sql) override;
  std::unique_ptr<sql::Cursor> Prepare(std::string_view sql) override;
  int64_t LastInsertId() override;
  void Begin(TxMode mode) override;
  void Commit() override;
  void Rollback() noexcept override;

  // The last SQLite result code and message, as an InputError naming the file and `what`.
  [[noreturn]] void Fail(std::string_view what) const;
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::string where_;
};

}  // namespace trainops::sqlite
