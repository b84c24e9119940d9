#include "registry/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops::sqlite {

Database::Database(const std::filesystem::path& path) : path_(path), where_(path.string()) {
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(fmt::format("{}: cannot open the registry database: {}; check that the folder exists "
                                 "and is writable, or pass --registry PATH",
                                 path.string(), message));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  // sqlite3_close_v2 defers the close until the last statement is finalized; every
  // Statement is RAII-scoped, so by now there are none.
  if (db_) sqlite3_close_v2(db_);
}

void Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw InputError(fmt::format("{}: registry database error: {}", path_.string(), message));
  }
}

void Database::Fail(std::string_view what) const {
  int code = sqlite3_errcode(db_);
  std::string hint;
  if ((code & 0xff) == SQLITE_BUSY) {
    hint = "; another trainops process held the registry for too long, try again";
  } else if ((code & 0xff) == SQLITE_READONLY || (code & 0xff) == SQLITE_CANTOPEN) {
    hint = "; check that the registry folder and its files are writable";
  } else if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT) {
    hint = "; this file is not a trainops registry: pass --registry with another path";
  }
  throw InputError(fmt::format("{}: {}: {}{}", path_.string(), what, sqlite3_errmsg(db_), hint));
}

int64_t Database::LastInsertId() { return sqlite3_last_insert_rowid(db_); }

namespace {

class SqliteCursor final : public sql::Cursor {
 public:
  SqliteCursor(Database& db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
      db.Fail(fmt::format("cannot prepare \"{}\"", sql.substr(0, 60)));
    }
  }
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }

  void BindText(int index, std::string_view text) override {
    Check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
  }
  void BindBlob(int index, std::string_view bytes) override {
    Check(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  }
  void BindInt(int index, int64_t value) override { Check(sqlite3_bind_int64(stmt_, index, value)); }
  void BindDouble(int index, double value) override { Check(sqlite3_bind_double(stmt_, index, value)); }
  void BindNull(int index) override { Check(sqlite3_bind_null(stmt_, index)); }

  bool Step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes64(db_.handle());
      return false;
    }
    db_.Fail("query failed");
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    changes_ = 0;
  }
  std::string Text(int column) const override {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (!text) return "";
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::string Blob(int column) const override {
    const void* bytes = sqlite3_column_blob(stmt_, column);
    if (!bytes) return "";
    return std::string(static_cast<const char*>(bytes), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const override { return sqlite3_column_double(stmt_, column); }
  bool IsNull(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int64_t Changes() const override { return changes_; }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) db_.Fail("cannot bind a parameter");
  }
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  int64_t changes_ = 0;
};

}  // namespace

std::unique_ptr<sql::Cursor> Database::Prepare(std::string_view sql) {
  return std::make_unique<SqliteCursor>(*this, sql);
}

void Database::Begin(TxMode mode) { Exec(mode == TxMode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"); }

void Database::Commit() { Exec("COMMIT"); }

void Database::Rollback() noexcept { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

}  // namespace trainops::sqlite
