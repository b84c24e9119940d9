#include "registry/postgres_db.h"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "registry/registry_location.h"

namespace trainops::postgres {
namespace {

// Type OIDs of the parameters trainops sends (pg_type.h).
constexpr Oid kInt8 = 20, kText = 25, kFloat8 = 701, kBytea = 17;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

bool Ok(const PGresult* r) {
  const ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

void IgnoreNotice(void*, const char*) {}  // "relation already exists, skipping" and the like

class PgCursor final : public sql::Cursor {
 public:
  PgCursor(Database& db, std::string_view sql) : db_(db) {
    int n = 0;
    sql_ = RenumberParameters(sql, &n);
    values_.resize(static_cast<size_t>(n));
    null_.assign(static_cast<size_t>(n), true);
    types_.assign(static_cast<size_t>(n), 0);
    formats_.assign(static_cast<size_t>(n), 0);
  }

  void BindText(int index, std::string_view text) override { Set(index, std::string(text), kText, 0); }
  void BindBlob(int index, std::string_view bytes) override { Set(index, std::string(bytes), kBytea, 1); }
  void BindInt(int index, int64_t value) override { Set(index, std::to_string(value), kInt8, 0); }
  void BindDouble(int index, double value) override {
    std::string text = std::isnan(value) ? "NaN" : std::isinf(value) ? (value > 0 ? "Infinity" : "-Infinity")
                                                                     : fmt::format("{:.17g}", value);
    Set(index, std::move(text), kFloat8, 0);
  }
  void BindNull(int index) override {
    Slot(index);
    null_[static_cast<size_t>(index - 1)] = true;
    types_[static_cast<size_t>(index - 1)] = 0;
  }

  bool Step() override {
    if (!result_) {
      db_.Reconnect();
      const size_t n = values_.size();
      std::vector<const char*> values(n);
      std::vector<int> lengths(n);
      for (size_t i = 0; i < n; ++i) {
        values[i] = null_[i] ? nullptr : values_[i].data();
        lengths[i] = static_cast<int>(values_[i].size());
      }
      result_.reset(PQexecParams(db_.handle(), sql_.c_str(), static_cast<int>(n), types_.data(), values.data(),
                                 lengths.data(), formats_.data(), /*resultFormat=*/0));
      if (!result_ || !Ok(result_.get())) db_.Fail("query failed", result_.get());
      row_ = -1;
    }
    ++row_;
    return row_ < PQntuples(result_.get());
  }
  void Reset() override {
    result_.reset();
    null_.assign(null_.size(), true);
    types_.assign(types_.size(), 0);
    formats_.assign(formats_.size(), 0);
  }
  std::string Text(int column) const override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, column)));
  }
  std::string Blob(int column) const override {
    size_t length = 0;
    unsigned char* bytes =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, column)), &length);
    if (!bytes) throw InputError(fmt::format("{}: out of memory reading a stored model", db_.where()));
    std::string out(reinterpret_cast<const char*>(bytes), length);
    PQfreemem(bytes);
    return out;
  }
  int64_t Int(int column) const override {
    const char* text = PQgetvalue(result_.get(), row_, column);
    if (text[0] == 't' || text[0] == 'f') return text[0] == 't';  // a boolean expression
    int64_t value = 0;
    std::from_chars(text, text + std::char_traits<char>::length(text), value);
    return value;
  }
  double Double(int column) const override { return std::strtod(PQgetvalue(result_.get(), row_, column), nullptr); }
  bool IsNull(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }
  int64_t Changes() const override {
    const char* n = result_ ? PQcmdTuples(result_.get()) : "";
    return *n ? std::atoll(n) : 0;
  }

 private:
  void Slot(int index) const {
    if (index < 1 || static_cast<size_t>(index) > values_.size()) {
      throw InternalError(fmt::format("parameter {} out of range in \"{}\"", index, sql_.substr(0, 60)));
    }
  }
  void Set(int index, std::string value, Oid type, int format) {
    Slot(index);
    const auto i = static_cast<size_t>(index - 1);
    values_[i] = std::move(value);
    null_[i] = false;
    types_[i] = type;
    formats_[i] = format;
  }

  Database& db_;
  std::string sql_;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<Oid> types_;
  std::vector<int> formats_;
  Result result_;
  int row_ = -1;
};

}  // namespace

std::string RenumberParameters(std::string_view sql, int* max_index) {
  std::string out;
  out.reserve(sql.size());
  *max_index = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    size_t j = i + 1;
    int index = 0;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') index = index * 10 + (sql[j++] - '0');
    if (j == i + 1) throw InternalError(fmt::format("a bare '?' in \"{}\": number the parameters", sql.substr(0, 60)));
    out += '$';
    out.append(sql.substr(i + 1, j - i - 1));
    *max_index = std::max(*max_index, index);
    i = j - 1;
  }
  return out;
}

Database::Database(const std::string& location) : where_(RedactedLocation(location)) {
  CheckPostgresLocation(location, "registry");
  // Defaults first: the location's own settings override them (expand_dbname).
  const char* keywords[] = {"connect_timeout", "application_name", "client_encoding", "dbname", nullptr};
  const char* values[] = {"10", "trainops", "UTF8", location.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string message(conn_ ? Trim(PQerrorMessage(conn_)) : std::string_view("out of memory"));
    PQfinish(conn_);
    conn_ = nullptr;
    throw InputError(fmt::format("{}: cannot connect to the registry's PostgreSQL server: {}; check that the server "
                                 "is running and reachable, and that the password is in ~/.pgpass or PGPASSWORD",
                                 where_, message));
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
}

bool Database::connected() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

Database::~Database() {
  if (conn_) PQfinish(conn_);
}

void Database::Fail(std::string_view what, const PGresult* result) const {
  std::string message(Trim(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_)));
  if (message.empty()) message = std::string(Trim(PQerrorMessage(conn_)));
  std::string hint;
  if (PQstatus(conn_) != CONNECTION_OK) {
    hint = "; the connection to the server was lost: check that it is running, then run the command again "
           "(nothing half-written was kept: the transaction rolled back)";
  } else if (const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr) {
    const std::string_view code(state);
    if (code.starts_with("42501")) hint = "; the database user lacks a privilege trainops needs (see docs/deploy.md)";
    if (code.starts_with("40")) hint = "; another trainops process held the registry, try again";
  }
  throw InputError(fmt::format("{}: {}: {}{}", where_, what, message, hint));
}

void Database::Reconnect() {
  // A server that restarted leaves this connection broken; libpq does not reconnect on its
  // own. Outside a transaction nothing is lost by starting over (a transaction's own
  // statements fail with the connection, and the transaction rolls back).
  if (conn_ && !in_transaction_ && PQstatus(conn_) == CONNECTION_BAD) PQreset(conn_);
}

void Database::Exec(std::string_view sql) {
  Reconnect();
  Result r(PQexec(conn_, std::string(sql).c_str()));
  if (!r || !Ok(r.get())) Fail("registry database error", r.get());
}

std::unique_ptr<sql::Cursor> Database::Prepare(std::string_view sql) { return std::make_unique<PgCursor>(*this, sql); }

int64_t Database::LastInsertId() {
  sql::Statement s(*this, "SELECT lastval()");
  return s.Step() ? s.Int(0) : 0;
}

MigrationLock::MigrationLock(sql::Database& db) : db_(db) {
  db_.Exec(fmt::format("SELECT pg_advisory_lock({}, {})", kLockSpace, kMigrateLock));
}

MigrationLock::~MigrationLock() {
  try {
    db_.Exec(fmt::format("SELECT pg_advisory_unlock({}, {})", kLockSpace, kMigrateLock));
  } catch (const std::exception&) {
    // The connection is gone, and with it the session's lock.
  }
}

void Database::Begin(TxMode mode) {
  Exec("BEGIN");
  in_transaction_ = true;
  if (mode == TxMode::kImmediate) Exec(fmt::format("SELECT pg_advisory_xact_lock({}, {})", kLockSpace, kWriteLock));
}

void Database::Commit() {
  Exec("COMMIT");
  in_transaction_ = false;
}

void Database::Rollback() noexcept {
  in_transaction_ = false;
  if (PGresult* r = PQexec(conn_, "ROLLBACK")) PQclear(r);
}

}  // namespace trainops::postgres
