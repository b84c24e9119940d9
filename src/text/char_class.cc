// Code point classification for the tokenizer. Stateless, thread-safe.
#include "text/char_class.h"

#include <utf8proc.h>

#include <algorithm>
#include <iterator>

namespace trainops::text_internal {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Sorted, non-overlapping. Han (with radicals, iteration marks and Hangzhou numerals),
// Hiragana, Katakana (including the phonetic extensions and the kana supplements),
// Thai, Lao, Myanmar (with its extensions) and Khmer (with Khmer symbols). Halfwidth
// katakana and CJK compatibility ideographs are listed too although NFKC maps most of
// them to the ranges above, so un-normalized input behaves the same.
constexpr Range kNoSpaceRanges[] = {
    {0x0E00, 0x0E7F},    // Thai
    {0x0E80, 0x0EFF},    // Lao
    {0x1000, 0x109F},    // Myanmar
    {0x1780, 0x17FF},    // Khmer
    {0x19E0, 0x19FF},    // Khmer symbols
    {0x2E80, 0x2FDF},    // CJK radicals supplement, Kangxi radicals
    {0x3005, 0x3007},    // ideographic iteration mark, closing mark, number zero
    {0x3021, 0x3029},    // Hangzhou numerals
    {0x3031, 0x3035},    // kana repeat marks
    {0x3038, 0x303C},    // Hangzhou numerals, masu mark
    {0x3041, 0x30FF},    // Hiragana, Katakana
    {0x31F0, 0x31FF},    // Katakana phonetic extensions
    {0x3400, 0x4DBF},    // CJK extension A
    {0x4E00, 0x9FFF},    // CJK unified ideographs
    {0xA9E0, 0xA9FF},    // Myanmar extended-B
    {0xAA60, 0xAA7F},    // Myanmar extended-A
    {0xF900, 0xFAFF},    // CJK compatibility ideographs
    {0xFF66, 0xFF9F},    // halfwidth katakana
    {0x1AFF0, 0x1B16F},  // kana extended-B, kana supplement, kana extended-A, small kana
    {0x20000, 0x323AF},  // CJK extensions B..H and compatibility supplement
};

}  // namespace

bool IsNoSpaceScript(char32_t cp) {
  if (cp < 0x0E00) return false;
  const auto* it = std::upper_bound(std::begin(kNoSpaceRanges), std::end(kNoSpaceRanges), cp,
                                    [](char32_t c, const Range& r) { return c < r.first; });
  if (it == std::begin(kNoSpaceRanges)) return false;
  return cp <= std::prev(it)->last;
}

bool IsNonAsciiDecimalDigit(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_ND;
}

CharClass ClassifyNonAscii(char32_t cp) {
  const utf8proc_property_t* prop = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  switch (prop->boundclass) {
    case UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC:
    case UTF8PROC_BOUNDCLASS_E_BASE:
    case UTF8PROC_BOUNDCLASS_E_BASE_GAZ:
    case UTF8PROC_BOUNDCLASS_GLUE_AFTER_ZWJ:
      return CharClass::kEmoji;
    case UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR:
      return CharClass::kRegional;
    // Grapheme extenders: marks, ZWJ/ZWNJ, variation selectors, emoji skin-tone
    // modifiers, tag characters, and spacing marks such as Thai SARA AM. Splitting them
    // from their base would produce tokens that render as nothing.
    case UTF8PROC_BOUNDCLASS_EXTEND:
    case UTF8PROC_BOUNDCLASS_SPACINGMARK:
    case UTF8PROC_BOUNDCLASS_ZWJ:
    case UTF8PROC_BOUNDCLASS_E_MODIFIER:
      return CharClass::kExtend;
    default:
      break;
  }
  switch (prop->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return IsNoSpaceScript(cp) ? CharClass::kNoSpace : CharClass::kWord;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return CharClass::kExtend;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
      return CharClass::kSpace;
    case UTF8PROC_CATEGORY_CF:
      // ZERO WIDTH SPACE marks a word boundary; the other format characters that are not
      // grapheme extenders (handled above) are invisible and carry no meaning here.
      return cp == 0x200B ? CharClass::kSpace : CharClass::kIgnore;
    default:
      return CharClass::kOther;
  }
}

}  // namespace trainops::text_internal
