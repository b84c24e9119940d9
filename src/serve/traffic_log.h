// The traffic and feedback log: every answered prediction, and the labels support agents
// give back, in a SQLite database of its own (WAL), separate from the registry so that
// heavy traffic never contends with promotions.
//
// Requests never wait for the disk: TryLog puts a record on a bounded in-memory queue
// (a short mutex, no I/O) and returns; a writer thread commits batches. When the queue is
// full the record is dropped and counted, the request is still answered. Stop() drains
// the queue, so a clean stop loses nothing that was queued.
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
#include <thread>
#include <unordered_set>
#include <variant>

struct sqlite3;

namespace trainops::serve {

struct TrafficRecord {
  std::string request_id, time, model, text, label;
  float confidence = 0;
  float margin = 0;  // best minus second-best confidence
  bool rejected = false;
  double latency_ms = 0;
};

struct FeedbackRecord {
  std::string request_id, label, time;
};

struct TrafficLogOptions {
  std::filesystem::path path;
  size_t queue_capacity = 10000;
  bool redact = false;         // store "xxh64:<hash>" instead of the text
  int64_t retention_days = 0;  // 0 = keep; older requests (and their feedback) are deleted
  int64_t retention_rows = 0;  // 0 = keep; only the newest N requests are kept
  size_t batch_size = 512;     // records per transaction
  std::function<void(const std::string&)> warn;  // write failures
};

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
  // Never blocks on I/O; false when the queue was full (the record is dropped and counted).
  bool TryLog(TrafficRecord record);
  bool TryLogFeedback(FeedbackRecord record);
  // Whether a request id was answered: among the recent ones in memory (also those still
  // queued or dropped), or in the database.
  bool KnownRequest(const std::string& request_id);
  // Writes everything queued, then stops the writer. Idempotent.
  void Stop();

  size_t depth() const;
  size_t capacity() const { return options_.queue_capacity; }
  uint64_t dropped() const { return dropped_.load(); }
  uint64_t written() const { return written_.load(); }
  uint64_t write_errors() const { return write_errors_.load(); }
  const std::filesystem::path& path() const { return options_.path; }

 private:
  using Entry = std::variant<TrafficRecord, FeedbackRecord>;
  bool Push(Entry entry);
  void WriterLoop();
  void WriteBatch(std::deque<Entry>& batch);
  void ApplyRetention();
  void Remember(const std::string& request_id);

  TrafficLogOptions options_;
  sqlite3* db_ = nullptr;      // the writer's connection
  sqlite3* reader_ = nullptr;  // KnownRequest's, under reader_mutex_
  std::mutex reader_mutex_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Entry> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Recent request ids, so feedback right after an answer is accepted before the writer
  // committed it. Bounded: the oldest ids are forgotten (the database still has them).
  std::mutex recent_mutex_;
  std::unordered_set<std::string> recent_;
  std::deque<std::string> recent_order_;

  std::atomic<uint64_t> dropped_{0}, written_{0}, write_errors_{0};
  std::chrono::steady_clock::time_point last_retention_{};
};

// One request as the log has it, with the newest feedback label ("" = none).
struct TrafficRow {
  std::string request_id, time, model, text, label, feedback_label;
  double confidence = 0, margin = 0, latency_ms = 0;
  bool rejected = false;
};
// Calls `visit` for each request with time in [since, until) ("" = open), oldest first.
// Throws InputError for a missing log or a bad time (naming --since / --until).
void ReadTraffic(const std::filesystem::path& log, const std::string& since, const std::string& until,
                 const std::function<void(const TrafficRow&)>& visit);

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
// feedback_label,margin,latency_ms (the newest feedback label per request; "" = none).
// Returns the number of rows. Throws InputError for a missing log or a bad time.
size_t ExportTraffic(const ExportOptions& options);

// "2026-01-01", "2026-01-01T12:00", "2026-01-01T12:00:00Z", "...:00.250Z" ->
// "2026-01-01T12:00:00.250Z" (the stored form, so string order is time order). Throws
// InputError naming `flag`.
std::string NormalizeTime(const std::string& text, const char* flag);

// Now as the log stores times: ISO-8601 UTC with milliseconds.
std::string TrafficNow();

}  // namespace trainops::serve
