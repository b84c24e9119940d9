#include "serve/traffic_log.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <unistd.h>

#include <fmt/format.h>

#include "common/error.h"
#include "common/hash.h"
#include "common/db_location.h"
#include "serve/log_sqlite.h"
#include "serve/traffic_log_internal.h"
#include "serve/traffic_log_postgres.h"
#include "serve/traffic_spool.h"

namespace trainops::serve {
namespace {

// Request ids whose fate Lookup answers from memory (1 byte each: 1 MiB).
constexpr uint64_t kFateRing = uint64_t{1} << 20;
// Sampling never keeps less than this share: the log stays a sample of the traffic.
constexpr double kMinRate = 1.0 / 64;
// A span is closed (and written when it lost records) at least this often.
constexpr auto kSpanLength = std::chrono::seconds(60);

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS requests(
  request_id TEXT PRIMARY KEY, time TEXT NOT NULL, model TEXT NOT NULL, text TEXT NOT NULL,
  label TEXT NOT NULL, confidence REAL NOT NULL, margin REAL NOT NULL, rejected INTEGER NOT NULL,
  latency_ms REAL NOT NULL, sample_rate REAL NOT NULL DEFAULT 1);
-- By time, carrying the columns the dashboard's traffic page filters and counts on
-- (`trainops ui`), so its newest-first searches and per-label counts read the index alone,
-- not a row per request. It replaces the plain time index of earlier logs (rebuilt once, at
-- the first start). No (label, time) index: with rows arriving in time order it is written
-- at one place per label, which cut the log's insert rate threefold (bench/RESULTS.md).
DROP INDEX IF EXISTS requests_time;
CREATE INDEX IF NOT EXISTS requests_time_filters ON requests(time, confidence, rejected, label);
CREATE TABLE IF NOT EXISTS feedback(
  id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, label TEXT NOT NULL, time TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_request ON feedback(request_id);
CREATE TABLE IF NOT EXISTS sampling(
  start TEXT NOT NULL, end TEXT NOT NULL, rate REAL NOT NULL, answered INTEGER NOT NULL,
  logged INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sampling_start ON sampling(start);
PRAGMA user_version = 2;
)sql";

}  // namespace

namespace traffic_log_internal {

int64_t PragmaInt(sqlite3* db, const std::filesystem::path& path, const char* sql) {
  LogStmt q(db, path, sql);
  return q.Step() ? q.ColInt(0) : 0;
}

}  // namespace traffic_log_internal

using traffic_log_internal::PragmaInt;

TrafficLog::TrafficLog(TrafficLogOptions options)
    : options_(std::move(options)), fates_(new std::atomic<uint8_t>[kFateRing]) {
  if (options_.queue_capacity == 0) throw InputError("traffic log queue capacity must be at least 1");
  if (options_.batch_size == 0) options_.batch_size = 1;
  for (uint64_t i = 0; i < kFateRing; ++i) fates_[i].store(0, std::memory_order_relaxed);
  {
    std::random_device rd;
    const uint64_t salt = (static_cast<uint64_t>(rd()) << 32 | rd()) ^
                          static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    id_prefix_ = fmt::format("{:012x}-", salt & 0xffffffffffffULL);
  }
  span_.start = TrafficNow();
  span_opened_ = rate_changed_ = std::chrono::steady_clock::now();
  if (IsPostgresLocation(options_.path.string())) {
    if (options_.replica.empty()) {
      char host[256] = {};
      ::gethostname(host, sizeof(host) - 1);
      options_.replica = fmt::format("{}-{}", host, ::getpid());
    }
    pg_ = std::make_unique<PostgresTrafficStore>(options_.path.string(), options_.replica);
    if (!options_.spool_path.empty()) {
      spool_ = std::make_unique<TrafficSpool>(options_.spool_path, options_.spool_bytes);
      spooled_ = spool_->size();  // left by a run that stopped during an outage: written first
    }
    return;
  }
  const auto parent = std::filesystem::absolute(options_.path).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw InputError(fmt::format("{}: cannot create the traffic log's folder: {}", parent.string(), ec.message()));
  db_ = OpenLogDb(options_.path, true);
  try {
    // NORMAL is durable across process crashes in WAL mode; only a power loss can take
    // the last commits, which for a traffic log is an acceptable trade for throughput.
    // The WAL is truncated back to 64 MiB after checkpoints, so it does not keep the
    // size of the largest burst.
    ExecLog(db_, options_.path,
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864;");
    const int64_t version = PragmaInt(db_, options_.path, "PRAGMA user_version");
    if (version > 2) {
      throw InputError(fmt::format("{}: the traffic log was written by a newer trainops (log version {}, this one "
                                   "knows 2); upgrade trainops or pass another --traffic-log",
                                   options_.path.string(), version));
    }
    // Version 1 logs gain the sampling rate per row (1: they kept everything they wrote).
    if (version == 1) ExecLog(db_, options_.path, "ALTER TABLE requests ADD COLUMN sample_rate REAL NOT NULL DEFAULT 1");
    ExecLog(db_, options_.path, kSchema);
    reader_ = OpenLogDb(options_.path, false);
    checkpointer_db_ = OpenLogDb(options_.path, false);
    // A connection that has read nothing does not know the file is in WAL mode, and its
    // checkpoints would do nothing ("not in WAL mode": -1 frames).
    ExecLog(checkpointer_db_, options_.path, "SELECT count(*) FROM sqlite_master");
    // Replaces SQLite's auto-checkpoint, which would run in the writer's COMMIT.
    sqlite3_wal_hook(db_, &TrafficLog::OnWalCommit, this);
  } catch (...) {
    sqlite3_close_v2(db_);
    sqlite3_close_v2(reader_);
    sqlite3_close_v2(checkpointer_db_);
    throw;
  }
}

TrafficLog::~TrafficLog() {
  Stop();
  statements_.reset();
  sqlite3_close_v2(checkpointer_db_);
  sqlite3_close_v2(reader_);
  // The last connection to close checkpoints the WAL and deletes it.
  sqlite3_close_v2(db_);
}

void TrafficLog::Start() {
  std::lock_guard lock(mutex_);
  if (writer_.joinable() || stopping_) return;
  writer_ = std::thread([this] { WriterLoop(); });
  if (!pg_) checkpointer_ = std::thread([this] { CheckpointLoop(); });
}
std::string TrafficLog::NewRequestId() {
  // Fixed width, so ids sort in the order they are issued and each insert into the
  // request_id index lands at its right edge: unpadded, the 7-digit ids sorted among the
  // 6-digit ones, and past a million requests every insert touched a random index page.
  return fmt::format("{}{:08x}", id_prefix_, next_sequence_.fetch_add(1, std::memory_order_relaxed));
}

bool TrafficLog::OwnSequence(const std::string& request_id, uint64_t* sequence) const {
  if (request_id.size() <= id_prefix_.size() || request_id.size() > id_prefix_.size() + 16 ||
      request_id.compare(0, id_prefix_.size(), id_prefix_) != 0) {
    return false;
  }
  uint64_t value = 0;
  for (size_t i = id_prefix_.size(); i < request_id.size(); ++i) {
    const char c = request_id[i];
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return false;
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  *sequence = value;
  return true;
}

void TrafficLog::SetFate(uint64_t sequence, RequestFate fate) {
  fates_[sequence & (kFateRing - 1)].store(static_cast<uint8_t>(fate), std::memory_order_relaxed);
}

bool TrafficLog::Push(Entry entry, bool sampled) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    if (sampled) {
      ++span_.answered;
      accumulator_ += rate_;
      if (accumulator_ < 1) {
        shed_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      accumulator_ -= 1;
      std::get<TrafficRecord>(entry).sample_rate = static_cast<float>(rate_);
    }
    if (queue_.size() >= options_.queue_capacity) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(entry));
    if (sampled) ++span_.logged;
    // Wake the writer only for a full batch; otherwise it comes by itself every
    // kWriterPeriod. Waking it per record cost a context switch per request, and on 2
    // cores those switches were the p99 of a prediction.
    if (queue_.size() < options_.batch_size) return true;
  }
  wake_.notify_one();
  return true;
}

bool TrafficLog::TryLog(TrafficRecord record) {
  uint64_t sequence = 0;
  const bool own = OwnSequence(record.request_id, &sequence);
  if (options_.redact) record.text = "xxh64:" + HexDigest(Hash64(record.text));
  const bool logged = Push(std::move(record), true);
  if (own) SetFate(sequence, logged ? RequestFate::kLogged : RequestFate::kNotLogged);
  return logged;
}

bool TrafficLog::TryLogFeedback(FeedbackRecord record) { return Push(std::move(record), false); }

RequestFate TrafficLog::Lookup(const std::string& request_id) {
  uint64_t sequence = 0;
  if (OwnSequence(request_id, &sequence)) {
    const uint64_t next = next_sequence_.load(std::memory_order_relaxed);
    if (sequence == 0 || sequence >= next) return RequestFate::kUnknown;
    // From memory while the ring still holds it: a logged record may be queued or in the
    // writer's open transaction, where the database cannot see it yet.
    if (next - sequence <= kFateRing) {
      return static_cast<RequestFate>(fates_[sequence & (kFateRing - 1)].load(std::memory_order_relaxed));
    }
  }
  if (pg_) return pg_->Has(request_id) ? RequestFate::kLogged : RequestFate::kUnknown;
  std::lock_guard lock(reader_mutex_);
  LogStmt q(reader_, options_.path, "SELECT 1 FROM requests WHERE request_id = ?1");
  q.Text(1, request_id);
  return q.Step() ? RequestFate::kLogged : RequestFate::kUnknown;
}

size_t TrafficLog::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

double TrafficLog::sample_rate() const {
  std::lock_guard lock(mutex_);
  return rate_;
}

TrafficLogHealth TrafficLog::health() const {
  std::lock_guard lock(health_mutex_);
  return health_;
}

void TrafficLog::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) {
    writer_.join();
    {
      std::lock_guard lock(checkpoint_mutex_);
      checkpoint_stopping_ = true;
    }
    checkpoint_wake_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    return;
  }
  // Never started: write what was queued so that stopping still loses nothing. A shared
  // log runs the writer's own loop here, which retries a database that is away (and spools).
  if (pg_) {
    WriterLoop();
    return;
  }
  std::deque<Entry> rest;
  std::vector<SamplingSpan> closed;
  {
    std::lock_guard lock(mutex_);
    rest.swap(queue_);
    if (span_.answered > 0) CloseSpan(closed, TrafficNow());
  }
  do {
    std::deque<Entry> batch;
    while (!rest.empty() && batch.size() < options_.batch_size) {
      batch.push_back(std::move(rest.front()));
      rest.pop_front();
    }
    if (!batch.empty() || !closed.empty()) WriteBatch(batch, closed);
  } while (!rest.empty());
}

void TrafficLog::CloseSpan(std::vector<SamplingSpan>& closed, const std::string& now) {
  if (span_.logged < span_.answered) closed.push_back({span_.start, now, rate_, span_.answered, span_.logged});
  span_ = Span{now, rate_, 0, 0};
  span_opened_ = std::chrono::steady_clock::now();
}

void TrafficLog::AdjustRate(std::vector<SamplingSpan>& closed) {
  const auto now = std::chrono::steady_clock::now();
  const size_t depth = queue_.size();
  double rate = rate_;
  if (options_.shed) {
    // Halve quickly while the queue fills; double back slowly once it has drained, so
    // the rate does not flap with every batch.
    // Halving only while the queue is not shrinking keeps one overload from driving
    // the rate to the floor before the last halving has shown its effect.
    if (depth * 2 > options_.queue_capacity && rate_ > kMinRate && depth >= depth_at_change_) {
      rate = std::max(kMinRate, rate_ / 2);
    } else if (depth * 20 < options_.queue_capacity && rate_ < 1 && now - rate_changed_ > std::chrono::seconds(2)) {
      rate = std::min(1.0, rate_ * 2);
    }
  }
  if (rate != rate_ || now - span_opened_ > kSpanLength) {
    CloseSpan(closed, TrafficNow());
    if (rate != rate_) {
      depth_at_change_ = depth;
      rate_ = rate;
      span_.rate = rate;
      rate_changed_ = now;
      accumulator_ = 0;
    }
  }
}
std::string TrafficTime(int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
}

std::string TrafficNow() {
  const auto now = std::chrono::system_clock::now();
  return TrafficTime(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
}

}  // namespace trainops::serve
