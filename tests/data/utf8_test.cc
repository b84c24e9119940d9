// UTF-8 validation and blank-text detection, including the ASCII fast path boundaries.
#include "data/utf8.h"

#include <gtest/gtest.h>

#include "data/dataset.h"

namespace trainops {
namespace {

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  struct Case {
    std::string name;
    std::string text;
    std::optional<size_t> offset;
  };
  const std::vector<Case> cases = {
      {"empty", "", std::nullopt},
      {"ascii", "hello world, 123!", std::nullopt},
      {"two-byte", "caf\xC3\xA9", std::nullopt},
      {"three-byte", "\xE2\x82\xAC 5", std::nullopt},
      {"four-byte emoji", "\xF0\x9F\x91\x9F shoe", std::nullopt},
      {"largest code point", "\xF4\x8F\xBF\xBF", std::nullopt},
      {"han", "\xE9\x9E\x8B\xE5\xAD\x90", std::nullopt},
      {"lone continuation", "ab\x80", 2},
      {"invalid lead 0xFF", "\xFF", 0},
      {"overlong two-byte", "\xC0\x80", 0},
      {"overlong C1", "\xC1\xBF", 0},
      {"overlong three-byte", "\xE0\x80\xAF", 0},
      {"surrogate", "x\xED\xA0\x80", 1},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0},
      {"lead F5", "\xF5\x80\x80\x80", 0},
      {"truncated at end", "abc\xE2\x82", 3},
      {"truncated before ascii", "\xE2\x82x", 0},
      {"after the 8-byte fast path", "abcdefgh\xFFxyz", 8},
      {"inside the second 8-byte block", "abcdefghij\xC3(", 10},
      {"valid after long ascii", "abcdefghijklmnop\xC3\xA9qrstuvwxyz", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FindInvalidUtf8(c.text), c.offset) << c.name;
  }
}

TEST(Utf8Test, BlankText) {
  EXPECT_TRUE(IsBlankText(""));
  EXPECT_TRUE(IsBlankText(" \t\r\n\f\v"));
  EXPECT_TRUE(IsBlankText("\xC2\xA0"));                   // no-break space
  EXPECT_TRUE(IsBlankText("\xE3\x80\x80"));               // ideographic space
  EXPECT_TRUE(IsBlankText("\xE2\x80\x8B\xEF\xBB\xBF"));   // zero-width space, BOM
  EXPECT_TRUE(IsBlankText("\xE2\x80\x83 \xE2\x80\xAF"));  // em space, narrow nbsp
  EXPECT_FALSE(IsBlankText(" a "));
  EXPECT_FALSE(IsBlankText("\xC2\xA0.\xC2\xA0"));
  EXPECT_FALSE(IsBlankText("\xF0\x9F\x91\x9F"));  // an emoji is content
  EXPECT_FALSE(IsBlankText("\xFF"));              // invalid is not blank
}

TEST(Utf8Test, ValidateTextReasons) {
  EXPECT_EQ(ValidateText("where is my order?"), "");
  EXPECT_EQ(ValidateText("\xE2\x9D\xA4\xEF\xB8\x8F"), "");  // emoji with variation selector
  EXPECT_EQ(ValidateText(""), "empty text");
  EXPECT_EQ(ValidateText("  \n"), "text is only white space");
  EXPECT_EQ(ValidateText("ok\xED\xBF\xBF"), "invalid UTF-8 at byte offset 2 (byte 0xED)");
}

}  // namespace
}  // namespace trainops
