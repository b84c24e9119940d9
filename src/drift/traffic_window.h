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
  // Late feedback: a labelled message from an earlier window (`cycle --feedback`), not part
  // of this window's traffic. The label-free signals skip it; the feedback signals use it.
  bool late = false;
  // How the message came to be labelled, for unbiased accuracy estimates (docs/monitoring.md,
  // "The label budget"): "" as it came (organic feedback, taken as representative),
  // "ranked" picked by a cycle's selection for being informative (a census of those picks:
  // it represents itself), "random" the selection's uniform share (it stands for
  // estimate_weight rows of the window that were not ranked).
  std::string stratum;
  double estimate_weight = 1;
  // Answered requests this row stands for when the traffic log was sampling under load
  // (serve/traffic_log.h; the `sample_weight` column of an export); 1 otherwise.
  double sample_weight = 1;
};

struct TrafficWindow {
  std::string source;  // the file, or "traffic log <path> [since, until)"
  std::vector<WindowRow> rows;
  bool has_feedback_column = false;
  std::string first, last;  // smallest and largest time ("" without times)
  size_t FeedbackRows() const;
  size_t TrafficRows() const;  // rows of this window (late feedback left out)
  // Whether some rows stand for more than one answered request (the log was sampling).
  bool Sampled() const;
  double AnsweredEstimate() const;  // sum of sample_weight over this window's rows
  // A digest of the rows (ids, texts, feedback): the same window read twice has the same
  // key, so re-running a week replaces its record instead of adding another.
  std::string Key() const;
};

// Reads a traffic file. Text column: the spec's data.text_column, else `text`. Feedback:
// the spec's label column, else `feedback_label`. Id: `id`, `request_id` or
// `message_id`. Time: the spec's data.time_column, else `created_at` or `time`.
// `sample_weight` (as `trainops traffic export` writes it), when present, must be a
// number >= 1. Throws
// InputError naming the file, line and column for a missing text column, a malformed row
// or text that is not UTF-8, and for a window with no rows.
TrafficWindow LoadTrafficFile(const std::filesystem::path& path, std::optional<FileFormat> format,
                              const TaskSpec& spec);

// Reads the server's traffic log (serve/traffic_log.h) for times in [since, until) ("" =
// open) with the newest feedback label of each request, plus, as late feedback, requests
// from before `since` whose newest label was given in the window. Throws InputError for a missing
// log, a bad time, redacted texts (the monitor needs them) or an empty window.
TrafficWindow LoadTrafficLog(const std::filesystem::path& log, const std::string& since, const std::string& until);

// Multi-label tasks: rewrites each row's feedback as the canonical text of its set
// (data/label_set.h FeedbackSetText: sorted, joined by `separator`, "[]" for none of the
// intents), so the same set written two ways is one label. Throws InputError naming the
// file:line (or request id) and the fix for a malformed set.
void CanonicalizeFeedbackSets(TrafficWindow& window, std::string_view separator);

// Appends labelled rows of earlier windows to `window` as late feedback (rows without a
// label are skipped and counted in the return value's second member). Throws InputError
// when `feedback` has no label column: the file is for labels, so that is a mistake.
std::pair<size_t, size_t> AppendLateFeedback(TrafficWindow& window, const TrafficWindow& feedback);

}  // namespace trainops::drift
