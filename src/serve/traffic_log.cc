#include "serve/traffic_log.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sqlite3.h>

#include <regex>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/hash.h"
#include "data/csv_writer.h"

namespace trainops::serve {

// How long a record waits at most before the writer commits it with whatever else came.
constexpr std::chrono::milliseconds kWriterPeriod{50};

namespace {

constexpr size_t kRecentIds = 100000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS requests(
  request_id TEXT PRIMARY KEY, time TEXT NOT NULL, model TEXT NOT NULL, text TEXT NOT NULL,
  label TEXT NOT NULL, confidence REAL NOT NULL, margin REAL NOT NULL, rejected INTEGER NOT NULL,
  latency_ms REAL NOT NULL);
CREATE INDEX IF NOT EXISTS requests_time ON requests(time);
CREATE TABLE IF NOT EXISTS feedback(
  id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, label TEXT NOT NULL, time TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_request ON feedback(request_id);
PRAGMA user_version = 1;
)sql";

std::string SqliteMessage(sqlite3* db) { return db ? sqlite3_errmsg(db) : "out of memory"; }

sqlite3* OpenDb(const std::filesystem::path& path, bool create) {
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

void Exec(sqlite3* db, const std::filesystem::path& path, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : SqliteMessage(db);
    sqlite3_free(error);
    throw InputError(fmt::format("{}: traffic log: {}", path.string(), message));
  }
}

// A prepared statement finalized on every path out.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::filesystem::path& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) Fail("prepare");
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  void Text(int i, const std::string& v) { Check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT)); }
  void Int(int i, int64_t v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Real(int i, double v) { Check(sqlite3_bind_double(stmt_, i, v)); }
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Fail("step");
  }
  void RunAndReset() {
    Step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string ColText(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, i)) : std::string();
  }
  double ColReal(int i) const { return sqlite3_column_double(stmt_, i); }
  int64_t ColInt(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool ColNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) Fail("bind");
  }
  [[noreturn]] void Fail(const char* what) {
    throw InputError(fmt::format("{}: traffic log {}: {}", path_.string(), what, SqliteMessage(db_)));
  }
  sqlite3* db_;
  const std::filesystem::path& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string NowIso() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

std::string IsoDaysAgo(int64_t days) {
  const auto t = std::chrono::system_clock::now() - std::chrono::hours(24 * days);
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

TrafficLog::TrafficLog(TrafficLogOptions options) : options_(std::move(options)) {
  if (options_.queue_capacity == 0) throw InputError("traffic log queue capacity must be at least 1");
  if (options_.batch_size == 0) options_.batch_size = 1;
  const auto parent = std::filesystem::absolute(options_.path).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw InputError(fmt::format("{}: cannot create the traffic log's folder: {}", parent.string(), ec.message()));
  db_ = OpenDb(options_.path, true);
  try {
    // NORMAL is durable across process crashes in WAL mode; only a power loss can take
    // the last commits, which for a traffic log is an acceptable trade for throughput.
    Exec(db_, options_.path, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    Exec(db_, options_.path, kSchema);
    reader_ = OpenDb(options_.path, false);
  } catch (...) {
    sqlite3_close_v2(db_);
    sqlite3_close_v2(reader_);
    throw;
  }
}

TrafficLog::~TrafficLog() {
  Stop();
  sqlite3_close_v2(reader_);
  sqlite3_close_v2(db_);
}

void TrafficLog::Start() {
  std::lock_guard lock(mutex_);
  if (writer_.joinable() || stopping_) return;
  writer_ = std::thread([this] { WriterLoop(); });
}

bool TrafficLog::Push(Entry entry) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_capacity || stopping_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(entry));
    // Wake the writer only for a full batch; otherwise it comes by itself every
    // kWriterPeriod. Waking it per record cost a context switch per request, and on 2
    // cores those switches were the p99 of a prediction.
    if (queue_.size() < options_.batch_size) return true;
  }
  wake_.notify_one();
  return true;
}

bool TrafficLog::TryLog(TrafficRecord record) {
  Remember(record.request_id);
  if (options_.redact) record.text = "xxh64:" + HexDigest(Hash64(record.text));
  return Push(std::move(record));
}

bool TrafficLog::TryLogFeedback(FeedbackRecord record) { return Push(std::move(record)); }

void TrafficLog::Remember(const std::string& request_id) {
  std::lock_guard lock(recent_mutex_);
  if (!recent_.insert(request_id).second) return;
  recent_order_.push_back(request_id);
  if (recent_order_.size() > kRecentIds) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

bool TrafficLog::KnownRequest(const std::string& request_id) {
  {
    std::lock_guard lock(recent_mutex_);
    if (recent_.count(request_id)) return true;
  }
  std::lock_guard lock(reader_mutex_);
  Stmt q(reader_, options_.path, "SELECT 1 FROM requests WHERE request_id = ?1");
  q.Text(1, request_id);
  return q.Step();
}

size_t TrafficLog::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void TrafficLog::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) {
    writer_.join();
  } else {
    // Never started: write what was queued so that stopping still loses nothing.
    std::deque<Entry> rest;
    {
      std::lock_guard lock(mutex_);
      rest.swap(queue_);
    }
    while (!rest.empty()) {
      std::deque<Entry> batch;
      while (!rest.empty() && batch.size() < options_.batch_size) {
        batch.push_back(std::move(rest.front()));
        rest.pop_front();
      }
      WriteBatch(batch);
    }
  }
}

void TrafficLog::WriterLoop() {
  // Linux schedules threads individually: the writer yields the cores to request threads
  // when both want them (a record may wait; a request should not). Best effort.
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
  ApplyRetention();
  for (;;) {
    std::deque<Entry> batch;
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kWriterPeriod, [&] { return queue_.size() >= options_.batch_size || stopping_; });
      while (!queue_.empty() && batch.size() < options_.batch_size) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop = stopping_ && queue_.empty();
    }
    if (!batch.empty()) WriteBatch(batch);
    if (stop) break;
    if (std::chrono::steady_clock::now() - last_retention_ > std::chrono::minutes(1)) ApplyRetention();
  }
}

void TrafficLog::WriteBatch(std::deque<Entry>& batch) {
  size_t requests = 0;
  for (const auto& e : batch) requests += std::holds_alternative<TrafficRecord>(e) ? 1 : 0;
  try {
    Exec(db_, options_.path, "BEGIN IMMEDIATE");
    try {
      Stmt insert(db_, options_.path,
                  "INSERT OR REPLACE INTO requests(request_id, time, model, text, label, confidence, margin, "
                  "rejected, latency_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      Stmt feedback(db_, options_.path, "INSERT INTO feedback(request_id, label, time) VALUES (?1, ?2, ?3)");
      for (const auto& e : batch) {
        if (const auto* r = std::get_if<TrafficRecord>(&e)) {
          insert.Text(1, r->request_id);
          insert.Text(2, r->time);
          insert.Text(3, r->model);
          insert.Text(4, r->text);
          insert.Text(5, r->label);
          insert.Real(6, r->confidence);
          insert.Real(7, r->margin);
          insert.Int(8, r->rejected ? 1 : 0);
          insert.Real(9, r->latency_ms);
          insert.RunAndReset();
        } else {
          const auto& f = std::get<FeedbackRecord>(e);
          feedback.Text(1, f.request_id);
          feedback.Text(2, f.label);
          feedback.Text(3, f.time);
          feedback.RunAndReset();
        }
      }
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    Exec(db_, options_.path, "COMMIT");
    written_.fetch_add(requests, std::memory_order_relaxed);
  } catch (const std::exception& e) {
    // The writer thread must survive a full disk or a locked file: the records of this
    // batch are lost and counted, requests keep being answered, later batches retry.
    write_errors_.fetch_add(batch.size(), std::memory_order_relaxed);
    if (options_.warn) options_.warn(fmt::format("traffic log: {} records lost: {}", batch.size(), e.what()));
  }
}

void TrafficLog::ApplyRetention() {
  last_retention_ = std::chrono::steady_clock::now();
  if (options_.retention_days <= 0 && options_.retention_rows <= 0) return;
  try {
    Exec(db_, options_.path, "BEGIN IMMEDIATE");
    try {
      if (options_.retention_days > 0) {
        Stmt del(db_, options_.path, "DELETE FROM requests WHERE time < ?1");
        del.Text(1, IsoDaysAgo(options_.retention_days));
        del.RunAndReset();
      }
      if (options_.retention_rows > 0) {
        Stmt del(db_, options_.path,
                 "DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests ORDER BY time DESC, rowid DESC "
                 "LIMIT -1 OFFSET ?1)");
        del.Int(1, options_.retention_rows);
        del.RunAndReset();
      }
      Exec(db_, options_.path, "DELETE FROM feedback WHERE request_id NOT IN (SELECT request_id FROM requests)");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    Exec(db_, options_.path, "COMMIT");
  } catch (const std::exception& e) {
    if (options_.warn) options_.warn(fmt::format("traffic log retention: {}", e.what()));
  }
}

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

// Runs a read-only query with two time parameters on the log, calling `row` per result.
void QueryLog(const std::filesystem::path& log, const char* sql, const std::string& first,
              const std::string& second, const std::function<void(const Stmt&)>& row) {
  sqlite3* db = OpenDb(log, false);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close_v2);
  Stmt q(db, log, sql);
  q.Text(1, first);
  q.Text(2, second);
  while (q.Step()) row(q);
}

void ThrowIfNoLog(const std::filesystem::path& log) {
  if (!std::filesystem::exists(log)) {
    throw InputError(fmt::format("{}: no traffic log here; `trainops serve` writes it (next to the registry, or "
                                 "--traffic-log PATH); pass --traffic-log with its path",
                                 log.string()));
  }
}

// Columns 0-4 of both reads: r.request_id, r.time, r.model, r.text, r.label.
void ReadRequestColumns(const Stmt& q, TrafficRow& row) {
  row.request_id = q.ColText(0);
  row.time = q.ColText(1);
  row.model = q.ColText(2);
  row.text = q.ColText(3);
  row.label = q.ColText(4);
}

}  // namespace

void ReadTraffic(const std::filesystem::path& log, const std::string& since_text, const std::string& until_text,
                 const std::function<void(const TrafficRow&)>& visit) {
  const std::string since = since_text.empty() ? "" : NormalizeTime(since_text, "--since");
  const std::string until = until_text.empty() ? "\x7f" : NormalizeTime(until_text, "--until");
  ThrowIfNoLog(log);
  TrafficRow row;
  QueryLog(log,
           "SELECT r.request_id, r.time, r.model, r.text, r.label, r.confidence, r.rejected, "
           "(SELECT f.label FROM feedback f WHERE f.request_id = r.request_id ORDER BY f.id DESC LIMIT 1), "
           "r.margin, r.latency_ms FROM requests r WHERE r.time >= ?1 AND r.time < ?2 ORDER BY r.time, r.rowid",
           since, until, [&](const Stmt& q) {
             ReadRequestColumns(q, row);
             row.confidence = q.ColReal(5);
             row.rejected = q.ColInt(6) != 0;
             row.feedback_label = q.ColText(7);
             row.margin = q.ColReal(8);
             row.latency_ms = q.ColReal(9);
             visit(row);
           });
}

void ReadLateFeedback(const std::filesystem::path& log, const std::string& since_text, const std::string& until_text,
                      const std::function<void(const TrafficRow&)>& visit) {
  if (since_text.empty()) return;
  const std::string since = NormalizeTime(since_text, "--since");
  const std::string until = until_text.empty() ? "\x7f" : NormalizeTime(until_text, "--until");
  ThrowIfNoLog(log);
  TrafficRow row;
  QueryLog(log,
           "SELECT r.request_id, r.time, r.model, r.text, r.label, f.label FROM requests r JOIN feedback f "
           "ON f.id = (SELECT MAX(g.id) FROM feedback g WHERE g.request_id = r.request_id) "
           "WHERE r.time < ?1 AND f.time >= ?1 AND f.time < ?2 ORDER BY r.time, r.rowid",
           since, until, [&](const Stmt& q) {
             ReadRequestColumns(q, row);
             row.feedback_label = q.ColText(5);
             visit(row);
           });
}

size_t ExportTraffic(const ExportOptions& options) {
  // Checked before the output is created, so a bad time or missing log leaves nothing behind.
  if (!options.since.empty()) NormalizeTime(options.since, "--since");
  if (!options.until.empty()) NormalizeTime(options.until, "--until");
  if (!std::filesystem::exists(options.log)) ReadTraffic(options.log, "", "", [](const TrafficRow&) {});
  AtomicFile out(options.output);
  out.Write(CsvLine({"request_id", "time", "model", "text", "label", "confidence", "rejected", "feedback_label",
                     "margin", "latency_ms"}));
  size_t rows = 0;
  ReadTraffic(options.log, options.since, options.until, [&](const TrafficRow& r) {
    out.Write(CsvLine({r.request_id, r.time, r.model, r.text, r.label, fmt::format("{:.6f}", r.confidence),
                       r.rejected ? "true" : "false", r.feedback_label, fmt::format("{:.6f}", r.margin),
                       fmt::format("{:.3f}", r.latency_ms)}));
    ++rows;
  });
  out.Commit();
  return rows;
}

std::string TrafficNow() { return NowIso(); }

}  // namespace trainops::serve
