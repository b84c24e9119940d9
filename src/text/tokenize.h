// Internal tokenizer API: tokens as views into the normalized text, with the kind the
// feature extractor needs, so the hot path allocates nothing per token. The public
// Tokenize() in features.h copies these views into strings. Stateless, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace trainops::text_internal {

enum class TokenKind : uint8_t {
  kWord,    // letters/digits (with marks, internal apostrophes, "3.5"): gets char n-grams
  kChar,    // one character of a script written without spaces (Han, kana, Thai...)
  kSymbol,  // one punctuation or symbol character (with any combining marks)
  kEmoji,   // one emoji, including ZWJ sequences, modifiers and flags
};

struct Token {
  std::string_view text;  // points into the string given to TokenizeInto
  TokenKind kind;
};

// Appends the tokens of `normalized` to `out` (cleared first). Bytes that are not valid
// UTF-8 are skipped (NormalizeText never produces them).
void TokenizeInto(std::string_view normalized, std::vector<Token>& out);

}  // namespace trainops::text_internal
