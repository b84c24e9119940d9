// The registry's view of a SQL database, whichever engine holds it: SQLite (a file next to
// the task spec, the embedded default; sqlite_db.h) or PostgreSQL (a server several hosts
// share; postgres_db.h). The registry's queries are written once, in the SQL both engines
// accept (parameters as ?1, ?2: the PostgreSQL backend renumbers them as $1, $2), so the
// two backends cannot drift apart in what they record or refuse.
//
// Ownership: a Statement and a Transaction borrow their Database, which must outlive them.
// Thread-safety: none; one Database (connection) per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace trainops::sql {

enum class Backend { kSqlite, kPostgres };

// One prepared statement of a backend: parameters bound by 1-based index, rows read by
// 0-based column.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void BindText(int index, std::string_view text) = 0;
  virtual void BindBlob(int index, std::string_view bytes) = 0;
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindDouble(int index, double value) = 0;
  virtual void BindNull(int index) = 0;
  // Runs the statement on the first call; advances to the next row; false when done.
  virtual bool Step() = 0;
  // Ready to run again with new bindings (all cleared to NULL).
  virtual void Reset() = 0;
  virtual std::string Text(int column) const = 0;
  virtual std::string Blob(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
  // Rows the statement inserted, updated or deleted (after it ran).
  virtual int64_t Changes() const = 0;
};

class Database {
 public:
  // kImmediate takes the registry's write lock at BEGIN (SQLite: BEGIN IMMEDIATE;
  // PostgreSQL: a transaction-scoped advisory lock), so a read-modify-write cannot be
  // overtaken by another writer between its read and its write: the others wait.
  enum class TxMode { kDeferred, kImmediate };

  virtual ~Database() = default;
  virtual Backend backend() const = 0;
  // For messages: the file's path, or the server's URL with any password removed.
  virtual const std::string& where() const = 0;
  // Runs statements that return no rows the caller needs.
  virtual void Exec(std::string_view sql) = 0;
  virtual std::unique_ptr<Cursor> Prepare(std::string_view sql) = 0;
  // The id the last INSERT into a table with a generated id gave its row.
  virtual int64_t LastInsertId() = 0;
  virtual void Begin(TxMode mode) = 0;
  virtual void Commit() = 0;
  virtual void Rollback() noexcept = 0;
};

// A statement with the API the registry's code uses; see Cursor.
class Statement {
 public:
  Statement(Database& db, std::string_view sql) : cursor_(db.Prepare(sql)) {}
  Statement& Bind(int index, std::string_view text) {
    cursor_->BindText(index, text);
    return *this;
  }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, int64_t value) {
    cursor_->BindInt(index, value);
    return *this;
  }
  Statement& Bind(int index, double value) {
    cursor_->BindDouble(index, value);
    return *this;
  }
  Statement& BindBlob(int index, std::string_view bytes) {
    cursor_->BindBlob(index, bytes);
    return *this;
  }
  Statement& BindNull(int index) {
    cursor_->BindNull(index);
    return *this;
  }
  // Binds NULL for 0, so optional foreign keys stay NULL rather than pointing nowhere.
  Statement& BindIdOrNull(int index, int64_t id) { return id == 0 ? BindNull(index) : Bind(index, id); }
  bool Step() { return cursor_->Step(); }
  // Steps a statement that returns no rows (INSERT, UPDATE, ...).
  void Run() {
    while (Step()) {
    }
  }
  void Reset() { cursor_->Reset(); }
  std::string Text(int column) const { return cursor_->Text(column); }
  std::string Blob(int column) const { return cursor_->Blob(column); }
  int64_t Int(int column) const { return cursor_->Int(column); }
  double Double(int column) const { return cursor_->Double(column); }
  bool IsNull(int column) const { return cursor_->IsNull(column); }
  int64_t Changes() const { return cursor_->Changes(); }

 private:
  std::unique_ptr<Cursor> cursor_;
};

// A transaction that rolls back when destroyed without Commit().
class Transaction {
 public:
  using Mode = Database::TxMode;
  Transaction(Database& db, Mode mode) : db_(db) {
    db_.Begin(mode);
    open_ = true;
  }
  ~Transaction() {
    if (open_) db_.Rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit() {
    db_.Commit();
    open_ = false;
  }

 private:
  Database& db_;
  bool open_ = false;
};

}  // namespace trainops::sql
