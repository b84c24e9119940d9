// The normalized form of a text used to find duplicates and leakage: NFKC + case folding,
// punctuation and symbols dropped, and any white-space-separated chunk holding a digit
// (prices, sizes, order numbers like "#AS-482913") masked to "0". Two forms:
// ShingleText keeps one space between words (for character shingles), DuplicateKey drops
// the spaces too, so spacing changes ("hello ,world") do not matter. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace trainops {

std::string ShingleText(std::string_view raw_text);
std::string DuplicateKeyFromShingleText(std::string_view shingle_text);
inline std::string DuplicateKey(std::string_view raw_text) {
  return DuplicateKeyFromShingleText(ShingleText(raw_text));
}

}  // namespace trainops
