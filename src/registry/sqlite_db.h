// A thin RAII layer over the sqlite3 C API for the registry: a connection, prepared
// statements and transactions that roll back unless committed. It exists so that no
// registry code can leak a statement or leave a transaction open when it throws, and so
// that every SQLite failure becomes an InputError naming the database file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace trainops::sqlite {

class Database {
 public:
  // Opens (creating when missing) the database file. Sets nothing else: the registry
  // decides pragmas only after it has checked that the file is its own.
  explicit Database(const std::filesystem::path& path);
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows the caller needs.
  void Exec(std::string_view sql);
  // The last SQLite result code and message, as an InputError naming the file and `what`.
  [[noreturn]] void Fail(std::string_view what) const;
  int64_t LastInsertId() const;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQL's "?1".
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);
  // Binds NULL for 0, so optional foreign keys stay NULL rather than pointing nowhere.
  Statement& BindIdOrNull(int index, int64_t id);

  // Advances to the next row; false when there are no more.
  bool Step();
  // Steps a statement that returns no rows (INSERT, UPDATE, ...).
  void Run();
  void Reset();

  std::string Text(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  bool IsNull(int column) const;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// A transaction that rolls back when destroyed without Commit(). kImmediate takes the
// write lock at BEGIN, so a read-modify-write cannot be overtaken by another writer
// between its read and its write (the busy timeout makes the others wait).
class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate };
  Transaction(Database& db, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit();

 private:
  Database& db_;
  bool open_ = false;
};

}  // namespace trainops::sqlite
