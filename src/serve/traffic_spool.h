// Where a shared (PostgreSQL) traffic log's records wait while its database is away
// (issue 24, item 4): a local SQLite file, appended in order by the log's writer thread
// and drained, oldest first, once the database takes writes again; a record leaves the
// spool only after the database committed it, so a replica that stops (or crashes) during
// an outage keeps its records for its next start. Bounded by size: what does not fit is
// refused and the caller counts it as dropped.
//
// Ownership: owns its SQLite connection. Thread-safety: none; the log's writer thread only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>

#include "serve/log_sqlite.h"
#include "serve/traffic_log.h"

namespace trainops::serve {

class TrafficSpool {
 public:
  // Opens (creating) the file. Throws InputError naming it.
  TrafficSpool(std::filesystem::path path, int64_t max_bytes);
  ~TrafficSpool();
  TrafficSpool(const TrafficSpool&) = delete;
  TrafficSpool& operator=(const TrafficSpool&) = delete;

  uint64_t size() const { return rows_; }  // entries waiting
  // Appends in order, in one transaction; returns how many entries did not fit.
  size_t Append(const std::deque<TrafficEntry>& batch);
  // The oldest `n` entries, in order; `last` receives the position to Remove() up to.
  std::deque<TrafficEntry> Peek(size_t n, int64_t* last);
  // Forgets the entries up to `last` (after the database committed them).
  void Remove(int64_t last);
  const std::filesystem::path& path() const { return path_; }

 private:
  int64_t UsedBytes();
  std::filesystem::path path_;
  int64_t max_bytes_;
  sqlite3* db_ = nullptr;
  uint64_t rows_ = 0;
};

}  // namespace trainops::serve
