// Small string helpers shared by the spec parser and the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trainops {

size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit distance, or "" when none is close enough to be
// a plausible typo (distance above max(2, len/3)).
std::string NearestWord(std::string_view word, const std::vector<std::string>& candidates);

// ", did you mean \"x\"?" or "" (for appending to error messages).
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// text wrapped in double quotes, for messages.
std::string Quoted(std::string_view text);

std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::vector<std::string> Split(std::string_view text, char sep);
std::string_view Trim(std::string_view text);

}  // namespace trainops
