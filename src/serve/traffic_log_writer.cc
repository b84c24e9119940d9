// The traffic log's background threads: the writer (batches, failures, retention) and the
// checkpointer. Apart from traffic_log.cc, which holds what request threads call (the
// queue, sampling, request ids) and the log's start and stop.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "serve/log_sqlite.h"
#include "serve/traffic_log.h"
#include "serve/traffic_log_internal.h"
#include "serve/traffic_log_postgres.h"
#include "serve/traffic_spool.h"

namespace trainops::serve {

// How long a record waits at most before the writer commits it with whatever else came.
constexpr std::chrono::milliseconds kWriterPeriod{50};
// A shared log whose database is away: retry this often, and at stop for at most this long.
constexpr std::chrono::milliseconds kRetryWait{250};
constexpr std::chrono::seconds kStopRetry{10};
// A round of the writer drains the spool for at most this long; what arrived meanwhile then
// joins the spool. A quarter of a second of full load (about 2,000 records a replica here)
// stays far below the queue's sampling point (half of its 100,000).
constexpr std::chrono::milliseconds kSpoolDrainSlice{250};

namespace {

// Retention runs at least this often, and after this many records.
constexpr auto kRetentionPeriod = std::chrono::minutes(1);
constexpr uint64_t kRetentionRecords = 100000;
// The checkpointer copies the WAL into the database at least this often, and as soon as
// the WAL holds this many pages (SQLite's own auto-checkpoint threshold).
constexpr auto kCheckpointPeriod = std::chrono::seconds(1);
constexpr int kCheckpointPages = 1000;

// Answered requests in a batch (the rest is feedback): what `written` counts.
size_t CountRequests(const std::deque<TrafficEntry>& batch) {
  return static_cast<size_t>(std::count_if(batch.begin(), batch.end(),
                                           [](const TrafficEntry& e) { return std::holds_alternative<TrafficRecord>(e); }));
}

std::string IsoDaysAgo(int64_t days) {
  const auto t = std::chrono::system_clock::now() - std::chrono::hours(24 * days);
  // Whole seconds, as before: the retention cut-off needs no finer time.
  return TrafficTime(int64_t{std::chrono::system_clock::to_time_t(t)} * 1000);
}

}  // namespace

using traffic_log_internal::PragmaInt;

int TrafficLog::OnWalCommit(void* self, sqlite3*, const char*, int pages) {
  auto* log = static_cast<TrafficLog*>(self);
  log->wal_pages_.store(pages, std::memory_order_relaxed);
  if (pages >= kCheckpointPages) log->checkpoint_wake_.notify_one();
  return 0;  // SQLITE_OK
}

void TrafficLog::CheckpointLoop() {
  std::unique_lock lock(checkpoint_mutex_);
  while (!checkpoint_stopping_) {
    checkpoint_wake_.wait_for(lock, kCheckpointPeriod, [&] {
      return checkpoint_stopping_ || wal_pages_.load(std::memory_order_relaxed) >= kCheckpointPages;
    });
    if (checkpoint_stopping_) break;
    if (wal_pages_.load(std::memory_order_relaxed) == 0) continue;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, never waits for the writer or readers;
    // what it could not copy this time it copies next time.
    int frames = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(checkpointer_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_OK) {
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
      if (copied >= frames) wal_pages_.store(0, std::memory_order_relaxed);
    } else if (rc != SQLITE_BUSY && options_.warn) {
      // No record is lost (they are in the WAL), so this warns rather than counting.
      options_.warn(fmt::format("traffic log checkpoint: {}", sqlite3_errmsg(checkpointer_db_)));
    }
    lock.lock();
    // A failing checkpoint must not spin: wait a full period before the next try.
    if (rc != SQLITE_OK) checkpoint_wake_.wait_for(lock, kCheckpointPeriod, [&] { return checkpoint_stopping_; });
  }
}
void TrafficLog::WriterLoop() {
  ApplyRetention();
  std::chrono::steady_clock::time_point stop_seen{};
  for (;;) {
    std::deque<Entry> batch;
    std::vector<SamplingSpan> closed;
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kWriterPeriod, [&] { return queue_.size() >= options_.batch_size || stopping_; });
      // While records are spooled (the database away, or back and the spool draining), a
      // round takes the whole queue: it joins the spool behind what is there (local disk
      // keeps up), and a round also drains the spool for up to kSpoolDrainSlice. One batch
      // a round let the queue fill behind the drain, and the log sampled: after a 10 s
      // outage at full load, a third of the answers went unlogged (bench/RESULTS.md, "Replicas").
      const size_t take = spooled_.load(std::memory_order_relaxed) > 0 ? queue_.size() : options_.batch_size;
      while (!queue_.empty() && batch.size() < take) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      AdjustRate(closed);
      if (!pending_spans_.empty()) {
        closed.insert(closed.begin(), pending_spans_.begin(), pending_spans_.end());
        pending_spans_.clear();
      }
      stop = stopping_ && queue_.empty();
      if (stop && span_.answered > 0) CloseSpan(closed, TrafficNow());
    }
    if (!batch.empty() || !closed.empty() || spooled_.load(std::memory_order_relaxed) > 0) WriteBatch(batch, closed);
    if (options_.slow_writes.count() > 0 && !batch.empty()) std::this_thread::sleep_for(options_.slow_writes);
    if (stop && spooled_.load(std::memory_order_relaxed) > 0 && !database_failed_) {
      // A stop with the database taking writes goes on writing the spool, for at most
      // kStopRetry; what is left then (or at once, while the database is away) stays in the
      // spool file and is written at the next start.
      const auto now = std::chrono::steady_clock::now();
      if (stop_seen == std::chrono::steady_clock::time_point{}) stop_seen = now;
      if (now - stop_seen < kStopRetry) continue;
    }
    if (stop) break;
    if (std::chrono::steady_clock::now() - last_retention_ > kRetentionPeriod ||
        written_.load() - written_at_retention_ >= kRetentionRecords) {
      ApplyRetention();
    }
  }
}

void TrafficLog::WriteBatch(std::deque<Entry>& batch, std::vector<SamplingSpan>& spans) {
  if (pg_) {
    WriteShared(batch, spans);
    return;
  }
  const size_t requests = CountRequests(batch);
  try {
    if (!statements_) statements_ = std::make_unique<Statements>(db_, options_.path);
    ExecLog(db_, options_.path, "BEGIN IMMEDIATE");
    try {
      Statements& st = *statements_;
      for (const auto& e : batch) {
        if (const auto* r = std::get_if<TrafficRecord>(&e)) {
          st.request.Text(1, r->request_id);
          st.request.Text(2, r->time);
          st.request.Text(3, r->model);
          st.request.Text(4, r->text);
          st.request.Text(5, r->label);
          st.request.Real(6, r->confidence);
          st.request.Real(7, r->margin);
          st.request.Int(8, r->rejected ? 1 : 0);
          st.request.Real(9, r->latency_ms);
          st.request.Real(10, r->sample_rate);
          st.request.RunAndReset();
        } else {
          const auto& f = std::get<FeedbackRecord>(e);
          st.feedback.Text(1, f.request_id);
          st.feedback.Text(2, f.label);
          st.feedback.Text(3, f.time);
          st.feedback.RunAndReset();
        }
      }
      for (const auto& s : spans) {
        st.span.Text(1, s.start);
        st.span.Text(2, s.end);
        st.span.Real(3, s.rate);
        st.span.Int(4, static_cast<int64_t>(s.answered));
        st.span.Int(5, static_cast<int64_t>(s.logged));
        st.span.RunAndReset();
      }
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    ExecLog(db_, options_.path, "COMMIT");
    written_.fetch_add(requests, std::memory_order_relaxed);
    std::lock_guard lock(health_mutex_);
    health_ = {};
  } catch (const std::exception& e) {
    // The writer thread must survive a full disk or a locked file: the records of this
    // batch are lost and counted, requests keep being answered, later batches retry.
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    RecordFailure(e.what(), batch.size());
  }
}

bool TrafficLog::SetFailing(const std::string& error, const std::function<std::string()>& warning) {
  {
    std::lock_guard lock(health_mutex_);
    if (health_.ok) health_.failing_since = TrafficNow();
    health_.ok = false;
    health_.last_error = error;
  }
  // One message per 10 s at most: a full disk (or a database that is away) fails every
  // batch, and a warning per batch would fill the server's own log.
  const auto now = std::chrono::steady_clock::now();
  if (!options_.warn || now - last_warning_ < std::chrono::seconds(10)) return false;
  options_.warn(warning());
  last_warning_ = now;
  return true;
}

void TrafficLog::MarkWaiting(const std::string& error) {
  SetFailing(error, [&] {
    return fmt::format("traffic log: {} ({} records queued, {} spooled)", error, depth(), spooled_.load());
  });
}

bool TrafficLog::DrainSpool() {
  // Oldest first, a batch at a time, each removed only once the database committed it; at
  // most kSpoolDrainSlice per call, so the queue behind keeps moving (into the spool).
  const auto until = std::chrono::steady_clock::now() + kSpoolDrainSlice;
  while (spool_->size() > 0 && std::chrono::steady_clock::now() < until) {
    int64_t last = 0;
    std::deque<Entry> entries = spool_->Peek(options_.batch_size * 4, &last);
    const size_t requests = CountRequests(entries);
    pg_->Write(entries, {});
    spool_->Remove(last);
    spooled_ = spool_->size();
    written_.fetch_add(requests, std::memory_order_relaxed);
  }
  return spool_->size() == 0;
}

void TrafficLog::WriteShared(std::deque<Entry>& batch, std::vector<SamplingSpan>& spans) {
  const size_t requests = CountRequests(batch);
  std::string error;
  // With a spool, the database is tried at most every kRetryWait while it is away; in
  // between, batches go straight to the spool (local disk keeps up with the queue).
  const auto now = std::chrono::steady_clock::now();
  const bool try_database = !spool_ || now >= retry_database_at_;
  bool spool_first = false;
  if (spool_ && spool_->size() > 0) {
    // Records spooled during an outage are older than this batch: they go first.
    if (!try_database) {
      spool_first = true;
    } else {
      try {
        spool_first = !DrainSpool();
        database_failed_ = false;
      } catch (const std::exception& e) {
        error = e.what();
        spool_first = true;
        retry_database_at_ = now + kRetryWait;
        database_failed_ = true;
      }
    }
  }
  if (!spool_first && try_database) {
    try {
      pg_->Write(batch, spans);
      database_failed_ = false;
      written_.fetch_add(requests, std::memory_order_relaxed);
      std::lock_guard lock(health_mutex_);
      health_ = {};
      return;
    } catch (const std::exception& e) {
      error = e.what();
      retry_database_at_ = now + kRetryWait;
      database_failed_ = true;
    }
  }
  if (spool_) {
    // The database is away (or the spool not yet drained): behind what is spooled, in order.
    // Spans wait in memory (a few per minute). What does not fit the spool is dropped, counted.
    size_t lost = 0;
    try {
      lost = spool_->Append(batch);
      spooled_ = spool_->size();
    } catch (const std::exception& e) {
      lost = batch.size();
      error += std::string("; the spool failed too: ") + e.what();
    }
    {
      std::lock_guard lock(mutex_);
      pending_spans_.insert(pending_spans_.end(), spans.begin(), spans.end());
    }
    if (lost > 0) dropped_.fetch_add(lost, std::memory_order_relaxed);
    if (!error.empty()) {
      MarkWaiting(fmt::format("the database is unavailable, records are spooled to {}: {}",
                              spool_->path().string(), error));
    }
    return;
  }
  // No spool: the batch goes back to the head of the queue, in order, and is retried every
  // kRetryWait (request rows are upserts by id: a batch that committed unseen is not doubled).
  // Meanwhile the bounded queue samples, then drops at its bound, counted in /metrics. Only a
  // server that is stopping gives up, after kStopRetry, counting what it could not write.
  bool give_up = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && stop_requested_at_ == std::chrono::steady_clock::time_point{}) stop_requested_at_ = now;
    give_up = stopping_ && now - stop_requested_at_ > kStopRetry;
    if (!give_up) {
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
      pending_spans_.insert(pending_spans_.begin(), spans.begin(), spans.end());
    }
  }
  if (give_up) {
    RecordFailure(error, batch.size());
    return;
  }
  MarkWaiting(fmt::format("the database is unavailable, records wait in the queue: {}", error));
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, kRetryWait, [&] { return false; });
}

void TrafficLog::RecordFailure(const std::string& message, size_t records) {
  write_errors_.fetch_add(records, std::memory_order_relaxed);
  unwarned_losses_ += records;
  if (SetFailing(message, [&] { return fmt::format("traffic log: {} records lost: {}", unwarned_losses_, message); })) {
    unwarned_losses_ = 0;
  }
}

void TrafficLog::ApplyRetention() {
  last_retention_ = std::chrono::steady_clock::now();
  written_at_retention_ = written_.load();
  if (options_.retention_days <= 0 && options_.retention_rows <= 0 && options_.retention_bytes <= 0) return;
  if (pg_) {
    try {
      deleted_.fetch_add(static_cast<uint64_t>(pg_->ApplyRetention(options_)), std::memory_order_relaxed);
    } catch (const std::exception& e) {
      if (options_.warn) options_.warn(fmt::format("traffic log retention: {}", e.what()));
    }
    return;
  }
  try {
    ExecLog(db_, options_.path, "BEGIN IMMEDIATE");
    try {
      int64_t removed = 0;
      if (options_.retention_days > 0) {
        LogStmt del(db_, options_.path, "DELETE FROM requests WHERE time < ?1");
        del.Text(1, IsoDaysAgo(options_.retention_days));
        del.RunAndReset();
        removed += sqlite3_changes(db_);
      }
      if (options_.retention_rows > 0) {
        LogStmt del(db_, options_.path,
                    "DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests ORDER BY time DESC, rowid DESC "
                    "LIMIT -1 OFFSET ?1)");
        del.Int(1, options_.retention_rows);
        del.RunAndReset();
        removed += sqlite3_changes(db_);
      }
      if (options_.retention_bytes > 0) {
        // Pages in use, not the file's size: deleted rows leave free pages that new rows
        // reuse, so the file stops growing at about the bound. Deleting down to 90% keeps
        // this from running after every batch.
        const int64_t page = PragmaInt(db_, options_.path, "PRAGMA page_size");
        const int64_t used =
            (PragmaInt(db_, options_.path, "PRAGMA page_count") - PragmaInt(db_, options_.path, "PRAGMA freelist_count")) *
            page;
        if (used > options_.retention_bytes) {
          const int64_t rows = PragmaInt(db_, options_.path, "SELECT count(*) FROM requests");
          const double excess = static_cast<double>(used) - 0.9 * static_cast<double>(options_.retention_bytes);
          const auto k = static_cast<int64_t>(std::ceil(static_cast<double>(rows) * excess / static_cast<double>(used)));
          LogStmt del(db_, options_.path,
                      "DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests ORDER BY time, rowid LIMIT ?1)");
          del.Int(1, std::max<int64_t>(1, k));
          del.RunAndReset();
          removed += sqlite3_changes(db_);
        }
      }
      if (removed > 0) {
        ExecLog(db_, options_.path,
                "DELETE FROM feedback WHERE request_id NOT IN (SELECT request_id FROM requests);"
                "DELETE FROM sampling WHERE end < (SELECT min(time) FROM requests);");
      }
      ExecLog(db_, options_.path, "COMMIT");
      deleted_.fetch_add(static_cast<uint64_t>(removed), std::memory_order_relaxed);
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  } catch (const std::exception& e) {
    if (options_.warn) options_.warn(fmt::format("traffic log retention: {}", e.what()));
  }
}

}  // namespace trainops::serve
