// Label sets of multi-label tasks (task.multi_label): a row's label cell names every intent
// the message has. In JSON Lines the cell is a list (["returns", "refunds"]); in CSV/TSV
// the labels are joined by data.label_separator ("returns|refunds"). An empty list or an
// empty cell is the empty set: a message with none of the intents.
//
// A set travels through the code as its canonical text: the labels sorted and joined by
// the separator (the empty set is ""). Equal sets have equal text whatever order they were
// written in, so the checks that compare labels as strings (the same text with different
// labels) compare sets. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trainops {

inline constexpr std::string_view kDefaultLabelSeparator = "|";

// Parses a label cell into its labels, sorted. `json_list` says the cell is the JSON text
// of a list (a JSONL array); otherwise it is split at `separator`, and white space around
// each label is dropped. Returns "" when fine, else the reason with the fix: an element
// that is not a string, an empty label, a label given twice, a list label containing the
// separator (it could not be written back to CSV).
std::string ParseLabelCell(std::string_view cell, bool json_list, std::string_view separator,
                           std::vector<std::string>& labels);

// The canonical text of a set: sorted labels joined by `separator` ("" for none).
std::string JoinLabelSet(std::vector<std::string> labels, std::string_view separator);

// The labels of a canonical text (or any separator-joined cell); "" gives the empty set.
std::vector<std::string> SplitLabelSet(std::string_view text, std::string_view separator);

// Feedback on a multi-label message (a traffic file's label column, the server's log, the
// labels a cycle records): there an empty cell means "not labelled yet", so the empty set
// ("none of the intents") is written "[]".
inline constexpr std::string_view kEmptySetFeedback = "[]";

// A non-empty feedback cell of a multi-label task: "[]", a JSON list (["returns",
// "refunds"]) or labels joined by `separator`. Sets `labels` (sorted) and returns "" when
// fine, else the reason with the fix (as ParseLabelCell).
std::string ParseFeedbackSet(std::string_view cell, std::string_view separator, std::vector<std::string>& labels);

// The form a cycle stores a multi-label feedback set in: the canonical text, or
// kEmptySetFeedback for the empty set.
std::string FeedbackSetText(const std::vector<std::string>& labels, std::string_view separator);

}  // namespace trainops
