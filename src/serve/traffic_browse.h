// Looking through the traffic log the way a person does on the dashboard's traffic page
// (`trainops ui`): the newest requests that match a filter, with the label an agent gave
// back, and how much of each predicted label has feedback. Works on a SQLite log and on a
// shared (PostgreSQL) one; reads only, and never creates a log that is not there.
//
// Cost: a search returns at most `limit` rows, newest first, walking the log's time index
// (which carries the filtered columns, so no row is read until it matches); a filter few
// requests match walks the whole period. Coverage counts the period from the same index
// and looks up each labelled request. bench/ui_bench.py measures
// both on a log of a million requests (docs/ui.md).
// Thread-safety: one TrafficBrowser per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trainops::sql {
class Database;
}

namespace trainops::serve {

struct TrafficFilter {
  std::string since;                        // ISO-8601 UTC, inclusive; "" = the whole log
  std::string label;                        // the predicted label; "" = any
  std::optional<bool> rejected;             // nullopt = either
  std::optional<double> confidence_below;   // strictly below; nullopt = any
  std::optional<bool> with_feedback;        // nullopt = either
  size_t limit = 100;
};

struct BrowsedRequest {
  std::string request_id, time, model, replica, text, label;
  std::string feedback_label;  // the newest feedback for the request; "" = none
  double confidence = 0, margin = 0;
  bool rejected = false;
};

struct LabelCoverage {
  std::string label;            // predicted label
  int64_t requests = 0;         // logged requests predicted as it in the period
  int64_t with_feedback = 0;    // of those, how many an agent labelled
  int64_t feedback_agrees = 0;  // of those, how many the agent labelled the same
};

// One connection to a traffic log for one page's queries (a PostgreSQL connection per
// query would cost a round trip each). Not thread-safe: one per request.
class TrafficBrowser {
 public:
  // Opens the log for reading; exists() is false when there is none (no file, or no
  // tables yet): nothing is created.
  explicit TrafficBrowser(const std::filesystem::path& log);
  ~TrafficBrowser();
  TrafficBrowser(const TrafficBrowser&) = delete;
  TrafficBrowser& operator=(const TrafficBrowser&) = delete;

  bool exists() const { return db_ != nullptr; }
  // Newest first. Throws InputError for a missing log or a bad `since`.
  std::vector<BrowsedRequest> Browse(const TrafficFilter& filter);
  // Per predicted label in [since, now), most requests first. Throws as Browse.
  std::vector<LabelCoverage> Coverage(const std::string& since);
  // The newest request's time; "" for an empty log.
  std::string NewestTime();

 private:
  sql::Database& Db();
  std::filesystem::path log_;
  std::unique_ptr<sql::Database> db_;
};

}  // namespace trainops::serve
