// Tests for the UTF-8 decoder: well-formed boundaries, each kind of ill-formed sequence
// and the number of bytes each error consumes (one U+FFFD per maximal subpart), and
// agreement with utf8proc on which sequences are valid.
#include "common/utf8.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <random>
#include <string>

namespace trainops {
namespace {

using utf8::AppendUtf8;
using utf8::DecodeUtf8;

struct DecodeCase {
  const char* name;
  std::string bytes;
  bool valid;
  char32_t cp;  // when valid
  uint32_t consumed;
};

void PrintTo(const DecodeCase& c, std::ostream* os) { *os << c.name; }

class DecodeTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeTest, DecodesFirstCodePoint) {
  const DecodeCase& c = GetParam();
  const auto decoded = DecodeUtf8(c.bytes, 0);
  EXPECT_EQ(decoded.valid, c.valid) << c.name;
  EXPECT_EQ(decoded.bytes, c.consumed) << c.name;
  if (c.valid) {
    EXPECT_EQ(static_cast<uint32_t>(decoded.cp), static_cast<uint32_t>(c.cp)) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeTest,
    ::testing::Values(DecodeCase{"ascii", "A", true, U'A', 1},
                      DecodeCase{"last_ascii", "\x7F", true, 0x7F, 1},
                      DecodeCase{"first_two_byte", "\xC2\x80", true, 0x80, 2},
                      DecodeCase{"last_two_byte", "\xDF\xBF", true, 0x7FF, 2},
                      DecodeCase{"first_three_byte", "\xE0\xA0\x80", true, 0x800, 3},
                      DecodeCase{"before_surrogates", "\xED\x9F\xBF", true, 0xD7FF, 3},
                      DecodeCase{"last_bmp", "\xEF\xBF\xBF", true, 0xFFFF, 3},
                      DecodeCase{"first_four_byte", "\xF0\x90\x80\x80", true, 0x10000, 4},
                      DecodeCase{"last_code_point", "\xF4\x8F\xBF\xBF", true, 0x10FFFF, 4},
                      DecodeCase{"stray_continuation", "\x80", false, 0, 1},
                      DecodeCase{"overlong_two_byte_lead", "\xC0\xAF", false, 0, 1},
                      DecodeCase{"overlong_three_byte", "\xE0\x80\xAF", false, 0, 1},
                      DecodeCase{"surrogate", "\xED\xA0\x80", false, 0, 1},
                      DecodeCase{"overlong_four_byte", "\xF0\x80\x80\x80", false, 0, 1},
                      DecodeCase{"above_max", "\xF4\x90\x80\x80", false, 0, 1},
                      DecodeCase{"lead_f5", "\xF5\x80\x80\x80", false, 0, 1},
                      DecodeCase{"truncated_two_byte", "\xC3", false, 0, 1},
                      DecodeCase{"truncated_three_byte", "\xE2\x82", false, 0, 2},
                      DecodeCase{"truncated_four_byte", "\xF0\x9F\x98", false, 0, 3},
                      DecodeCase{"bad_third_byte", "\xE2\x82X", false, 0, 2},
                      DecodeCase{"bad_fourth_byte", "\xF0\x9F\x98X", false, 0, 3}),
    [](const ::testing::TestParamInfo<DecodeCase>& info) { return info.param.name; });

TEST(Utf8Test, EncodeDecodeRoundTripsEveryScalarValue) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    AppendUtf8(s, cp);
    const auto decoded = DecodeUtf8(s, 0);
    ASSERT_TRUE(decoded.valid) << static_cast<uint32_t>(cp);
    ASSERT_EQ(static_cast<uint32_t>(decoded.cp), static_cast<uint32_t>(cp));
    ASSERT_EQ(decoded.bytes, s.size());
  }
}

TEST(Utf8Test, AgreesWithUtf8procOnValidity) {
  std::mt19937 rng(11);
  for (int iteration = 0; iteration < 200000; ++iteration) {
    unsigned char bytes[4];
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(rng() & 0xFF);
    if (bytes[0] < 0x80) bytes[0] |= 0x80;
    const std::string s(reinterpret_cast<const char*>(bytes), 4);
    const auto decoded = DecodeUtf8(s, 0);
    utf8proc_int32_t cp;
    const utf8proc_ssize_t n = utf8proc_iterate(bytes, 4, &cp);
    ASSERT_EQ(decoded.valid, n > 0) << ::testing::PrintToString(s);
    if (n > 0) {
      ASSERT_EQ(decoded.bytes, static_cast<uint32_t>(n));
      ASSERT_EQ(static_cast<uint32_t>(decoded.cp), static_cast<uint32_t>(cp));
    }
  }
}

TEST(Utf8Test, FindNonAsciiScansWordsAndTail) {
  const std::string text = "0123456789abcdef\xC3\xA9xyz";
  EXPECT_EQ(utf8::FindNonAscii(text, 0), 16u);
  EXPECT_EQ(utf8::FindNonAscii(text, 17), 17u);
  EXPECT_EQ(utf8::FindNonAscii(text, 18), text.size());
  EXPECT_EQ(utf8::FindAscii(text, 16), 18u);
  EXPECT_EQ(utf8::FindNonAscii("", 0), 0u);
}

}  // namespace
}  // namespace trainops
