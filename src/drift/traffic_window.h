// One window of production traffic for the drift monitor: the messages of a week (say),
// and the labels support agents gave some of them afterwards (feedback). Read from a file
// (CSV, TSV or JSONL with the spec's text column; the spec's label column, or
// `feedback_label` as `trainops traffic export` writes it, holds the feedback) or from the
// server's traffic log between two times.
//
// Thread-safety: plain data; the loaders share nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/table_reader.h"

namespace trainops {
struct TaskSpec;
}

namespace trainops::drift {

struct WindowRow {
  std::string id;        // the id column's value ("" without one)
  std::string time;      // the time column's value ("" without one)
  std::string text;
  std::string feedback;  // the label given afterwards ("" = none yet)
  uint64_t line = 0;     // where the row starts in its file (0 for the traffic log)
};

struct TrafficWindow {
  std::string source;  // the file, or "traffic log <path> [since, until)"
  std::vector<WindowRow> rows;
  bool has_feedback_column = false;
  std::string first, last;  // smallest and largest time ("" without times)
  size_t FeedbackRows() const;
  // A digest of the rows (ids, texts, feedback): the same window read twice has the same
  // key, so re-running a week replaces its record instead of adding another.
  std::string Key() const;
};

// Reads a traffic file. Text column: the spec's data.text_column, else `text`. Feedback:
// the spec's label column, else `feedback_label`. Id: `id`, `request_id` or
// `message_id`. Time: the spec's data.time_column, else `created_at` or `time`. Throws
// InputError naming the file, line and column for a missing text column, a malformed row
// or text that is not UTF-8, and for a window with no rows.
TrafficWindow LoadTrafficFile(const std::filesystem::path& path, std::optional<FileFormat> format,
                              const TaskSpec& spec);

// Reads the server's traffic log (serve/traffic_log.h) for times in [since, until) ("" =
// open) with the newest feedback label of each request. Throws InputError for a missing
// log, a bad time, redacted texts (the monitor needs them) or an empty window.
TrafficWindow LoadTrafficLog(const std::filesystem::path& log, const std::string& since, const std::string& until);

}  // namespace trainops::drift
