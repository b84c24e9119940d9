// Guessing which columns of a data file hold the text, the label, segments and time, for
// `trainops init`. Looks at the column names and a seeded random sample of rows (from the
// first 200,000), so it is quick on any file size and gives the same answer every run.
// Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/table_reader.h"

namespace trainops {

struct ColumnGuess {
  std::string text_column;   // "" when no column can hold text
  std::string label_column;  // "" when nothing looks like a label
  std::vector<std::string> segment_columns;
  std::string time_column;  // "" when none
  // One line per decision, for the user: what was chosen and why.
  std::string reasoning;
};

// How many rows GuessColumns samples.
inline constexpr size_t kColumnGuessSampleRows = 2000;

// The rules, in order (names match case-insensitively, as the whole name or one of its
// words: "customer_message" holds "message", "context" does not hold "text"):
// - time: a column whose values are at least 90% ISO-8601 dates/timestamps (one named
//   created_at, timestamp, time or date first);
// - text: the first column named by a hint (text, instruction, message, utterance, query,
//   sentence, body), else the non-numeric, mostly distinct column with the longest values;
// - label: the first column named by a hint (label, intent, category, class, target)
//   whose values repeat (2 or more values, distinct ones under 50% of rows), else the
//   repeating non-numeric column with the most values, reported as a weak guess;
// - segments: every other non-numeric column with 2 to 50 repeating values.
// Throws InputError when the file cannot be opened or has no header (as OpenTable).
// `format`: nullopt guesses it from the extension.
ColumnGuess GuessColumns(const std::filesystem::path& path, std::optional<FileFormat> format);

}  // namespace trainops
