#include "data/label_set.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "data/utf8.h"

namespace trainops {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Sorted and checked for repeats and empties; "" when fine.
std::string Finish(std::vector<std::string>& labels) {
  for (const std::string& label : labels) {
    if (IsBlankText(label)) return "an empty label in the set; remove it (an empty list means none of the intents)";
  }
  std::sort(labels.begin(), labels.end());
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i] == labels[i - 1]) {
      return "label " + Quoted(labels[i]) + " is given twice in the set; list each label once";
    }
  }
  return "";
}

}  // namespace

std::string ParseLabelCell(std::string_view cell, bool json_list, std::string_view separator,
                           std::vector<std::string>& labels) {
  labels.clear();
  if (json_list) {
    const nlohmann::json list = nlohmann::json::parse(cell, nullptr, /*allow_exceptions=*/false);
    if (!list.is_array()) return "expected a list of labels such as [\"returns\", \"refunds\"], got an object";
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) {
        return "element " + std::to_string(i + 1) + " of the label list is " + list[i].dump() +
               ", not a string; write every label as a string";
      }
      std::string label = list[i].get<std::string>();
      if (!separator.empty() && label.find(separator) != std::string::npos) {
        return "label " + Quoted(label) + " contains the label separator " + Quoted(separator) +
               "; rename the label, or set data.label_separator to a string no label contains";
      }
      labels.push_back(std::move(label));
    }
    return Finish(labels);
  }
  labels = SplitLabelSet(cell, separator);
  for (const std::string& label : labels) {
    if (label.empty()) {
      return "an empty label between separators " + Quoted(separator) + " in " + Quoted(cell) +
             "; remove the extra separator";
    }
  }
  return Finish(labels);
}

std::string JoinLabelSet(std::vector<std::string> labels, std::string_view separator) {
  std::sort(labels.begin(), labels.end());
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += separator;
    out += labels[i];
  }
  return out;
}

std::vector<std::string> SplitLabelSet(std::string_view text, std::string_view separator) {
  std::vector<std::string> labels;
  if (TrimSpaces(text).empty()) return labels;
  if (separator.empty()) {
    labels.emplace_back(TrimSpaces(text));
    return labels;
  }
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    labels.emplace_back(TrimSpaces(text.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) break;
    start = end + separator.size();
  }
  return labels;
}

std::string ParseFeedbackSet(std::string_view cell, std::string_view separator, std::vector<std::string>& labels) {
  const std::string_view trimmed = TrimSpaces(cell);
  const bool json_list = !trimmed.empty() && trimmed.front() == '[';
  if (json_list && !nlohmann::json::accept(trimmed)) {
    labels.clear();
    return "a label cell starting with [ must be a JSON list such as [\"returns\", \"refunds\"] ([] for none of "
           "the intents)";
  }
  return ParseLabelCell(trimmed, json_list, separator, labels);
}

std::string FeedbackSetText(const std::vector<std::string>& labels, std::string_view separator) {
  return labels.empty() ? std::string(kEmptySetFeedback) : JoinLabelSet(labels, separator);
}

}  // namespace trainops
