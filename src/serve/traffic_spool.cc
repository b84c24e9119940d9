#include "serve/traffic_spool.h"

#include <fmt/format.h>

#include "common/error.h"

namespace trainops::serve {
namespace {

// kind 0: a request (every column), 1: feedback (request_id, label, time).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries(
  seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, request_id TEXT NOT NULL, time TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '', text TEXT NOT NULL DEFAULT '', label TEXT NOT NULL,
  confidence REAL NOT NULL DEFAULT 0, margin REAL NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  latency_ms REAL NOT NULL DEFAULT 0, sample_rate REAL NOT NULL DEFAULT 1);
)sql";

}  // namespace

TrafficSpool::TrafficSpool(std::filesystem::path path, int64_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::absolute(path_).parent_path(), ec);
  db_ = OpenLogDb(path_, true);
  try {
    ExecLog(db_, path_, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    ExecLog(db_, path_, kSchema);
    LogStmt count(db_, path_, "SELECT count(*) FROM entries");
    rows_ = count.Step() ? static_cast<uint64_t>(count.ColInt(0)) : 0;
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

TrafficSpool::~TrafficSpool() { sqlite3_close_v2(db_); }

int64_t TrafficSpool::UsedBytes() {
  LogStmt pages(db_, path_, "SELECT page_count * page_size - freelist_count * page_size FROM pragma_page_count, "
                            "pragma_page_size, pragma_freelist_count");
  return pages.Step() ? pages.ColInt(0) : 0;
}

size_t TrafficSpool::Append(const std::deque<TrafficEntry>& batch) {
  if (batch.empty()) return 0;
  // Checked per batch: the bound is approximate by one batch (a few hundred kB).
  if (max_bytes_ > 0 && UsedBytes() >= max_bytes_) return batch.size();
  ExecLog(db_, path_, "BEGIN IMMEDIATE");
  try {
    LogStmt insert(db_, path_,
                   "INSERT INTO entries(kind, request_id, time, model, text, label, confidence, margin, rejected, "
                   "latency_ms, sample_rate) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    for (const auto& e : batch) {
      if (const auto* r = std::get_if<TrafficRecord>(&e)) {
        insert.Int(1, 0);
        insert.Text(2, r->request_id);
        insert.Text(3, r->time);
        insert.Text(4, r->model);
        insert.Text(5, r->text);
        insert.Text(6, r->label);
        insert.Real(7, r->confidence);
        insert.Real(8, r->margin);
        insert.Int(9, r->rejected ? 1 : 0);
        insert.Real(10, r->latency_ms);
        insert.Real(11, r->sample_rate);
      } else {
        const auto& f = std::get<FeedbackRecord>(e);
        insert.Int(1, 1);
        insert.Text(2, f.request_id);
        insert.Text(3, f.time);
        insert.Text(4, "");
        insert.Text(5, "");
        insert.Text(6, f.label);
        insert.Real(7, 0);
        insert.Real(8, 0);
        insert.Int(9, 0);
        insert.Real(10, 0);
        insert.Real(11, 1);
      }
      insert.RunAndReset();
    }
    ExecLog(db_, path_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  rows_ += batch.size();
  return 0;
}

std::deque<TrafficEntry> TrafficSpool::Peek(size_t n, int64_t* last) {
  std::deque<TrafficEntry> out;
  LogStmt q(db_, path_,
            "SELECT seq, kind, request_id, time, model, text, label, confidence, margin, rejected, latency_ms, "
            "sample_rate FROM entries ORDER BY seq LIMIT ?1");
  q.Int(1, static_cast<int64_t>(n));
  *last = 0;
  while (q.Step()) {
    *last = q.ColInt(0);
    if (q.ColInt(1) == 0) {
      TrafficRecord r;
      r.request_id = q.ColText(2);
      r.time = q.ColText(3);
      r.model = q.ColText(4);
      r.text = q.ColText(5);
      r.label = q.ColText(6);
      r.confidence = static_cast<float>(q.ColReal(7));
      r.margin = static_cast<float>(q.ColReal(8));
      r.rejected = q.ColInt(9) != 0;
      r.latency_ms = q.ColReal(10);
      r.sample_rate = static_cast<float>(q.ColReal(11));
      out.emplace_back(std::move(r));
    } else {
      out.emplace_back(FeedbackRecord{q.ColText(2), q.ColText(6), q.ColText(3)});
    }
  }
  return out;
}

void TrafficSpool::Remove(int64_t last) {
  LogStmt del(db_, path_, "DELETE FROM entries WHERE seq <= ?1");
  del.Int(1, last);
  del.RunAndReset();
  const auto removed = static_cast<uint64_t>(sqlite3_changes(db_));
  rows_ = removed >= rows_ ? 0 : rows_ - removed;
}

}  // namespace trainops::serve
