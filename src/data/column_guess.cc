// Column guessing: name hints first (they say what the author meant), then statistics of
// the sampled values (length, distinctness, date-likeness) when no name helps.
#include "data/column_guess.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <random>
#include <unordered_set>

#include "common/strings.h"
#include "data/utf8.h"

namespace trainops {
namespace {

// In priority order: the first hint that names a suitable column wins.
const std::vector<std::string> kTextHints = {"text",  "instruction", "message", "utterance",
                                             "query", "sentence",    "body"};
const std::vector<std::string> kLabelHints = {"label", "intent", "category", "class", "target"};
const std::vector<std::string> kTimeHints = {"created_at", "timestamp", "time", "date"};

constexpr size_t kMaxSegmentValues = 50;
// The sample is drawn from at most this many rows, so guessing stays quick on huge files.
constexpr size_t kMaxScannedRows = 200000;
constexpr uint64_t kSampleSeed = 20240601;
constexpr double kDateShare = 0.9;     // share of values that must look like dates
constexpr double kNumericShare = 0.9;  // share of values that makes a column numeric
constexpr double kMaxLabelDistinctShare = 0.5;

struct ColumnStats {
  std::string name;
  size_t non_empty = 0;
  size_t total_length = 0;
  size_t dates = 0;
  size_t numbers = 0;
  std::unordered_set<std::string> distinct;

  double MeanLength() const { return non_empty ? double(total_length) / non_empty : 0.0; }
  double DistinctShare() const { return non_empty ? double(distinct.size()) / non_empty : 0.0; }
  bool MostlyDates() const { return non_empty > 0 && dates >= kDateShare * non_empty; }
  bool MostlyNumbers() const { return non_empty > 0 && numbers >= kNumericShare * non_empty; }
  bool LabelLike() const { return distinct.size() > 1 && DistinctShare() < kMaxLabelDistinctShare; }
};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "customer_message", "customerMessage" and "Customer Message" all hold the word
// "message"; "context" does not hold "text".
std::vector<std::string> NameWords(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  char previous = 0;
  for (char c : name) {
    bool alnum = std::isalnum(static_cast<unsigned char>(c));
    bool camel_break = std::isupper(static_cast<unsigned char>(c)) &&
                       std::islower(static_cast<unsigned char>(previous));
    if ((!alnum || camel_break) && !word.empty()) words.push_back(Lower(word)), word.clear();
    if (alnum) word.push_back(c);
    previous = c;
  }
  if (!word.empty()) words.push_back(Lower(word));
  return words;
}

bool IsDigits(std::string_view s, size_t pos, size_t count) {
  if (pos + count > s.size()) return false;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int Number(std::string_view s, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) value = value * 10 + (s[i] - '0');
  return value;
}

// ISO-8601 date or timestamp: YYYY-MM-DD, optionally followed by T or a space and
// HH:MM[:SS[.fraction]], then optionally Z or +HH:MM / -HHMM.
bool LooksLikeIsoTime(std::string_view s) {
  if (!IsDigits(s, 0, 4) || s.size() < 10 || s[4] != '-' || !IsDigits(s, 5, 2) || s[7] != '-' ||
      !IsDigits(s, 8, 2)) {
    return false;
  }
  int month = Number(s, 5, 2), day = Number(s, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (s.size() == 10) return true;
  if (s[10] != 'T' && s[10] != ' ') return false;
  if (!IsDigits(s, 11, 2) || s.size() < 16 || s[13] != ':' || !IsDigits(s, 14, 2)) return false;
  if (Number(s, 11, 2) > 23 || Number(s, 14, 2) > 59) return false;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!IsDigits(s, pos + 1, 2) || Number(s, pos + 1, 2) > 60) return false;
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      size_t digits = 0;
      while (pos + 1 + digits < s.size() && IsDigits(s, pos + 1 + digits, 1)) ++digits;
      if (digits == 0) return false;
      pos += 1 + digits;
    }
  }
  if (pos == s.size()) return true;
  if (s[pos] == 'Z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  std::string_view zone = s.substr(pos + 1);
  if (zone.size() == 5) return IsDigits(zone, 0, 2) && zone[2] == ':' && IsDigits(zone, 3, 2);
  return (zone.size() == 4 && IsDigits(zone, 0, 4)) || (zone.size() == 2 && IsDigits(zone, 0, 2));
}

bool LooksLikeNumber(std::string_view s) {
  size_t pos = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool digits = false, dot = false;
  for (; pos < s.size(); ++pos) {
    if (std::isdigit(static_cast<unsigned char>(s[pos]))) {
      digits = true;
    } else if (s[pos] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

std::string Describe(const ColumnStats& column, size_t rows) {
  return std::to_string(column.distinct.size()) + " distinct values in a sample of " +
         std::to_string(rows) + " rows";
}

// Columns whose name is, or holds the word, a hint - in hint order, exact names first.
std::vector<size_t> HintMatches(const std::vector<ColumnStats>& columns,
                                const std::vector<std::string>& hints) {
  std::vector<size_t> order;
  auto add = [&](size_t i) {
    if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
  };
  for (const auto& hint : hints) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (Lower(columns[i].name) == hint) add(i);
    }
  }
  for (const auto& hint : hints) {
    for (size_t i = 0; i < columns.size(); ++i) {
      auto words = NameWords(columns[i].name);
      if (std::find(words.begin(), words.end(), hint) != words.end()) add(i);
    }
  }
  return order;
}

class Guesser {
 public:
  Guesser(std::vector<ColumnStats> columns, size_t rows)
      : columns_(std::move(columns)), rows_(rows) {}

  ColumnGuess Run() {
    GuessTime();
    GuessText();
    GuessLabel();
    GuessSegments();
    return std::move(guess_);
  }

 private:
  void Note(const std::string& line) { guess_.reasoning += line + "\n"; }

  bool Taken(size_t i) const { return i == text_ || i == label_ || i == time_; }

  void GuessTime() {
    for (size_t i : HintMatches(columns_, kTimeHints)) {
      if (columns_[i].MostlyDates()) return SetTime(i, "its name suggests a time and");
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].MostlyDates()) return SetTime(i, "");
    }
  }

  void SetTime(size_t i, const std::string& why) {
    time_ = i;
    guess_.time_column = columns_[i].name;
    Note("time column " + Quoted(columns_[i].name) + ": " + why + (why.empty() ? "" : " ") +
         std::to_string(columns_[i].dates) + " of " + std::to_string(columns_[i].non_empty) +
         " values are ISO-8601 dates or timestamps");
  }

  void GuessText() {
    for (size_t i : HintMatches(columns_, kTextHints)) {
      if (i == time_) continue;
      if (rows_ > 0 && columns_[i].non_empty == 0) continue;
      text_ = i;
      guess_.text_column = columns_[i].name;
      Note("text column " + Quoted(columns_[i].name) + ": its name suggests the text");
      return;
    }
    // No name helps: free text is long and rarely repeats.
    std::optional<size_t> best;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const auto& c = columns_[i];
      if (i == time_ || c.non_empty == 0 || c.MostlyNumbers() || c.DistinctShare() < 0.5) continue;
      if (!best || c.MeanLength() > columns_[*best].MeanLength()) best = i;
    }
    if (!best) {
      Note(
          "text column: none found (no column name suggests text and no column holds "
          "mostly distinct, non-numeric values); set text_column by hand");
      return;
    }
    text_ = *best;
    guess_.text_column = columns_[*best].name;
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.1f", columns_[*best].MeanLength());
    Note("text column " + Quoted(columns_[*best].name) + ": no column name suggests the text; " +
         "it has the longest values (mean " + mean + " bytes) and " +
         std::to_string(int(columns_[*best].DistinctShare() * 100 + 0.5)) + "% distinct");
  }

  void GuessLabel() {
    for (size_t i : HintMatches(columns_, kLabelHints)) {
      const auto& c = columns_[i];
      if (Taken(i)) continue;
      if (!c.LabelLike()) {
        Note("not the label: " + Quoted(c.name) + " (" + Describe(c, rows_) +
             "; a label needs at least 2 and must repeat)");
        continue;
      }
      SetLabel(i, "its name suggests the label; ");
      return;
    }
    // No name helps: the label-like string column with the most classes (columns such as
    // a channel or a language usually have fewer values than the intents).
    std::optional<size_t> best;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const auto& c = columns_[i];
      if (Taken(i) || c.MostlyNumbers() || !c.LabelLike()) continue;
      if (!best || c.distinct.size() > columns_[*best].distinct.size()) best = i;
    }
    if (!best) {
      Note(
          "label column: none found; set label_column by hand (or leave it unset for "
          "unlabelled data)");
      return;
    }
    SetLabel(*best, "a weak guess (no column name suggests the label): ");
  }

  void SetLabel(size_t i, const std::string& why) {
    label_ = i;
    guess_.label_column = columns_[i].name;
    Note("label column " + Quoted(columns_[i].name) + ": " + why + Describe(columns_[i], rows_));
  }

  void GuessSegments() {
    std::vector<std::string> chosen;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const auto& c = columns_[i];
      if (Taken(i) || c.MostlyNumbers() || !c.LabelLike() ||
          c.distinct.size() > kMaxSegmentValues) {
        continue;
      }
      guess_.segment_columns.push_back(c.name);
      chosen.push_back(Quoted(c.name) + " (" + std::to_string(c.distinct.size()) + " values)");
    }
    if (chosen.empty()) {
      Note("segment columns: none (no other column has 2 to " + std::to_string(kMaxSegmentValues) +
           " repeating values)");
    } else {
      Note("segment columns " + Join(chosen) + ": few distinct values that repeat");
    }
  }

  static std::string Join(const std::vector<std::string>& parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
    return out;
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<ColumnStats> columns_;
  size_t rows_;
  size_t text_ = kNone, label_ = kNone, time_ = kNone;
  ColumnGuess guess_;
};

}  // namespace

ColumnGuess GuessColumns(const std::filesystem::path& path, std::optional<FileFormat> format) {
  auto reader = OpenTable(path, format ? *format : GuessFileFormat(path));
  std::vector<ColumnStats> columns(reader->columns().size());
  for (size_t i = 0; i < columns.size(); ++i) columns[i].name = reader->columns()[i];

  // A uniform sample (reservoir sampling, fixed seed) rather than the first rows: files
  // are often sorted by label, and the first rows would show few of the labels.
  std::vector<RawRecord> sample;
  std::mt19937_64 random(kSampleSeed);  // fully specified by the standard: reproducible
  RawRecord record;
  size_t seen = 0;
  while (seen < kMaxScannedRows && reader->Next(record)) {
    if (!record.malformed.empty()) continue;  // its values cannot be trusted
    ++seen;
    if (sample.size() < kColumnGuessSampleRows) {
      sample.push_back(record);
    } else if (uint64_t slot = random() % seen; slot < kColumnGuessSampleRows) {
      sample[slot] = record;
    }
  }
  for (const RawRecord& row : sample) {
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string& value = row.values[i];
      if (!row.present[i] || IsBlankText(value) || FindInvalidUtf8(value)) continue;
      ColumnStats& c = columns[i];
      ++c.non_empty;
      c.total_length += value.size();
      if (LooksLikeIsoTime(value)) ++c.dates;
      if (LooksLikeNumber(value)) ++c.numbers;
      c.distinct.insert(value);
    }
  }
  ColumnGuess guess = Guesser(std::move(columns), sample.size()).Run();
  if (sample.empty())
    guess.reasoning += "(the file has no data rows: guessed from the names only)\n";
  return guess;
}

}  // namespace trainops
