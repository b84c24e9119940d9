#include "check/text_key.h"

#include <utf8proc.h>

#include "text/features.h"

namespace trainops {
namespace {

bool IsDroppable(utf8proc_int32_t cp) {
  if (cp < 0x80) {
    return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == ' ');
  }
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK: case UTF8PROC_CATEGORY_SO: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_MN:  // leftover combining marks of dropped symbols (e.g. VS16)
      return true;
    default: return false;
  }
}

bool IsDigit(utf8proc_int32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 0x80 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ND);
}

}  // namespace

std::string ShingleText(std::string_view raw_text) {
  const std::string normalized = NormalizeText(raw_text);  // one ' ' between chunks
  std::string out;
  out.reserve(normalized.size());
  size_t pos = 0;
  while (pos < normalized.size()) {
    size_t end = normalized.find(' ', pos);
    if (end == std::string::npos) end = normalized.size();
    std::string chunk;
    bool has_digit = false;
    const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(normalized.data());
    for (size_t i = pos; i < end;) {
      utf8proc_int32_t cp = 0;
      utf8proc_ssize_t n = utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(end - i), &cp);
      if (n <= 0) {
        ++i;
        continue;
      }
      if (IsDigit(cp)) has_digit = true;
      if (!IsDroppable(cp)) chunk.append(normalized, i, static_cast<size_t>(n));
      i += static_cast<size_t>(n);
    }
    // Any number reads as one token "0", so order numbers do not make texts differ.
    if (has_digit || !chunk.empty()) {
      if (!out.empty()) out += ' ';
      if (has_digit) out += '0';
      else out += chunk;
    }
    pos = end + 1;
  }
  return out;
}

std::string DuplicateKeyFromShingleText(std::string_view shingle_text) {
  std::string out;
  out.reserve(shingle_text.size());
  for (char c : shingle_text)
    if (c != ' ') out += c;
  return out;
}

}  // namespace trainops
