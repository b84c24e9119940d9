// The SQLite pieces the traffic log's writer and its readers share: opening the database
// with the log's error messages, running a statement, and a prepared statement that is
// finalized on every path out. Internal to src/serve/.
//
// Thread-safety: a connection (and its statements) belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace trainops::serve {

// Opens the log (creating it when `create`); throws InputError naming the file and the fix.
sqlite3* OpenLogDb(const std::filesystem::path& path, bool create);
// Runs `sql` (several statements allowed); throws InputError naming the file.
void ExecLog(sqlite3* db, const std::filesystem::path& path, const char* sql);
// Whether the database has a table of that name (logs written by older servers lack some).
bool HasTable(sqlite3* db, const std::filesystem::path& path, const char* table);

class LogStmt {
 public:
  LogStmt(sqlite3* db, const std::filesystem::path& path, const char* sql);
  ~LogStmt();
  LogStmt(const LogStmt&) = delete;
  LogStmt& operator=(const LogStmt&) = delete;
  // Binds borrow nothing: SQLITE_TRANSIENT copies, so the caller's strings may go away.
  void Text(int i, const std::string& v);
  void Int(int i, int64_t v);
  void Real(int i, double v);
  bool Step();          // true while there is a row; throws InputError on failure
  void RunAndReset();   // Step, then ready for the next binds
  void Reset();
  std::string ColText(int i) const;
  double ColReal(int i) const;
  int64_t ColInt(int i) const;

 private:
  [[noreturn]] void Fail(const char* what);
  sqlite3* db_;
  std::filesystem::path path_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace trainops::serve
