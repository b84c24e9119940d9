#include "drift/traffic_window.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "common/error.h"
#include "common/hash.h"
#include "common/strings.h"
#include "data/label_set.h"
#include "data/utf8.h"
#include "serve/traffic_log.h"
#include "task/task_spec.h"

namespace trainops::drift {
namespace {

std::optional<size_t> FirstColumn(const TableReader& table, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (name.empty()) continue;
    if (auto i = table.ColumnIndex(name)) return i;
  }
  return std::nullopt;
}

void SetTimeRange(TrafficWindow& window) {
  for (const WindowRow& row : window.rows) {
    if (row.time.empty() || row.late) continue;  // late feedback belongs to an earlier window
    if (window.first.empty() || row.time < window.first) window.first = row.time;
    if (window.last.empty() || row.time > window.last) window.last = row.time;
  }
}

// A request of the server's log as a window row (its newest feedback label, its weight).
WindowRow FromLog(const serve::TrafficRow& r) {
  WindowRow row;
  row.id = r.request_id;
  row.time = r.time;
  row.text = r.text;
  row.feedback = r.feedback_label;
  row.sample_weight = r.sample_weight;
  return row;
}

}  // namespace

size_t TrafficWindow::FeedbackRows() const {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [](const WindowRow& r) { return !r.feedback.empty(); }));
}

size_t TrafficWindow::TrafficRows() const {
  return static_cast<size_t>(std::count_if(rows.begin(), rows.end(), [](const WindowRow& r) { return !r.late; }));
}

bool TrafficWindow::Sampled() const {
  return std::any_of(rows.begin(), rows.end(), [](const WindowRow& r) { return !r.late && r.sample_weight != 1; });
}

double TrafficWindow::AnsweredEstimate() const {
  double sum = 0;
  for (const WindowRow& r : rows) sum += r.late ? 0 : r.sample_weight;
  return sum;
}

std::pair<size_t, size_t> AppendLateFeedback(TrafficWindow& window, const TrafficWindow& feedback) {
  if (!feedback.has_feedback_column) {
    throw InputError(fmt::format("{}: no label column (the spec's label column or feedback_label): --feedback takes "
                                 "the labels agents gave to earlier messages; add the column",
                                 feedback.source));
  }
  size_t added = 0, unlabelled = 0;
  for (const WindowRow& row : feedback.rows) {
    if (row.feedback.empty()) {
      ++unlabelled;
      continue;
    }
    WindowRow late = row;
    late.late = true;
    window.rows.push_back(std::move(late));
    ++added;
  }
  window.has_feedback_column = window.has_feedback_column || added > 0;
  return {added, unlabelled};
}

std::string TrafficWindow::Key() const {
  std::string all;
  for (const WindowRow& r : rows) {
    all += r.id;
    all += '\x1f';
    all += r.text;
    all += '\x1f';
    all += r.feedback;
    if (r.late) all += "\x1flate";
    all += '\x1e';
  }
  return HexDigest(Hash64(all));
}

TrafficWindow LoadTrafficFile(const std::filesystem::path& path, std::optional<FileFormat> format,
                              const TaskSpec& spec) {
  const FileFormat fmt_used = format ? *format : GuessFileFormat(path);
  std::unique_ptr<TableReader> table = OpenTable(path, fmt_used);
  const auto text = FirstColumn(*table, {spec.data.text_column, "text"});
  if (!text) {
    throw InputError(fmt::format("{}: no text column \"{}\"; the columns are {}. Name it data.text_column in the "
                                 "spec, or rename the column",
                                 path.string(), spec.data.text_column, Join(table->columns(), ", ")));
  }
  const auto feedback = FirstColumn(*table, {spec.data.label_column, "feedback_label"});
  const auto id = FirstColumn(*table, {"id", "request_id", "message_id"});
  const auto time = FirstColumn(*table, {spec.data.time_column, "created_at", "time"});
  const auto weight = FirstColumn(*table, {"sample_weight"});
  TrafficWindow window;
  window.source = path.string();
  window.has_feedback_column = feedback.has_value();
  RawRecord record;
  auto cell = [&](std::optional<size_t> column) -> std::string {
    if (!column || *column >= record.values.size() || !record.present[*column]) return "";
    return record.values[*column];
  };
  while (table->Next(record)) {
    if (!record.malformed.empty()) {
      throw InputError(fmt::format("{}:{}: {}", path.string(), record.line, record.malformed));
    }
    WindowRow row;
    row.line = record.line;
    row.text = cell(text);
    row.feedback = std::string(Trim(cell(feedback)));
    row.id = cell(id);
    row.time = cell(time);
    if (weight) {
      const std::string w = std::string(Trim(cell(weight)));
      char* end = nullptr;
      row.sample_weight = w.empty() ? 1.0 : std::strtod(w.c_str(), &end);
      if (!w.empty() && (end != w.c_str() + w.size() || !(row.sample_weight >= 1) || !std::isfinite(row.sample_weight))) {
        throw InputError(fmt::format("{}:{}: column \"sample_weight\": \"{}\" is not a number >= 1 (the answered "
                                     "requests a logged row stands for); fix the cell or drop the column",
                                     path.string(), record.line, w));
      }
    }
    if (auto bad = FindInvalidUtf8(row.text)) {
      throw InputError(fmt::format("{}:{}: column \"{}\": not valid UTF-8 at byte {}; convert the file to UTF-8",
                                   path.string(), record.line, table->columns()[*text], *bad));
    }
    window.rows.push_back(std::move(row));
  }
  if (window.rows.empty()) {
    throw InputError(fmt::format("{}: the window has no rows; pass the file with this window's traffic",
                                 path.string()));
  }
  SetTimeRange(window);
  return window;
}

TrafficWindow LoadTrafficLog(const std::filesystem::path& log, const std::string& since, const std::string& until) {
  TrafficWindow window;
  window.source = fmt::format("traffic log {} [{}, {})", log.string(), since.empty() ? "start" : since,
                              until.empty() ? "now" : until);
  window.has_feedback_column = true;
  serve::ReadTraffic(log, since, until, [&](const serve::TrafficRow& r) {
    if (r.text.rfind("xxh64:", 0) == 0) {
      throw InputError(fmt::format("{}: the log stores hashes instead of texts (`serve --redact`); the monitor "
                                   "needs the texts: pass a traffic file with them (--traffic)",
                                   log.string()));
    }
    window.rows.push_back(FromLog(r));
  });
  // Labels given in this window to earlier requests: late feedback, not this window's traffic.
  serve::ReadLateFeedback(log, since, until, [&](const serve::TrafficRow& r) {
    if (r.text.rfind("xxh64:", 0) == 0) return;  // a redacted text cannot be trained on
    WindowRow row = FromLog(r);
    row.late = true;
    window.rows.push_back(std::move(row));
  });
  if (window.TrafficRows() == 0) {
    throw InputError(fmt::format("{}: no requests between {} and {}; check --since/--until", log.string(),
                                 since.empty() ? "the start" : since, until.empty() ? "now" : until));
  }
  SetTimeRange(window);
  return window;
}

void CanonicalizeFeedbackSets(TrafficWindow& window, std::string_view separator) {
  std::vector<std::string> labels;
  for (WindowRow& row : window.rows) {
    if (row.feedback.empty()) continue;
    const std::string problem = ParseFeedbackSet(row.feedback, separator, labels);
    if (!problem.empty()) {
      const std::string where = row.line > 0 ? fmt::format("{}:{}", window.source, row.line)
                                             : fmt::format("{} (request {})", window.source, row.id);
      throw InputError(fmt::format("{}: feedback {}: {} (a multi-label task's feedback is a set: labels joined by "
                                   "{}, a JSON list, or [] for none of the intents)",
                                   where, Quoted(row.feedback), problem, Quoted(std::string(separator))));
    }
    row.feedback = FeedbackSetText(labels, separator);
  }
}

}  // namespace trainops::drift
