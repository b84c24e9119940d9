// Reading the traffic log: windows of requests for the monitor, late feedback for the
// cycle, the sampling spans, and the CSV export.
#include <sqlite3.h>

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "data/csv_writer.h"
#include "common/db_location.h"
#include "registry/postgres_db.h"
#include "registry/sql_db.h"
#include "serve/log_sqlite.h"
#include "serve/traffic_log.h"
#include "serve/traffic_log_postgres.h"

namespace trainops::serve {
std::string NormalizeTime(const std::string& text, const char* flag) {
  static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?Z?$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    throw InputError(fmt::format("{} \"{}\": expected an ISO-8601 UTC time such as 2026-01-31 or "
                                 "2026-01-31T12:00:00Z",
                                 flag, text));
  }
  auto part = [&](int i, const char* fallback) { return m[i].matched ? m[i].str() : std::string(fallback); };
  std::string ms = part(7, "000");
  while (ms.size() < 3) ms += '0';
  const int month = std::stoi(m[2].str()), day = std::stoi(m[3].str());
  const int hour = std::stoi(part(4, "00")), minute = std::stoi(part(5, "00")), second = std::stoi(part(6, "00"));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw InputError(fmt::format("{} \"{}\": not a valid date and time", flag, text));
  }
  return fmt::format("{}-{}-{}T{:02}:{:02}:{:02}.{}Z", m[1].str(), m[2].str(), m[3].str(), hour, minute, second, ms);
}

namespace {

bool Shared(const std::filesystem::path& log) { return IsPostgresLocation(log.string()); }

// The window's end as the query compares it: --until normalized, or, when open, past every
// stored time ("\x7f" sorts after them in SQLite; a shared log's database may not use the
// byte order, so there it is the latest time the format can hold).
std::string WindowEnd(const std::string& until_text, const std::filesystem::path& log) {
  if (!until_text.empty()) return NormalizeTime(until_text, "--until");
  return Shared(log) ? "9999-12-31T23:59:59.999Z" : "\x7f";
}

// The same for a shared log (PostgreSQL): the query's ?1 and ?2 are the two times.
void QueryShared(const std::filesystem::path& log, const std::string& sql, const std::string& first,
                 const std::string& second, const std::function<void(const sql::Statement&)>& row) {
  postgres::Database db(log.string());
  serve::EnsurePostgresTrafficTables(db);
  sql::Statement q(db, sql);
  q.Bind(1, first).Bind(2, second);
  while (q.Step()) row(q);
}

// Runs a read-only query with two time parameters on the log, calling `row` per result.
void QueryLog(const std::filesystem::path& log, const char* sql, const std::string& first,
              const std::string& second, const std::function<void(const LogStmt&)>& row) {
  sqlite3* db = OpenLogDb(log, false);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close_v2);
  LogStmt q(db, log, sql);
  q.Text(1, first);
  q.Text(2, second);
  while (q.Step()) row(q);
}

std::string& RequestColumn(TrafficRow& row, int i) {
  std::string* columns[] = {&row.request_id, &row.time, &row.model, &row.text, &row.label};
  return *columns[i];
}

void ThrowIfNoLog(const std::filesystem::path& log) {
  if (!Shared(log) && !std::filesystem::exists(log)) {
    throw InputError(fmt::format("{}: no traffic log here; `trainops serve` writes it (next to the registry, or "
                                 "--traffic-log PATH); pass --traffic-log with its path",
                                 log.string()));
  }
}

// Columns 0-4 of every read, from either log: r.request_id, r.time, r.model, r.text, r.label.
void ReadRequestColumns(const LogStmt& q, TrafficRow& row) {
  for (int i = 0; i < 5; ++i) RequestColumn(row, i) = q.ColText(i);
}
void ReadRequestColumns(const sql::Statement& q, TrafficRow& row) {
  for (int i = 0; i < 5; ++i) RequestColumn(row, i) = q.Text(i);
}

}  // namespace

std::vector<SamplingSpan> ReadSampling(const std::filesystem::path& log, const std::string& since_text,
                                       const std::string& until_text) {
  const std::string since = since_text.empty() ? "" : NormalizeTime(since_text, "--since");
  const std::string until = WindowEnd(until_text, log);
  ThrowIfNoLog(log);
  std::vector<SamplingSpan> spans;
  if (Shared(log)) {
    QueryShared(log,
                "SELECT start_time, end_time, rate, answered, logged FROM traffic_sampling WHERE end_time > ?1 AND "
                "start_time < ?2 ORDER BY start_time, replica",
                since, until, [&](const sql::Statement& q) {
                  spans.push_back({q.Text(0), q.Text(1), q.Double(2), static_cast<uint64_t>(q.Int(3)),
                                   static_cast<uint64_t>(q.Int(4))});
                });
    return spans;
  }
  sqlite3* db = OpenLogDb(log, false);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close_v2);
  if (!HasTable(db, log, "sampling")) return spans;  // written before sampling existed: complete
  LogStmt q(db, log,
            "SELECT start, end, rate, answered, logged FROM sampling WHERE end > ?1 AND start < ?2 "
            "ORDER BY start, rowid");
  q.Text(1, since);
  q.Text(2, until);
  while (q.Step()) {
    spans.push_back({q.ColText(0), q.ColText(1), q.ColReal(2), static_cast<uint64_t>(q.ColInt(3)),
                     static_cast<uint64_t>(q.ColInt(4))});
  }
  return spans;
}

void ReadTraffic(const std::filesystem::path& log, const std::string& since_text, const std::string& until_text,
                 const std::function<void(const TrafficRow&)>& visit) {
  const std::string since = since_text.empty() ? "" : NormalizeTime(since_text, "--since");
  const std::string until = WindowEnd(until_text, log);
  ThrowIfNoLog(log);
  if (Shared(log)) {
    TrafficRow row;
    QueryShared(log,
                "SELECT r.request_id, r.time, r.model, r.text, r.label, r.confidence, r.rejected, "
                "(SELECT f.label FROM traffic_feedback f WHERE f.request_id = r.request_id ORDER BY f.id DESC LIMIT 1), "
                "r.margin, r.latency_ms, r.sample_rate FROM traffic_requests r WHERE r.time >= ?1 AND r.time < ?2 "
                "ORDER BY r.time, r.request_id",
                since, until, [&](const sql::Statement& q) {
                  ReadRequestColumns(q, row);
                  row.confidence = q.Double(5);
                  row.rejected = q.Int(6) != 0;
                  row.feedback_label = q.IsNull(7) ? "" : q.Text(7);
                  row.margin = q.Double(8);
                  row.latency_ms = q.Double(9);
                  const double rate = q.Double(10);
                  row.sample_weight = rate > 0 && rate < 1 ? 1.0 / rate : 1.0;
                  visit(row);
                });
    return;
  }
  // Logs written before sampling existed (version 1, never opened by a newer server) have
  // no sample_rate column: everything they hold was kept at rate 1.
  const bool has_rate = [&] {
    sqlite3* db = OpenLogDb(log, false);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close_v2);
    LogStmt q(db, log, "SELECT 1 FROM pragma_table_info('requests') WHERE name = 'sample_rate'");
    return q.Step();
  }();
  const std::string sql = fmt::format(
      "SELECT r.request_id, r.time, r.model, r.text, r.label, r.confidence, r.rejected, "
      "(SELECT f.label FROM feedback f WHERE f.request_id = r.request_id ORDER BY f.id DESC LIMIT 1), "
      "r.margin, r.latency_ms, {} FROM requests r WHERE r.time >= ?1 AND r.time < ?2 ORDER BY r.time, r.rowid",
      has_rate ? "r.sample_rate" : "1.0");
  TrafficRow row;
  QueryLog(log, sql.c_str(),
           since, until, [&](const LogStmt& q) {
             ReadRequestColumns(q, row);
             row.confidence = q.ColReal(5);
             row.rejected = q.ColInt(6) != 0;
             row.feedback_label = q.ColText(7);
             row.margin = q.ColReal(8);
             row.latency_ms = q.ColReal(9);
             const double rate = q.ColReal(10);
             row.sample_weight = rate > 0 && rate < 1 ? 1.0 / rate : 1.0;
             visit(row);
           });
}

void ReadLateFeedback(const std::filesystem::path& log, const std::string& since_text, const std::string& until_text,
                      const std::function<void(const TrafficRow&)>& visit) {
  if (since_text.empty()) return;
  const std::string since = NormalizeTime(since_text, "--since");
  const std::string until = WindowEnd(until_text, log);
  ThrowIfNoLog(log);
  TrafficRow row;
  if (Shared(log)) {
    QueryShared(log,
                "SELECT r.request_id, r.time, r.model, r.text, r.label, f.label FROM traffic_requests r JOIN "
                "traffic_feedback f ON f.id = (SELECT MAX(g.id) FROM traffic_feedback g WHERE g.request_id = "
                "r.request_id) WHERE r.time < ?1 AND f.time >= ?1 AND f.time < ?2 ORDER BY r.time, r.request_id",
                since, until, [&](const sql::Statement& q) {
                  ReadRequestColumns(q, row);
                  row.feedback_label = q.Text(5);
                  visit(row);
                });
    return;
  }
  QueryLog(log,
           "SELECT r.request_id, r.time, r.model, r.text, r.label, f.label FROM requests r JOIN feedback f "
           "ON f.id = (SELECT MAX(g.id) FROM feedback g WHERE g.request_id = r.request_id) "
           "WHERE r.time < ?1 AND f.time >= ?1 AND f.time < ?2 ORDER BY r.time, r.rowid",
           since, until, [&](const LogStmt& q) {
             ReadRequestColumns(q, row);
             row.feedback_label = q.ColText(5);
             visit(row);
           });
}

namespace {

// Checked before anything is written, so a bad time or a missing log leaves no output
// behind (no file, no header line on standard output).
void CheckExport(const ExportOptions& options) {
  if (!options.since.empty()) NormalizeTime(options.since, "--since");
  if (!options.until.empty()) NormalizeTime(options.until, "--until");
  if (!Shared(options.log) && !std::filesystem::exists(options.log)) ReadTraffic(options.log, "", "", [](const TrafficRow&) {});
}

size_t WriteTrafficCsv(const ExportOptions& options, const std::function<void(std::string_view)>& write) {
  write(CsvLine({"request_id", "time", "model", "text", "label", "confidence", "rejected", "feedback_label", "margin",
                 "latency_ms", "sample_weight"}));
  size_t rows = 0;
  ReadTraffic(options.log, options.since, options.until, [&](const TrafficRow& r) {
    write(CsvLine({r.request_id, r.time, r.model, r.text, r.label, fmt::format("{:.6f}", r.confidence),
                   r.rejected ? "true" : "false", r.feedback_label, fmt::format("{:.6f}", r.margin),
                   fmt::format("{:.3f}", r.latency_ms), fmt::format("{:g}", r.sample_weight)}));
    ++rows;
  });
  return rows;
}

}  // namespace

size_t ExportTraffic(const ExportOptions& options) {
  CheckExport(options);
  AtomicFile out(options.output);
  const size_t rows = WriteTrafficCsv(options, [&](std::string_view line) { out.Write(line); });
  out.Commit();
  return rows;
}

size_t ExportTraffic(const ExportOptions& options, const std::function<void(std::string_view)>& write) {
  CheckExport(options);
  return WriteTrafficCsv(options, write);
}

}  // namespace trainops::serve
