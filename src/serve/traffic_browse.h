// Looking through the traffic log the way a person does on the dashboard's traffic page
// (`trainops ui`): the newest requests that match a filter, with the label an agent gave
// back, and how much of each predicted label has feedback. Works on a SQLite log and on a
// shared (PostgreSQL) one; reads only, and never creates a log that is not there.
//
// Cost: every query is bounded by `limit` rows out and served by the log's indexes on
// time and on (label, time), so a page stays fast on a log of millions of requests; the
// coverage counts scan the period asked for (docs/ui.md, bench/ui_bench.py).
// Thread-safety: reentrant; each call opens its own connection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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

// Whether the log exists (a SQLite file, or a PostgreSQL database with the log's tables).
bool TrafficLogExists(const std::filesystem::path& log);

// Newest first. Throws InputError for a missing log or a bad `since`.
std::vector<BrowsedRequest> BrowseTraffic(const std::filesystem::path& log, const TrafficFilter& filter);

// Per predicted label in [since, now), most requests first. Throws as BrowseTraffic.
std::vector<LabelCoverage> FeedbackCoverage(const std::filesystem::path& log, const std::string& since);

// The newest request's time; "" for an empty log.
std::string NewestTrafficTime(const std::filesystem::path& log);

}  // namespace trainops::serve
