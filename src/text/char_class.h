// Code point classes that drive tokenization (internal header). One place decides what a
// word character, a separator, an emoji or a script without spaces is, so the tokenizer
// and the tests agree. Backed by utf8proc's tables (Unicode 15 in Debian 12's utf8proc
// 2.8); stateless and thread-safe.
#pragma once

#include <array>
#include <cstdint>

namespace trainops::text_internal {

enum class CharClass : uint8_t {
  kSpace,     // white space, line breaks, other control characters: separate tokens
  kIgnore,    // invisible format characters (soft hyphen, bidi marks, BOM): skipped
  kWord,      // letters and digits of scripts that put spaces between words
  kNoSpace,   // letters/digits of Han, kana, Thai, Lao, Khmer, Myanmar: one token each
  kExtend,    // combining marks, ZWJ/ZWNJ, variation selectors, skin tones, tag chars:
              // attach to whatever precedes them
  kEmoji,     // Extended_Pictographic: starts an emoji token
  kRegional,  // regional indicator letters: pairs form a flag
  kOther,     // punctuation and other symbols: one token each
};

// Non-ASCII part of ClassifyCodePoint (a utf8proc table lookup).
CharClass ClassifyNonAscii(char32_t cp);
bool IsNonAsciiDecimalDigit(char32_t cp);

// ASCII is classified from a table, inline: it is most of the traffic.
constexpr std::array<CharClass, 128> MakeAsciiClasses() {
  std::array<CharClass, 128> table{};
  for (int c = 0; c < 128; ++c) {
    CharClass k = CharClass::kOther;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      k = CharClass::kWord;
    } else if (c <= 0x20 || c == 0x7F) {
      k = CharClass::kSpace;
    }
    table[c] = k;
  }
  return table;
}
inline constexpr std::array<CharClass, 128> kAsciiClasses = MakeAsciiClasses();

inline CharClass ClassifyCodePoint(char32_t cp) {
  return cp < 0x80 ? kAsciiClasses[cp] : ClassifyNonAscii(cp);
}

// Nd (decimal digits of any script), for "3.5" and "1,000".
inline bool IsDecimalDigit(char32_t cp) {
  return cp < 0x80 ? (cp >= '0' && cp <= '9') : IsNonAsciiDecimalDigit(cp);
}

// Variation selectors (FE00-FE0F, E0100-E01EF): they only make sense after a base.
inline bool IsVariationSelector(char32_t cp) {
  return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

// Scripts written without spaces between words; see char_class.cc for the ranges.
bool IsNoSpaceScript(char32_t cp);

// Characters that keep a word together when they sit between two word characters:
// the apostrophe (after normalization, U+2019 has become '), also U+2019 itself so that
// un-normalized input still tokenizes sensibly, and Hebrew geresh/gershayim.
inline bool IsWordInternalApostrophe(char32_t cp) {
  return cp == U'\'' || cp == 0x2019 || cp == 0x05F3 || cp == 0x05F4;
}

inline constexpr char32_t kZeroWidthJoiner = 0x200D;

}  // namespace trainops::text_internal
