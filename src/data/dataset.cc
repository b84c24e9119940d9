// Loading examples: column resolution with helpful header errors, then one check per row
// (first problem wins, so a skipped row is listed exactly once).
#include "data/dataset.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "common/error.h"
#include "common/strings.h"
#include "data/file_shards.h"
#include "data/label_set.h"
#include "data/utf8.h"

namespace trainops {
namespace {

constexpr size_t kMaxColumnsListed = 30;
constexpr size_t kMaxLabelsListed = 10;

const char* const kSkipHint =
    "; to skip bad rows instead (they are counted and listed), pass --on-bad-row skip or set "
    "on_bad_row: skip in the task spec";

std::string ListColumns(const std::vector<std::string>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size() && i < kMaxColumnsListed; ++i) {
    if (i) out += ", ";
    out += Quoted(columns[i]);
  }
  if (columns.size() > kMaxColumnsListed) {
    out += " and " + std::to_string(columns.size() - kMaxColumnsListed) + " more";
  }
  return out;
}

// The index of the column playing `role`; InputError naming the file, the column, the
// columns that exist and the likely intended one when it is missing or ambiguous.
size_t ResolveColumn(const TableReader& reader, const std::string& file, FileFormat format,
                     const std::string& name, const std::string& role) {
  const auto& columns = reader.columns();
  if (name.empty()) {
    throw InputError(file + ": no " + role + " column given; set it in the task spec (columns: " +
                     ListColumns(columns) + ")");
  }
  std::vector<size_t> matches;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) matches.push_back(i);
  }
  if (matches.size() > 1) {
    throw InputError(file + ": column " + Quoted(name) + " (the " + role + " column) appears " +
                     std::to_string(matches.size()) +
                     " times in the header; rename the copies so the choice is not ambiguous");
  }
  if (matches.empty()) {
    std::string message = file + ": no column " + Quoted(name) + " (the " + role +
                          " column); the columns are " + ListColumns(columns);
    if (format == FileFormat::kJsonl) message += " (JSON Lines: the keys of the first object)";
    message += DidYouMean(name, columns);
    message += "; fix the column name in the task spec or in the file";
    throw InputError(message);
  }
  return matches.front();
}

struct ColumnPlan {
  size_t text = 0;
  std::optional<size_t> label;
  std::vector<size_t> segments;
  std::optional<size_t> time;
  std::optional<size_t> weight;
};

// The weight a cell gives, or nullopt when it is not a finite number in [0, kMaxRowWeight].
// The whole cell must be the number: "2kg" or "2 " is a typo, not a 2.
std::optional<float> ParseRowWeight(const std::string& cell) {
  if (cell.empty()) return 1.0f;
  double value = 0;
  const char* end = cell.data() + cell.size();
  auto [ptr, ec] = std::from_chars(cell.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0 || value > kMaxRowWeight) {
    return std::nullopt;
  }
  return static_cast<float>(value);
}

std::string ByteHex(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", byte);
  return buffer;
}

std::string InvalidUtf8Reason(std::string_view value, size_t offset) {
  return "invalid UTF-8 at byte offset " + std::to_string(offset) + " (byte " +
         ByteHex(static_cast<unsigned char>(value[offset])) +
         "); re-save the file as UTF-8 or fix the row";
}

// Checks one record and builds the example; returns the row's first problem instead when
// it has one.
class RowChecker {
 public:
  RowChecker(const DataSource& source, const TableReader& reader, FileFormat format,
             ColumnPlan plan)
      : source_(source),
        format_(format),
        width_(reader.columns().size()),
        plan_(std::move(plan)),
        label_set_(source.label_set.begin(), source.label_set.end()) {}

  std::optional<RowProblem> Check(RawRecord& record, Example& example) const {
    if (!record.malformed.empty())
      return Problem(record, "", "malformed record: " + record.malformed);
    if (auto problem = CheckText(record)) return problem;
    if (plan_.label) {
      if (auto problem = CheckLabel(record)) return problem;
    }
    for (size_t i = 0; i < plan_.segments.size(); ++i) {
      if (auto problem = CheckOptional(record, plan_.segments[i], source_.segment_columns[i])) {
        return problem;
      }
    }
    if (plan_.time) {
      if (auto problem = CheckOptional(record, *plan_.time, source_.time_column)) return problem;
    }
    if (plan_.weight) {
      if (auto problem = CheckWeight(record)) return problem;
    }
    Fill(record, example);
    return std::nullopt;
  }

 private:
  RowProblem Problem(const RawRecord& record, const std::string& column, std::string reason) const {
    return RowProblem{source_.path, record.line, column, std::move(reason)};
  }

  std::string MissingReason(const RawRecord& record) const {
    if (format_ == FileFormat::kJsonl) return "missing or null; add a value or drop the row";
    size_t fields = 0;
    for (bool present : record.present) fields += present ? 1 : 0;
    return "missing: the record has " + std::to_string(fields) + " field" +
           (fields == 1 ? "" : "s") + ", the header has " + std::to_string(width_) +
           "; add the value or drop the row";
  }

  std::optional<RowProblem> CheckText(const RawRecord& record) const {
    const std::string& column = source_.text_column;
    if (!record.present[plan_.text]) return Problem(record, column, MissingReason(record));
    std::string reason = ValidateText(record.values[plan_.text]);
    if (reason.empty()) return std::nullopt;
    if (reason.rfind("invalid UTF-8", 0) == 0) {
      reason += "; re-save the file as UTF-8 or fix the row";
    } else {
      reason += "; fill it or drop the row";
    }
    return Problem(record, column, std::move(reason));
  }

  std::optional<RowProblem> CheckLabel(const RawRecord& record) const {
    const std::string& column = source_.label_column;
    if (!record.present[*plan_.label]) return Problem(record, column, MissingReason(record));
    const std::string& label = record.values[*plan_.label];
    if (auto offset = FindInvalidUtf8(label)) {
      return Problem(record, column, InvalidUtf8Reason(label, *offset));
    }
    const bool is_list = *plan_.label < record.structured.size() && record.structured[*plan_.label];
    if (source_.multi_label) return CheckLabelSet(record, label, is_list);
    if (is_list) {
      return Problem(record, column,
                     "a list of labels in a single-label task; give one label, or set task.multi_label: true in "
                     "the task spec (docs/task_spec.md)");
    }
    if (label.empty()) return Problem(record, column, "empty label; fill it or drop the row");
    if (IsBlankText(label)) {
      return Problem(record, column, "label is only white space; fill it or drop the row");
    }
    return CheckDeclared(record, label);
  }

  // A multi-label cell: parsed into its set (parsed_labels_), each label checked.
  std::optional<RowProblem> CheckLabelSet(const RawRecord& record, const std::string& cell, bool is_list) const {
    std::string reason = ParseLabelCell(cell, is_list, source_.label_separator, parsed_labels_);
    if (!reason.empty()) return Problem(record, source_.label_column, std::move(reason));
    for (const std::string& label : parsed_labels_) {
      if (auto problem = CheckDeclared(record, label)) return problem;
    }
    return std::nullopt;
  }

  std::optional<RowProblem> CheckDeclared(const RawRecord& record, const std::string& label) const {
    const std::string& column = source_.label_column;
    if (!label_set_.empty() && !label_set_.count(label)) {
      std::string reason = "label " + Quoted(label) + " is not one of the " +
                           std::to_string(source_.label_set.size()) + " declared labels";
      std::string suggestion = DidYouMean(label, source_.label_set);
      if (!suggestion.empty()) {
        reason += suggestion;
      } else if (source_.label_set.size() <= kMaxLabelsListed) {
        reason += " (" + Join(source_.label_set, ", ") + ")";
      }
      reason += "; fix the label, or add it to the label set in the task spec";
      return Problem(record, column, std::move(reason));
    }
    return std::nullopt;
  }

  // Segment and time values may be missing; they only have to be valid text.
  std::optional<RowProblem> CheckOptional(const RawRecord& record, size_t index,
                                          const std::string& column) const {
    if (!record.present[index]) return std::nullopt;
    const std::string& value = record.values[index];
    if (auto offset = FindInvalidUtf8(value)) {
      return Problem(record, column, InvalidUtf8Reason(value, *offset));
    }
    return std::nullopt;
  }

  // A missing or empty weight cell is 1, so a file can weight only the rows that need it.
  std::optional<RowProblem> CheckWeight(const RawRecord& record) const {
    if (!record.present[*plan_.weight]) return std::nullopt;
    const std::string& cell = record.values[*plan_.weight];
    if (ParseRowWeight(cell)) return std::nullopt;
    std::string shown = FindInvalidUtf8(cell) ? "(not UTF-8)" : Quoted(cell);
    return Problem(record, source_.weight_column,
                   "weight " + shown + " is not a number from 0 to " + std::to_string(static_cast<int>(kMaxRowWeight)) +
                       "; write a decimal number such as 2 or 0.5 (leave the cell empty for 1), or drop the row");
  }

  void Fill(RawRecord& record, Example& example) const {
    example.line = record.line;
    example.weight = plan_.weight && record.present[*plan_.weight] ? *ParseRowWeight(record.values[*plan_.weight]) : 1.0f;
    // Segments and time are copied before text and label are moved out, since a column
    // may serve as both (e.g. the label column also used as a segment).
    example.segments.resize(plan_.segments.size());
    for (size_t i = 0; i < plan_.segments.size(); ++i) {
      size_t index = plan_.segments[i];
      if (record.present[index]) {
        example.segments[i] = record.values[index];
      } else {
        example.segments[i].clear();
      }
    }
    example.time.clear();
    if (plan_.time && record.present[*plan_.time]) example.time = record.values[*plan_.time];
    example.text = std::move(record.values[plan_.text]);
    example.label.clear();
    example.labels.clear();
    if (plan_.label && source_.multi_label) {
      example.labels = std::move(parsed_labels_);  // CheckLabelSet parsed this row's cell
      parsed_labels_.clear();
      example.label = JoinLabelSet(example.labels, source_.label_separator);
    } else if (plan_.label) {
      example.label = std::move(record.values[*plan_.label]);
    }
  }

  const DataSource& source_;
  FileFormat format_;
  size_t width_;
  ColumnPlan plan_;
  std::unordered_set<std::string> label_set_;
  // The set CheckLabelSet parsed, handed to Fill (one checker reads one file in order).
  mutable std::vector<std::string> parsed_labels_;
};

}  // namespace

BadRowPolicy ParseBadRowPolicy(std::string_view name) {
  if (name == "error") return BadRowPolicy::kError;
  if (name == "skip") return BadRowPolicy::kSkip;
  throw InputError("unknown bad-row policy \"" + std::string(name) + "\"" +
                   DidYouMean(name, {"error", "skip"}) + " (use error or skip)");
}

std::string RowProblem::ToString() const {
  std::string out = file.string() + ":" + std::to_string(line) + ": ";
  if (!column.empty()) out += "column " + Quoted(column) + ": ";
  return out + reason;
}

std::string InvalidUtf8Problem(std::string_view text) {
  if (auto offset = FindInvalidUtf8(text)) return InvalidUtf8Reason(text, *offset);
  return "";
}

std::string ValidateText(std::string_view text) {
  if (auto offset = FindInvalidUtf8(text)) {
    return "invalid UTF-8 at byte offset " + std::to_string(*offset) + " (byte " +
           ByteHex(static_cast<unsigned char>(text[*offset])) + ")";
  }
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    // Valid UTF-8, but never text: binary data, or UTF-16 read as bytes.
    return "a NUL byte at offset " + std::to_string(nul) + " (binary data, or a file in another encoding); remove it";
  }
  if (text.empty()) return "empty text";
  if (IsBlankText(text)) return "text is only white space";
  return "";
}

void StreamExamples(const DataSource& source, const std::function<void(Example&&)>& on_example,
                    const std::function<void(RowProblem&&)>& on_problem) {
  const FileFormat format = source.format ? *source.format : GuessFileFormat(source.path);
  auto reader = source.shard ? OpenTable(OpenRangeStream(source.path, source.shard->header_end, source.shard->begin,
                                                         source.shard->end),
                                         source.path.string(), format)
                             : OpenTable(source.path, format);
  const std::string file = source.path.string();

  ColumnPlan plan;
  plan.text = ResolveColumn(*reader, file, format, source.text_column, "text");
  if (!source.label_column.empty()) {
    if (source.label_column == source.text_column) {
      throw InputError(file + ": the text and label columns are both " +
                       Quoted(source.text_column) + "; the label must come from another column");
    }
    plan.label = ResolveColumn(*reader, file, format, source.label_column, "label");
  }
  for (const auto& name : source.segment_columns) {
    plan.segments.push_back(ResolveColumn(*reader, file, format, name, "segment"));
  }
  if (!source.time_column.empty()) {
    plan.time = ResolveColumn(*reader, file, format, source.time_column, "time");
  }
  if (!source.weight_column.empty()) {
    plan.weight = ResolveColumn(*reader, file, format, source.weight_column, "weight");
  }

  RowChecker checker(source, *reader, format, std::move(plan));
  RawRecord record;
  Example example;
  if (source.shard && source.shard->skip_first_record) reader->Next(record);
  while (reader->Next(record)) {
    if (source.shard) record.line = static_cast<uint64_t>(static_cast<int64_t>(record.line) + source.shard->line_shift);
    if (auto problem = checker.Check(record, example)) {
      if (source.on_bad_row == BadRowPolicy::kError) {
        throw InputError(problem->ToString() + kSkipHint);
      }
      if (on_problem) on_problem(std::move(*problem));
      continue;
    }
    on_example(std::move(example));
    example = Example();
  }
}

Dataset LoadDataset(const DataSource& source) {
  Dataset dataset;
  dataset.path = source.path;
  StreamExamples(
      source, [&](Example&& example) { dataset.examples.push_back(std::move(example)); },
      [&](RowProblem&& problem) { dataset.skipped.push_back(std::move(problem)); });
  dataset.rows_read = dataset.examples.size() + dataset.skipped.size();
  return dataset;
}

}  // namespace trainops
