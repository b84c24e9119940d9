// The traffic log's storage on a PostgreSQL server (issue 24): the log every serve replica
// of a task writes to, in the registry's database, so that feedback posted to any replica
// joins the request another one answered, and `monitor`, `cycle`, `select` and `traffic
// export` read every replica's traffic. TrafficLog keeps its bounded queue, sampling and
// request ids; this class only writes its batches (one multi-row INSERT per table, one
// transaction) and answers whether a request id is in the log. Each row names the replica
// that answered it.
//
// Tables (created if missing, under an advisory lock): traffic_requests, traffic_feedback,
// traffic_sampling; times are ISO-8601 UTC text as in the SQLite log.
//
// Ownership: owns two connections (the writer's and Lookup's).
// Thread-safety: Write and ApplyRetention from the writer thread only; Has from any thread.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "serve/traffic_log.h"

namespace trainops::sql {
class Database;
}

namespace trainops::serve {

class PostgresTrafficStore {
 public:
  // Connects twice and creates the tables when missing. Throws InputError naming the server.
  PostgresTrafficStore(const std::string& location, std::string replica);
  ~PostgresTrafficStore();

  // Everything in one transaction; throws (nothing written) on failure, and reconnects
  // on the next call when the connection was lost.
  void Write(const std::deque<TrafficEntry>& batch, const std::vector<SamplingSpan>& spans);
  // Deletes by age, by row count and (approximately) by bytes, with the feedback and spans
  // of deleted requests; returns the requests deleted.
  int64_t ApplyRetention(const TrafficLogOptions& options);
  bool Has(const std::string& request_id);
  const std::string& where() const;

 private:
  void Connect();  // the writer's connection
  void CopyRequests(const std::vector<const TrafficRecord*>& requests);
  bool staged_ = false;  // the writer's connection has its temporary COPY table
  std::string location_, replica_;
  std::unique_ptr<sql::Database> writer_;
  std::unique_ptr<sql::Database> reader_;
  std::mutex reader_mutex_;
};

// Creates the traffic tables on a PostgreSQL database when missing (idempotent, locked).
void EnsurePostgresTrafficTables(sql::Database& db);

}  // namespace trainops::serve
