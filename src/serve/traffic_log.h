// The traffic and feedback log: every answered prediction, and the labels support agents
// give back, in a SQLite database of its own (WAL), separate from the registry so that
// heavy traffic never contends with promotions.
//
// Requests never wait for the disk: TryLog puts a record on a bounded in-memory queue
// (a short mutex, no I/O) and returns; a writer thread commits batches, one transaction
// each, with statements prepared once. The writer runs at the request threads' priority:
// at a lower one it was starved under load and the queue overflowed (docs/serving.md,
// "Throughput").
//
// When the writer falls behind anyway (a slow disk), the log sheds records uniformly
// instead of dropping bursts: past half the queue the share of requests kept halves
// (down to 1/64), and it doubles back once the queue has drained. Each span of time
// logged at less than everything is recorded in the `sampling` table (start, end, rate,
// requests answered, requests logged), and each kept row carries the rate it was kept at,
// so that readers weight a window's rows by how many answers each one stands for
// (ReadTraffic, TrafficRow::sample_weight = 1 / rate). A full queue still drops, counted,
// and that is recorded in the span (not in the weights: a burst dropped at the bound is
// not a sample of anything). Feedback is never sampled.
//
// Bounded by default: requests older than retention_days, and the oldest requests beyond
// retention_bytes of data, are deleted (checked at start, every minute and after every
// 100,000 records). A failing disk never stops answers: the batch is counted as lost,
// health() says so, and later batches retry.
//
// Thread-safety: TryLog, TryLogFeedback, NewRequestId, Lookup and the counters are safe
// from any thread; Start and Stop from one owner thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

struct sqlite3;

namespace trainops::serve {

struct TrafficRecord {
  std::string request_id, time, model, text, label;
  float confidence = 0;
  float margin = 0;  // best minus second-best confidence
  bool rejected = false;
  double latency_ms = 0;
  // Set by the log: the share of requests it was keeping when this one was kept (1 = all).
  float sample_rate = 1;
};

struct FeedbackRecord {
  std::string request_id, label, time;
};

// What the queue holds: an answered request or an agent's label for one.
using TrafficEntry = std::variant<TrafficRecord, FeedbackRecord>;

struct TrafficLogOptions {
  // A SQLite file, or a PostgreSQL URL / conninfo: then the log is shared by every replica
  // that writes there (traffic_log_postgres.h).
  std::filesystem::path path;
  // Names the server in each record of a shared log; "" = "<hostname>-<pid>".
  std::string replica;
  // A shared log's on-disk spool (traffic_spool.h): where records wait while its database
  // is away, up to spool_bytes ("" = none: they wait in the queue only).
  std::filesystem::path spool_path;
  int64_t spool_bytes = int64_t{1} << 30;
  // About 40 MB at most of queued records: absorbs a few seconds of a stalled disk at
  // full load before sampling starts (at half of it).
  size_t queue_capacity = 100000;
  bool redact = false;         // store "xxh64:<hash>" instead of the text
  int64_t retention_days = 0;  // 0 = keep; older requests (and their feedback) are deleted
  int64_t retention_rows = 0;  // 0 = keep; only the newest N requests are kept
  int64_t retention_bytes = 0;  // 0 = keep; beyond it the oldest requests are deleted
  size_t batch_size = 512;     // records per transaction
  bool shed = true;            // sample uniformly when the writer falls behind (false: drop at the bound)
  // Test hook: the writer sleeps this long per batch, as on a slow disk.
  std::chrono::microseconds slow_writes{0};
  std::function<void(const std::string&)> warn;  // write failures (at most one message per 10 s)
};

// What the log knows about a request id (Lookup).
enum class RequestFate {
  kUnknown,    // not answered by this server, or no longer in the log
  kLogged,     // in the log, or queued for it
  kNotLogged,  // answered, but its record was shed or dropped under load
};

// Sampling of one span of time (the `sampling` table): requests answered in [start, end)
// and how many of them the log kept.
struct SamplingSpan {
  std::string start, end;
  double rate = 1;  // the share kept by sampling (drops at the bound not included)
  uint64_t answered = 0, logged = 0;
};

struct TrafficLogHealth {
  bool ok = true;          // the last write succeeded
  std::string last_error;  // of the last failed write ("" = none)
  std::string failing_since;  // time of the first failure of the current run of failures
};

class PostgresTrafficStore;
class TrafficSpool;

class TrafficLog {
 public:
  // Opens (creating) the database and its tables. Throws InputError naming the file.
  explicit TrafficLog(TrafficLogOptions options);
  ~TrafficLog();  // Stop()
  TrafficLog(const TrafficLog&) = delete;
  TrafficLog& operator=(const TrafficLog&) = delete;

  // Starts the writer thread. Records queued before are kept (tests use that to fill the
  // queue deterministically).
  void Start();
  // A new request id: this log's random prefix and a counter ("3f9a0c12b7de-0000001a"), unique
  // across restarts without coordination. Lookup knows the fate of the recent ones.
  std::string NewRequestId();
  // Never blocks on I/O; false when the record was shed or dropped (counted).
  bool TryLog(TrafficRecord record);
  // Feedback is never shed; false only when the queue is full (dropped, counted).
  bool TryLogFeedback(FeedbackRecord record);
  // Whether a request id was answered and logged: among the recent ids of this log
  // (NewRequestId; also those still queued), or in the database.
  RequestFate Lookup(const std::string& request_id);
  // Writes everything queued, then stops the writer. A shared log also writes its spool while
  // the database takes it, for up to 10 s; the rest stays in the spool file for the next
  // start. Idempotent.
  void Stop();

  size_t depth() const;
  size_t capacity() const { return options_.queue_capacity; }
  uint64_t dropped() const { return dropped_.load(); }  // at the bound
  uint64_t shed() const { return shed_.load(); }        // by sampling
  uint64_t written() const { return written_.load(); }
  uint64_t write_errors() const { return write_errors_.load(); }
  uint64_t deleted() const { return deleted_.load(); }  // by retention
  uint64_t checkpoints() const { return checkpoints_.load(); }  // WAL checkpoints completed
  uint64_t spooled() const { return spooled_.load(); }  // records waiting in the on-disk spool
  double sample_rate() const;  // the share of requests kept now (1 = all)
  TrafficLogHealth health() const;
  const std::filesystem::path& path() const { return options_.path; }

 private:
  using Entry = TrafficEntry;
  struct Statements;
  struct Span {
    std::string start;
    double rate = 1;
    uint64_t answered = 0, logged = 0;
  };
  bool Push(Entry entry, bool sampled);
  void WriterLoop();
  void CheckpointLoop();
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int pages);
  void WriteBatch(std::deque<Entry>& batch, std::vector<SamplingSpan>& spans);
  void WriteShared(std::deque<Entry>& batch, std::vector<SamplingSpan>& spans);
  bool DrainSpool();  // true when the spool is empty afterwards
  void MarkWaiting(const std::string& error);
  // Marks the log failing with `error`; warns with `warning()` at most every 10 s (true when it did).
  bool SetFailing(const std::string& error, const std::function<std::string()>& warning);
  void AdjustRate(std::vector<SamplingSpan>& closed);
  void CloseSpan(std::vector<SamplingSpan>& closed, const std::string& now);  // mutex_ held
  void ApplyRetention();
  void RecordFailure(const std::string& message, size_t records);
  void SetFate(uint64_t sequence, RequestFate fate);
  bool OwnSequence(const std::string& request_id, uint64_t* sequence) const;

  TrafficLogOptions options_;
  std::unique_ptr<PostgresTrafficStore> pg_;  // set for a shared log; then no SQLite connection is open
  std::unique_ptr<TrafficSpool> spool_;       // a shared log's, when spool_path is set
  std::atomic<uint64_t> spooled_{0};
  std::chrono::steady_clock::time_point retry_database_at_{};  // the writer's: next try while away
  bool database_failed_ = false;  // the writer's: its last database write failed
  sqlite3* db_ = nullptr;      // the writer's connection
  sqlite3* reader_ = nullptr;  // Lookup's, under reader_mutex_
  std::mutex reader_mutex_;
  std::unique_ptr<Statements> statements_;  // the writer's, prepared once
  // Checkpoints run on their own connection and thread, so the writer never waits for
  // the fsyncs of copying the WAL into the database (on this machine's disk they were
  // the stalls after which the queue overflowed).
  sqlite3* checkpointer_db_ = nullptr;
  std::thread checkpointer_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wake_;
  bool checkpoint_stopping_ = false;
  std::atomic<int> wal_pages_{0};
  std::atomic<uint64_t> checkpoints_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Entry> queue_;
  std::vector<SamplingSpan> pending_spans_;  // a shared log's spans waiting for the database
  std::chrono::steady_clock::time_point stop_requested_at_{};
  bool stopping_ = false;
  std::thread writer_;
  // Sampling state, under mutex_: keep a record when the accumulator passes 1, so kept
  // records are evenly spaced (never a burst kept and a burst shed).
  double rate_ = 1, accumulator_ = 0;
  size_t depth_at_change_ = 0;
  Span span_;
  std::chrono::steady_clock::time_point rate_changed_{}, span_opened_{};

  // Fates of the most recent request ids of this log, by counter (2 bits of meaning in a
  // byte; a ring, so memory is fixed): cheaper than a set of strings on the request path.
  std::string id_prefix_;
  std::atomic<uint64_t> next_sequence_{1};
  std::unique_ptr<std::atomic<uint8_t>[]> fates_;

  std::atomic<uint64_t> dropped_{0}, shed_{0}, written_{0}, write_errors_{0}, deleted_{0};
  uint64_t written_at_retention_ = 0;
  std::chrono::steady_clock::time_point last_retention_{};
  mutable std::mutex health_mutex_;
  TrafficLogHealth health_;
  std::chrono::steady_clock::time_point last_warning_{};
  uint64_t unwarned_losses_ = 0;
};

// One request as the log has it, with the newest feedback label ("" = none).
struct TrafficRow {
  std::string request_id, time, model, text, label, feedback_label;
  double confidence = 0, margin = 0, latency_ms = 0;
  bool rejected = false;
  // Answered requests this logged one stands for: 1 / the rate it was kept at (1 when
  // everything was logged).
  double sample_weight = 1;
};
// Calls `visit` for each request with time in [since, until) ("" = open), oldest first.
// Throws InputError for a missing log or a bad time (naming --since / --until).
void ReadTraffic(const std::filesystem::path& log, const std::string& since, const std::string& until,
                 const std::function<void(const TrafficRow&)>& visit);

// The sampling spans that overlap [since, until) ("" = open), oldest first; empty when
// everything was logged (or the log predates sampling). Throws as ReadTraffic.
std::vector<SamplingSpan> ReadSampling(const std::filesystem::path& log, const std::string& since,
                                       const std::string& until);

// Calls `visit` for each request answered before `since` whose newest feedback label was
// given in [since, until): labels agents gave this window to earlier messages (those a
// cycle selected for labelling, say). `row.time` is the request's time. Nothing for an
// open `since`. Throws as ReadTraffic.
void ReadLateFeedback(const std::filesystem::path& log, const std::string& since, const std::string& until,
                      const std::function<void(const TrafficRow&)>& visit);

struct ExportOptions {
  std::filesystem::path log;     // traffic database
  std::filesystem::path output;  // CSV, written atomically
  std::string since, until;      // ISO-8601 UTC; "" = open. since inclusive, until exclusive
};
// Writes the log as CSV: request_id,time,model,text,label,confidence,rejected,
// feedback_label,margin,latency_ms,sample_weight (the newest feedback label per request;
// "" = none; sample_weight as TrafficRow's).
// Returns the number of rows. Throws InputError for a missing log or a bad time.
size_t ExportTraffic(const ExportOptions& options);
// The same CSV, line by line to `write` (`options.output` unused): for standard output.
size_t ExportTraffic(const ExportOptions& options, const std::function<void(std::string_view)>& write);

// "2026-01-01", "2026-01-01T12:00", "2026-01-01T12:00:00Z", "...:00.250Z" ->
// "2026-01-01T12:00:00.250Z" (the stored form, so string order is time order). Throws
// InputError naming `flag`.
std::string NormalizeTime(const std::string& text, const char* flag);

// Now as the log stores times: ISO-8601 UTC with milliseconds.
std::string TrafficNow();
// A time in that form, from milliseconds since the Unix epoch.
std::string TrafficTime(int64_t unix_ms);

}  // namespace trainops::serve
