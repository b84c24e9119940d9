// Internal to src/serve/: what the traffic log's request side (traffic_log.cc) and its
// background threads (traffic_log_writer.cc) share. Statements belong to the writer's
// connection and are used on the thread that owns it; PragmaInt runs on the connection it
// is given, on that connection's thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>

#include "serve/log_sqlite.h"
#include "serve/traffic_log.h"

namespace trainops::serve {

// The writer's statements, prepared once on its connection: preparing them per batch
// was a measurable share of a batch's time.
struct TrafficLog::Statements {
  LogStmt request, feedback, span;
  Statements(sqlite3* db, const std::filesystem::path& path)
      : request(db, path,
                "INSERT OR REPLACE INTO requests(request_id, time, model, text, label, confidence, margin, "
                "rejected, latency_ms, sample_rate) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        feedback(db, path, "INSERT INTO feedback(request_id, label, time) VALUES (?1, ?2, ?3)"),
        span(db, path, "INSERT INTO sampling(start, end, rate, answered, logged) VALUES (?1, ?2, ?3, ?4, ?5)") {}
};

namespace traffic_log_internal {

// The first column of the first row of `sql` as an integer (0 when there is no row).
int64_t PragmaInt(sqlite3* db, const std::filesystem::path& path, const char* sql);

}  // namespace traffic_log_internal
}  // namespace trainops::serve
