// Per-segment scores: every value of each segment column gets n, accuracy, macro-F1 and
// per-label recall with bootstrap intervals, and each column gets the gap between its
// best and worst segment with a permutation test of whether chance explains it.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/evaluator.h"

namespace trainops {

// How a segment cell holds several values: not at all, one per character ("BQZ" -> B, Q,
// Z), or separated by a string (";").
struct SegmentSplit {
  enum class Kind { kNone, kChars, kSeparator };
  Kind kind = Kind::kNone;
  std::string separator;
  std::string ToString() const;
  // "" or "none" | "chars" | any other text = the separator.
  static SegmentSplit Parse(std::string_view text);
};

// The split of each segment column: `all` for every column not named in `columns`.
// Implicitly built from one SegmentSplit (the same split for every column, as before).
struct SegmentSplits {
  SegmentSplit all;
  std::map<std::string, SegmentSplit> columns;
  SegmentSplits() = default;
  SegmentSplits(SegmentSplit s) : all(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  const SegmentSplit& For(std::string_view column) const;
  // A string when every column splits the same way, else {"*": all, column: split, ...}.
  nlohmann::json ToJson() const;
  // The --segment-split values, each either SPLIT (every column: "", none, chars or a
  // separator) or COL=SPLIT (that column; split at the first '=', so "tags==" splits on
  // "="). At most one plain SPLIT and one entry per column; throws InputError otherwise.
  static SegmentSplits ParseFlags(const std::vector<std::string>& values);
  // The task spec's evaluation.segment_split: `all` for every column, `columns` (the
  // mapping form) per column.
  static SegmentSplits FromSpec(std::string_view all, const std::map<std::string, std::string>& columns);
  // Throws InputError when a per-column entry names a column not in `segment_columns`
  // (with the nearest name), since that split would silently do nothing. `what` names
  // the source in the message ("--segment-split").
  void CheckColumns(const std::vector<std::string>& segment_columns, std::string_view what) const;
};

inline constexpr const char* kMissingSegment = "(missing)";

// The segment values of one cell: trimmed, without duplicates, in order of appearance;
// an empty cell is the single value "(missing)".
std::vector<std::string> SplitSegmentValue(std::string_view value, const SegmentSplit& split);

struct SegmentOptions {
  SegmentSplits split;
  int resamples = 1000;     // bootstrap resamples per segment
  int permutations = 1000;  // permutations for the gap test
  uint64_t seed = 42;
  uint64_t min_support = 50;  // smaller segments are listed but flagged too small to judge
  double level = 0.95;
  size_t max_segments = 200;  // per column, the largest ones (a free-text column would explode)
  int threads = 0;
};

// {"columns": [{column, split, segments: [...], gap: {...}}], "overall": {...}, settings};
// the top-level "split" is SegmentSplits::ToJson(), each column's "split" its own.
nlohmann::json AnalyzeSegments(const EvalResult& result, const SegmentOptions& options);

struct GapTest {
  double gap = 0;
  double p_value = 1;
  size_t segments = 0;  // segments compared
};
// Permutation test of max-min accuracy across segments: `members[s]` are the rows of
// segment s (rows may be in several segments); per-row correctness is shuffled across
// the rows that appear in any segment, keeping memberships.
GapTest PermutationGapTest(const std::vector<std::vector<uint32_t>>& members,
                           const std::vector<uint8_t>& correct, int permutations, uint64_t seed,
                           int threads);

// The "gap" entry of a segment column: PermutationGapTest over the segments large enough
// to judge (`eligible`, named `names`), with the best and worst segment's accuracy
// (`correct`: per row, 1 when right); a note when fewer than two are eligible.
nlohmann::json SegmentGapJson(const std::vector<std::vector<uint32_t>>& eligible, const std::vector<std::string>& names,
                              const std::vector<uint8_t>& correct, const SegmentOptions& options, uint64_t seed);

}  // namespace trainops
