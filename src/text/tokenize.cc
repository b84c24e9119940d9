// Tokenizer. Rules (the header comment of Tokenize in features.h is the contract):
// - a word is a run of letters, digits and combining marks of space-separated scripts
//   (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Hangul...). Letters and digits
//   mix freely, so "10.5cm", "size10" and "v2" are single words. An apostrophe (or
//   Hebrew geresh/gershayim) between two word characters stays inside ("don't",
//   "customer's", "rock'n'roll"); one at either end is a symbol token ("'90s" ->
//   "'" "90s", "customers'" -> "customers" "'"). A '.' or ',' between two decimal digits
//   stays inside ("3.5", "1,000", "1.000,50"); anywhere else it is punctuation.
//   Hyphens split ("t-shirt" -> "t" "-" "shirt"): hyphenation is inconsistent in
//   support messages and the char n-grams still see both halves.
// - every other punctuation or symbol character is its own token.
// - an emoji is one token together with what renders as part of it: variation
//   selectors, skin-tone modifiers, tag characters, and further pictographs joined by
//   ZWJ (a family, a profession with a skin tone). Two regional indicators form a flag.
// - Han, Hiragana, Katakana, Thai, Lao, Khmer and Myanmar have no spaces between words,
//   so each character is a token (with its combining marks), and word n-grams over them
//   act as character n-grams.
// - combining marks, ZWJ/ZWNJ and variation selectors never start a token of their own
//   when something precedes them: no code point and no grapheme is ever split.
// Stateless, thread-safe.
#include "text/tokenize.h"

#include <string>
#include <vector>

#include "common/utf8.h"
#include "text/char_class.h"
#include "text/features.h"

namespace trainops {
namespace text_internal {

using utf8::DecodedChar;
using utf8::DecodeUtf8;

namespace {

// Consumes combining marks and other grapheme extenders starting at `pos`.
size_t ScanExtenders(std::string_view s, size_t pos) {
  while (pos < s.size() && static_cast<unsigned char>(s[pos]) >= 0x80) {
    const DecodedChar c = DecodeUtf8(s, pos);
    if (!c.valid || ClassifyCodePoint(c.cp) != CharClass::kExtend) break;
    pos += c.bytes;
  }
  return pos;
}

// Consumes the rest of an emoji whose first pictograph ends at `pos`.
size_t ScanEmoji(std::string_view s, size_t pos) {
  while (pos < s.size() && static_cast<unsigned char>(s[pos]) >= 0x80) {
    const DecodedChar c = DecodeUtf8(s, pos);
    if (!c.valid) break;
    if (c.cp == kZeroWidthJoiner) {
      pos += c.bytes;
      if (pos < s.size()) {
        const DecodedChar next = DecodeUtf8(s, pos);
        if (next.valid && ClassifyCodePoint(next.cp) == CharClass::kEmoji) pos += next.bytes;
      }
      continue;
    }
    if (ClassifyCodePoint(c.cp) != CharClass::kExtend) break;
    pos += c.bytes;
  }
  return pos;
}

// Consumes a word starting at `pos`.
size_t ScanWord(std::string_view s, size_t pos) {
  char32_t previous = 0;  // the last word character or mark taken
  while (pos < s.size()) {
    const DecodedChar c = DecodeUtf8(s, pos);
    if (!c.valid) break;
    const CharClass k = ClassifyCodePoint(c.cp);
    if (k == CharClass::kWord || k == CharClass::kExtend) {
      previous = c.cp;
      pos += c.bytes;
      continue;
    }
    const bool apostrophe = IsWordInternalApostrophe(c.cp);
    // Digit checks only here, at a '.' or ',' (rare), not for every character.
    if (apostrophe || ((c.cp == U'.' || c.cp == U',') && IsDecimalDigit(previous))) {
      const size_t next_pos = pos + c.bytes;
      if (next_pos < s.size()) {
        const DecodedChar next = DecodeUtf8(s, next_pos);
        const bool joins =
            next.valid &&
            (apostrophe ? ClassifyCodePoint(next.cp) == CharClass::kWord : IsDecimalDigit(next.cp));
        if (joins) {
          pos = next_pos;  // the next iteration takes the character after it
          continue;
        }
      }
    }
    break;
  }
  return pos;
}

}  // namespace

void TokenizeInto(std::string_view s, std::vector<Token>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < s.size()) {
    const DecodedChar c = DecodeUtf8(s, pos);
    if (!c.valid) {
      pos += c.bytes;
      continue;
    }
    const size_t start = pos;
    size_t end;
    TokenKind kind;
    switch (ClassifyCodePoint(c.cp)) {
      case CharClass::kSpace:
      case CharClass::kIgnore:
        pos += c.bytes;
        continue;
      case CharClass::kWord:
        end = ScanWord(s, start);
        kind = TokenKind::kWord;
        break;
      case CharClass::kNoSpace:
        end = ScanExtenders(s, start + c.bytes);
        kind = TokenKind::kChar;
        break;
      case CharClass::kEmoji:
        end = ScanEmoji(s, start + c.bytes);
        kind = TokenKind::kEmoji;
        break;
      case CharClass::kRegional: {
        end = start + c.bytes;
        if (end < s.size()) {
          const DecodedChar next = DecodeUtf8(s, end);
          if (next.valid && ClassifyCodePoint(next.cp) == CharClass::kRegional) {
            end += next.bytes;
          }
        }
        end = ScanExtenders(s, end);
        kind = TokenKind::kEmoji;
        break;
      }
      case CharClass::kExtend:
        // Nothing precedes it (start of text or after a space). Invisible joiners and
        // variation selectors on their own mean nothing; a lone skin-tone modifier shows
        // as a colour swatch; a lone combining mark is kept as (the start of) a word.
        if (c.cp == kZeroWidthJoiner || c.cp == 0x200C || IsVariationSelector(c.cp) ||
            (c.cp >= 0xE0000 && c.cp <= 0xE007F)) {
          pos += c.bytes;
          continue;
        }
        if (c.cp >= 0x1F3FB && c.cp <= 0x1F3FF) {
          end = ScanExtenders(s, start + c.bytes);
          kind = TokenKind::kEmoji;
        } else {
          end = ScanWord(s, start);
          kind = TokenKind::kWord;
        }
        break;
      case CharClass::kOther:
      default:
        end = ScanExtenders(s, start + c.bytes);
        kind = TokenKind::kSymbol;
        break;
    }
    out.push_back(Token{s.substr(start, end - start), kind});
    pos = end;
  }
}

}  // namespace text_internal

std::vector<std::string> Tokenize(std::string_view normalized) {
  std::vector<text_internal::Token> tokens;
  text_internal::TokenizeInto(normalized, tokens);
  std::vector<std::string> out;
  out.reserve(tokens.size());
  for (const auto& token : tokens) out.emplace_back(token.text);
  return out;
}

}  // namespace trainops
