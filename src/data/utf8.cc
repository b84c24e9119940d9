// UTF-8 validation with an 8-bytes-at-a-time ASCII fast path: almost all support text is
// ASCII, and validation runs on every field of every row while training streams data.
#include "data/utf8.h"

#include <cstdint>
#include <cstring>

namespace trainops {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Decodes one sequence starting at text[pos] (a non-ASCII lead byte). Returns its length
// and sets `code_point`, or 0 when ill-formed.
size_t DecodeMultiByte(std::string_view text, size_t pos, char32_t& code_point) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  size_t left = text.size() - pos;
  unsigned char lead = s[0];
  size_t len;
  char32_t cp;
  // The second byte's valid range depends on the lead byte (Unicode Table 3-7); checking
  // it rejects overlong forms, surrogates and values above U+10FFFF in one place.
  unsigned char lo = 0x80, hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (left < len) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  cp = (cp << 6) | (s[1] & 0x3F);
  for (size_t i = 2; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  code_point = cp;
  return len;
}

bool IsBlankCodePoint(char32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  size_t pos = 0;
  const size_t size = text.size();
  while (pos < size) {
    if (pos + 8 <= size) {
      uint64_t chunk;
      std::memcpy(&chunk, text.data() + pos, 8);
      if ((chunk & kHighBits) == 0) {
        pos += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    char32_t cp;
    size_t len = DecodeMultiByte(text, pos, cp);
    if (len == 0) return pos;
    pos += len;
  }
  return std::nullopt;
}

bool IsBlankText(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
      if (!IsBlankCodePoint(c)) return false;
      ++pos;
      continue;
    }
    char32_t cp;
    size_t len = DecodeMultiByte(text, pos, cp);
    if (len == 0 || !IsBlankCodePoint(cp)) return false;
    pos += len;
  }
  return true;
}

}  // namespace trainops
