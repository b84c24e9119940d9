// Label sets of multi-label tasks: parsing a cell (JSONL list or separator-joined), the
// canonical text, and the row errors a user meets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "data/dataset.h"
#include "data/label_set.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::TempDir;
using ::testing::HasSubstr;

TEST(LabelSetTest, ParsesJsonListsSorted) {
  std::vector<std::string> labels;
  EXPECT_EQ(ParseLabelCell(R"(["returns", "refunds"])", true, "|", labels), "");
  EXPECT_EQ(labels, (std::vector<std::string>{"refunds", "returns"}));
  EXPECT_EQ(ParseLabelCell("[]", true, "|", labels), "");
  EXPECT_TRUE(labels.empty());
}

TEST(LabelSetTest, SplitsCellsAtTheSeparatorAndTrimsSpaces) {
  std::vector<std::string> labels;
  EXPECT_EQ(ParseLabelCell("sizing | returns|refunds", false, "|", labels), "");
  EXPECT_EQ(labels, (std::vector<std::string>{"refunds", "returns", "sizing"}));
  EXPECT_EQ(ParseLabelCell("", false, "|", labels), "");
  EXPECT_TRUE(labels.empty());
  EXPECT_EQ(ParseLabelCell("a;;b", false, ";;", labels), "");
  EXPECT_EQ(labels, (std::vector<std::string>{"a", "b"}));
}

TEST(LabelSetTest, RefusesTheMistakesUsersMake) {
  std::vector<std::string> labels;
  EXPECT_THAT(ParseLabelCell("returns|returns", false, "|", labels), HasSubstr("given twice"));
  EXPECT_THAT(ParseLabelCell(R"(["a", "a"])", true, "|", labels), HasSubstr("given twice"));
  EXPECT_THAT(ParseLabelCell("a||b", false, "|", labels), HasSubstr("empty label between separators"));
  EXPECT_THAT(ParseLabelCell("a|", false, "|", labels), HasSubstr("empty label"));
  EXPECT_THAT(ParseLabelCell(R"(["a|b"])", true, "|", labels), HasSubstr("contains the label separator"));
  EXPECT_THAT(ParseLabelCell(R"(["a", 3])", true, "|", labels), HasSubstr("element 2"));
  EXPECT_THAT(ParseLabelCell(R"(["a", " "])", true, "|", labels), HasSubstr("empty label"));
  EXPECT_THAT(ParseLabelCell(R"({"a": 1})", true, "|", labels), HasSubstr("expected a list"));
}

TEST(LabelSetTest, CanonicalTextIsOrderFree) {
  EXPECT_EQ(JoinLabelSet({"returns", "refunds"}, "|"), "refunds|returns");
  EXPECT_EQ(JoinLabelSet({"refunds", "returns"}, "|"), "refunds|returns");
  EXPECT_EQ(JoinLabelSet({}, "|"), "");
  EXPECT_EQ(SplitLabelSet("refunds|returns", "|"), (std::vector<std::string>{"refunds", "returns"}));
  EXPECT_TRUE(SplitLabelSet("", "|").empty());
}

DataSource MultiSource(const std::filesystem::path& path) {
  DataSource source;
  source.path = path;
  source.label_column = "intents";
  source.multi_label = true;
  return source;
}

TEST(LabelSetTest, JsonlListsAndEmptySetsLoad) {
  TempDir dir;
  const auto path = dir.Write("t.jsonl",
                              "{\"text\": \"too small, send back\", \"intents\": [\"sizing\", \"returns\"]}\n"
                              "{\"text\": \"hello there\", \"intents\": []}\n"
                              "{\"text\": \"where is it\", \"intents\": \"shipping|order_status\"}\n");
  const Dataset data = LoadDataset(MultiSource(path));
  ASSERT_EQ(data.examples.size(), 3u);
  EXPECT_EQ(data.examples[0].labels, (std::vector<std::string>{"returns", "sizing"}));
  EXPECT_EQ(data.examples[0].label, "returns|sizing");
  EXPECT_TRUE(data.examples[1].labels.empty());
  EXPECT_EQ(data.examples[1].label, "");
  // A string cell in JSONL is split at the separator, as in CSV.
  EXPECT_EQ(data.examples[2].labels, (std::vector<std::string>{"order_status", "shipping"}));
}

TEST(LabelSetTest, CsvCellsUseTheConfiguredSeparator) {
  TempDir dir;
  const auto path = dir.Write("t.csv", "text,intents\ntoo small,sizing;returns\nhi,\n");
  DataSource source = MultiSource(path);
  source.label_separator = ";";
  const Dataset data = LoadDataset(source);
  ASSERT_EQ(data.examples.size(), 2u);
  EXPECT_EQ(data.examples[0].labels, (std::vector<std::string>{"returns", "sizing"}));
  EXPECT_EQ(data.examples[0].label, "returns;sizing");
  EXPECT_TRUE(data.examples[1].labels.empty());
}

TEST(LabelSetTest, RowErrorsNameFileLineAndColumn) {
  TempDir dir;
  const auto dup = dir.Write("dup.csv", "text,intents\nok,a\nbad,a|a\n");
  try {
    LoadDataset(MultiSource(dup));
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dup.csv:3: column \"intents\""));
    EXPECT_THAT(e.what(), HasSubstr("given twice"));
  }
  DataSource declared = MultiSource(dir.Write("d.csv", "text,intents\nx,a|zz\n"));
  declared.label_set = {"a", "b"};
  try {
    LoadDataset(declared);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("d.csv:2"));
    EXPECT_THAT(e.what(), HasSubstr("label \"zz\" is not one of the 2 declared labels"));
  }
}

TEST(LabelSetTest, AListInASingleLabelTaskIsAnError) {
  TempDir dir;
  DataSource source = MultiSource(dir.Write("s.jsonl", "{\"text\": \"x\", \"intents\": [\"a\", \"b\"]}\n"));
  source.multi_label = false;
  try {
    LoadDataset(source);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("s.jsonl:1"));
    EXPECT_THAT(e.what(), HasSubstr("task.multi_label: true"));
  }
}

}  // namespace
}  // namespace trainops
