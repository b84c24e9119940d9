#include "common/strings.h"

#include <gtest/gtest.h>

namespace trainops {
namespace {

TEST(StringsTest, NearestWordSuggestsTypoFix) {
  std::vector<std::string> keys = {"text_column", "label_column", "segment_columns"};
  EXPECT_EQ(NearestWord("lable_column", keys), "label_column");
  EXPECT_EQ(NearestWord("zzz", keys), "");
  EXPECT_EQ(DidYouMean("text_colum", keys), ", did you mean \"text_column\"?");
}

TEST(StringsTest, SplitKeepsEmptyParts) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(Trim("  x y \r\n"), "x y");
}

}  // namespace
}  // namespace trainops
