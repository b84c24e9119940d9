// UTF-8 validation with an 8-bytes-at-a-time ASCII fast path: almost all support text is
// ASCII, and validation runs on every field of every row while training streams data.
// Decoding is common/utf8.h's, the same decoder normalization uses.
#include "data/utf8.h"

#include "common/utf8.h"

namespace trainops {
namespace {

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
  size_t pos = utf8::FindNonAscii(text, 0);
  while (pos < text.size()) {
    const utf8::DecodedChar c = utf8::DecodeUtf8(text, pos);
    if (!c.valid) return pos;
    pos = utf8::FindNonAscii(text, pos + c.bytes);
  }
  return std::nullopt;
}

bool IsBlankText(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const utf8::DecodedChar c = utf8::DecodeUtf8(text, pos);
    if (!c.valid || !IsBlankCodePoint(c.cp)) return false;
    pos += c.bytes;
  }
  return true;
}

}  // namespace trainops
