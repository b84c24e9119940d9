// Loading labelled examples from a table: column selection by name, per-row validation
// (invalid UTF-8, missing column, empty text, label outside the declared set) and a
// bad-row policy. Every problem carries file, line, column and reason; skipped rows are
// counted and listed, never dropped silently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/table_reader.h"

namespace trainops {

enum class BadRowPolicy { kError, kSkip };

// The largest per-row training weight: beyond it one row would outweigh whole labels, and
// a typo (an id pasted into the weight column) would go unnoticed.
inline constexpr double kMaxRowWeight = 1000;
BadRowPolicy ParseBadRowPolicy(std::string_view name);  // "error" | "skip"

struct DataSource {
  std::filesystem::path path;
  std::optional<FileFormat> format;  // nullopt: by extension
  std::string text_column = "text";
  std::string label_column;  // empty: unlabelled (prediction input)
  std::vector<std::string> segment_columns;
  std::string time_column;  // empty: none
  // Per-row training weights (empty: none, every row weighs 1). A cell must be a finite
  // decimal number in [0, kMaxRowWeight]; an empty or missing cell means 1.
  std::string weight_column;
  // When non-empty, any other label is a row problem.
  std::vector<std::string> label_set;
  // Multi-label task (data/label_set.h): the label cell is a set, a JSONL list or labels
  // joined by `label_separator`; the empty set is allowed. Single-label: a JSONL list is a
  // row problem.
  bool multi_label = false;
  std::string label_separator = "|";
  BadRowPolicy on_bad_row = BadRowPolicy::kError;
  // Read only part of the file (data/file_shards.h): the header bytes, then bytes
  // [begin, end); rows keep the file's line numbers. Unset: the whole file.
  struct Shard {
    uint64_t header_end = 0, begin = 0, end = 0;
    int64_t line_shift = 0;          // added to the stream's line numbers
    bool skip_first_record = false;  // JSONL: the header's line is another process's row
  };
  std::optional<Shard> shard;
};

struct Example {
  std::string text;
  std::string label;                  // "" when unlabelled; multi-label: JoinLabelSet(labels)
  std::vector<std::string> segments;  // one per DataSource::segment_columns; "" when missing
  std::string time;                   // raw value of the time column; "" when none
  float weight = 1.0f;                // the weight column's value; 1 when there is none
  uint64_t line = 0;                  // physical line where the record starts
  std::vector<std::string> labels;    // multi-label only: the set, sorted (empty: none of them)
};

struct RowProblem {
  std::filesystem::path file;
  uint64_t line = 0;
  std::string column;  // "" when the problem is with the whole record
  std::string reason;  // what is wrong and how to fix it
  // "file:line: column "c": reason"
  std::string ToString() const;
};

struct Dataset {
  std::filesystem::path path;
  std::vector<Example> examples;
  std::vector<RowProblem> skipped;  // rows dropped under kSkip: one entry per row, its first
                                    // problem (checked in column order: record, text, label,
                                    // segments, time, weight)
  uint64_t rows_read = 0;           // records read, including skipped ones
};

// Streams examples one at a time, in file order, holding one record in memory. With
// kError the first problem throws InputError whose message is RowProblem::ToString() plus
// the fix ("pass --on-bad-row skip or set on_bad_row: skip"); with kSkip, `on_problem` is
// called once for each bad row and reading continues (pass one: a row skipped without it
// is not reported anywhere).
// Row checks: a malformed record; text missing, invalid UTF-8, empty or only white space;
// label (when label_column is set) missing, invalid UTF-8, empty, or outside label_set
// (multi-label: each label of the set, which may be empty; data/label_set.h);
// segment and time values invalid UTF-8 (missing ones become "", which is fine); a weight
// (when weight_column is set) that is not a finite number in [0, kMaxRowWeight].
// Missing or duplicated columns in the header are an InputError naming the file, the
// column and the columns that exist (with a did-you-mean); so are unreadable files.
void StreamExamples(const DataSource& source, const std::function<void(Example&&)>& on_example,
                    const std::function<void(RowProblem&&)>& on_problem);

// Loads the whole file into memory (StreamExamples underneath).
Dataset LoadDataset(const DataSource& source);

// Checks a single text for validity: returns the reason or "" when fine.
std::string ValidateText(std::string_view text);
// "" when `text` is well-formed UTF-8, else the reason and fix a row of a data file gets
// ("invalid UTF-8 at byte offset 3 (byte 0xFF); re-save the file as UTF-8 or fix the row").
std::string InvalidUtf8Problem(std::string_view text);

}  // namespace trainops
