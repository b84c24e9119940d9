// UTF-8 decoding and encoding, shared by row validation (data) and normalization and
// tokenization (text), so there is one decoder.
// The decoder validates as the Unicode standard's Table 3-7 prescribes and reports each
// "maximal subpart" of an ill-formed sequence as one error, which is how U+FFFD
// replacement is specified (and what browsers and ICU do). Stateless, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace trainops::utf8 {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct DecodedChar {
  char32_t cp;     // the code point, or kReplacementChar when !valid
  uint32_t bytes;  // bytes consumed (>= 1 whenever at least one byte was available)
  bool valid;
};

// Decodes the code point starting at s[pos] (pos < s.size()).
inline DecodedChar DecodeUtf8(std::string_view s, size_t pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
  const size_t avail = s.size() - pos;
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return {b0, 1, true};
  uint32_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {kReplacementChar, 1, false};  // stray continuation byte, C0, C1, F5..FF
  }
  for (uint32_t k = 1; k <= need; ++k) {
    if (k >= avail) return {kReplacementChar, k, false};  // truncated at end of input
    const unsigned char b = p[k];
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return {kReplacementChar, k, false};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, need + 1, true};
}

// Appends the UTF-8 encoding of a valid code point.
inline void AppendUtf8(std::string& out, char32_t cp) {
  char buf[4];
  size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  out.append(buf, n);
}

// Index of the first byte >= 0x80 at or after `pos`, or s.size(). Eight bytes at a time
// because most support messages are pure ASCII and this decides the fast path.
inline size_t FindNonAscii(std::string_view s, size_t pos) {
  const size_t n = s.size();
  while (pos + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, s.data() + pos, 8);
    if (word & 0x8080808080808080ULL) break;
    pos += 8;
  }
  while (pos < n && static_cast<unsigned char>(s[pos]) < 0x80) ++pos;
  return pos;
}

// Index of the first byte < 0x80 at or after `pos`, or s.size().
inline size_t FindAscii(std::string_view s, size_t pos) {
  while (pos < s.size() && static_cast<unsigned char>(s[pos]) >= 0x80) ++pos;
  return pos;
}

}  // namespace trainops::utf8
