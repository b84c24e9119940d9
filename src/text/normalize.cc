// Text normalization: U+FFFD for invalid UTF-8, NFKC + case folding via utf8proc, then
// invisible and control characters dropped, white space collapsed to single spaces and
// typographic apostrophes made ASCII. Thread-safe (thread_local scratch only).
//
// Pure-ASCII runs skip utf8proc entirely: NFKC is the identity on ASCII and case folding
// is tolower, so a byte table gives the same answer ~20x faster (see
// bench/features_benchmark.cc). A non-ASCII run goes through utf8proc together with the
// ASCII character just before it, because that character can compose with a following
// combining mark ("e" + U+0301 -> "é", "=" + U+0338 -> "≠"). No canonical composition
// has an ASCII second element, so the character after the run needs no such care.
// Control characters that normalization drops are transparent to composition, so runs
// of them never end a segment early. Tests check the two paths agree on random input.
#include "text/normalize.h"

#include <utf8proc.h>

#include <array>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/utf8.h"
#include "text/char_class.h"
#include "text/features.h"

namespace trainops {
namespace text_internal {

using utf8::AppendUtf8;
using utf8::DecodedChar;
using utf8::DecodeUtf8;
using utf8::FindAscii;
using utf8::FindNonAscii;
using utf8::kReplacementChar;

namespace {

constexpr utf8proc_option_t kUtf8procOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);

constexpr char kDrop = 0;

// What each ASCII byte becomes: itself, lowercased, ' ' (white space, collapsed later) or
// kDrop. Information separators 0x1C-0x1F count as white space so they never glue two
// words together; the other control characters are dropped.
constexpr std::array<char, 128> MakeAsciiMap() {
  std::array<char, 128> map{};
  for (int c = 0; c < 128; ++c) {
    if (c >= 'A' && c <= 'Z') {
      map[c] = static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)) {
      map[c] = ' ';
    } else if (c < 0x20 || c == 0x7F) {
      map[c] = kDrop;
    } else {
      map[c] = static_cast<char>(c);
    }
  }
  return map;
}
constexpr std::array<char, 128> kAsciiMap = MakeAsciiMap();

// Appends normalized output, collapsing white space: a space is only written once
// something follows it, so leading and trailing white space disappear.
class Emitter {
 public:
  explicit Emitter(std::string& out) : out_(out) {}
  void Space() { pending_space_ = !out_.empty(); }
  void Byte(char c) {
    if (pending_space_) {
      out_.push_back(' ');
      pending_space_ = false;
    }
    out_.push_back(c);
  }
  void CodePoint(char32_t cp) {
    if (cp < 0x80) {
      Byte(static_cast<char>(cp));
      return;
    }
    if (pending_space_) {
      out_.push_back(' ');
      pending_space_ = false;
    }
    AppendUtf8(out_, cp);
  }
  // The hot loop of the fast path: writes through a pointer into space reserved up front
  // (ASCII output never exceeds its input plus one pending space) instead of push_back.
  void AsciiRun(std::string_view run) {
    if (run.empty()) return;
    const size_t old_size = out_.size();
    out_.resize(old_size + run.size() + 1);
    char* const begin = out_.data();
    char* write = begin + old_size;
    bool pending = pending_space_;
    for (const char ch : run) {
      const char mapped = kAsciiMap[static_cast<unsigned char>(ch)];
      if (mapped == ' ') {
        pending = write != begin;
      } else if (mapped != kDrop) {
        if (pending) {
          *write++ = ' ';
          pending = false;
        }
        *write++ = mapped;
      }
    }
    pending_space_ = pending;
    out_.resize(static_cast<size_t>(write - begin));
  }

 private:
  std::string& out_;
  bool pending_space_ = false;
};

// The post-NFKC mapping of one code point: ' ' for white space, kDropCp to remove it, or
// the code point to keep. Runs on the decomposed sequence, before composition, so that a
// dropped character cannot keep a base and its combining mark from composing.
constexpr char32_t kDropCp = 0xFFFFFFFF;
char32_t MapCodePoint(char32_t cp) {
  if (cp < 0x80) {
    const char mapped = kAsciiMap[cp];
    return mapped == kDrop ? kDropCp : static_cast<char32_t>(static_cast<unsigned char>(mapped));
  }
  // Typographic apostrophes: phones type "don’t"; NFKC keeps U+2019, so without this
  // "don’t" and "don't" would be different words. U+2018 is often typed for it too.
  if (cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) return U'\'';
  if (cp == 0x0085) return U' ';  // NEXT LINE
  // One property lookup for the common case; the rules match ClassifyCodePoint.
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return U' ';
    case UTF8PROC_CATEGORY_CC:
      return kDropCp;  // C1 controls
    case UTF8PROC_CATEGORY_CF:
      switch (ClassifyCodePoint(cp)) {
        case CharClass::kSpace:
          return U' ';  // ZERO WIDTH SPACE
        case CharClass::kIgnore:
          return kDropCp;  // soft hyphen, bidi controls, BOM, word joiner...
        default:
          return cp;  // ZWJ, ZWNJ, tag characters
      }
    default:
      return cp;
  }
}

struct Scratch {
  std::string sanitized;
  std::vector<utf8proc_int32_t> code_points;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Copies `segment` with each maximal ill-formed subsequence replaced by U+FFFD.
// Returns `segment` itself when it is already valid (the usual case).
std::string_view Sanitize(std::string_view segment, std::string& buffer) {
  size_t pos = 0;
  while (pos < segment.size()) {
    const DecodedChar c = DecodeUtf8(segment, pos);
    if (!c.valid) break;
    pos += c.bytes;
  }
  if (pos == segment.size()) return segment;
  buffer.assign(segment.substr(0, pos));
  while (pos < segment.size()) {
    const DecodedChar c = DecodeUtf8(segment, pos);
    if (c.valid) {
      buffer.append(segment.substr(pos, c.bytes));
    } else {
      AppendUtf8(buffer, kReplacementChar);
    }
    pos += c.bytes;
  }
  return buffer;
}

void NormalizeSegment(std::string_view segment, Emitter& emit) {
  Scratch& scratch = ThreadScratch();
  const std::string_view valid = Sanitize(segment, scratch.sanitized);
  std::vector<utf8proc_int32_t>& cps = scratch.code_points;
  // Usually at most one code point per byte, but NFKC can expand (U+FDFA becomes 18
  // code points), in which case utf8proc returns the size it needs and we retry.
  if (cps.size() < valid.size() + 16) cps.resize(valid.size() + 16);
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(valid.data());
  const auto length = static_cast<utf8proc_ssize_t>(valid.size());
  utf8proc_ssize_t count = utf8proc_decompose(
      bytes, length, cps.data(), static_cast<utf8proc_ssize_t>(cps.size()), kUtf8procOptions);
  if (count > static_cast<utf8proc_ssize_t>(cps.size())) {
    cps.resize(static_cast<size_t>(count));
    count = utf8proc_decompose(bytes, length, cps.data(), count, kUtf8procOptions);
  }
  if (count < 0) {
    // Sanitize() guarantees valid UTF-8, so this is our bug, not the user's input.
    throw InternalError(std::string("utf8proc_decompose failed on sanitized text: ") +
                        utf8proc_errmsg(count));
  }
  utf8proc_ssize_t kept = 0;
  for (utf8proc_ssize_t i = 0; i < count; ++i) {
    const char32_t mapped = MapCodePoint(static_cast<char32_t>(cps[i]));
    if (mapped != kDropCp) cps[kept++] = static_cast<utf8proc_int32_t>(mapped);
  }
  const utf8proc_ssize_t composed = utf8proc_normalize_utf32(cps.data(), kept, kUtf8procOptions);
  if (composed < 0) {
    throw InternalError(std::string("utf8proc_normalize_utf32 failed: ") +
                        utf8proc_errmsg(composed));
  }
  for (utf8proc_ssize_t i = 0; i < composed; ++i) {
    const auto cp = static_cast<char32_t>(cps[i]);
    if (cp == U' ') {
      emit.Space();
    } else {
      emit.CodePoint(cp);
    }
  }
}

bool IsDroppedAscii(char ch) { return kAsciiMap[static_cast<unsigned char>(ch)] == kDrop; }

}  // namespace

void NormalizeInto(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  Emitter emit(out);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t non_ascii = FindNonAscii(text, pos);
    if (non_ascii == text.size()) {
      emit.AsciiRun(text.substr(pos));
      break;
    }
    // The last kept ASCII character before the run may compose with it (see top of
    // file); dropped control characters in between must not change that, as they do
    // not on the utf8proc-only path, which drops them before composing.
    size_t segment_start = non_ascii;
    while (segment_start > pos && IsDroppedAscii(text[segment_start - 1])) --segment_start;
    if (segment_start > pos) --segment_start;
    emit.AsciiRun(text.substr(pos, segment_start - pos));
    // Likewise a following run that only holds dropped characters joins the next one.
    size_t segment_end = FindAscii(text, non_ascii);
    for (;;) {
      size_t after = segment_end;
      while (after < text.size() && static_cast<unsigned char>(text[after]) < 0x80 &&
             IsDroppedAscii(text[after])) {
        ++after;
      }
      if (after == segment_end || after == text.size() ||
          static_cast<unsigned char>(text[after]) < 0x80) {
        break;
      }
      segment_end = FindAscii(text, after);
    }
    NormalizeSegment(text.substr(segment_start, segment_end - segment_start), emit);
    pos = segment_end;
  }
}

std::string NormalizeWithoutAsciiFastPath(std::string_view text) {
  std::string out;
  Emitter emit(out);
  if (!text.empty()) NormalizeSegment(text, emit);
  return out;
}

}  // namespace text_internal

std::string NormalizeText(std::string_view text) {
  std::string out;
  text_internal::NormalizeInto(text, out);
  return out;
}

}  // namespace trainops
