// The weight column (DataSource::weight_column): numbers in [0, 1000], an empty or
// missing cell is 1, anything else a row problem naming file:line, the column and the
// value, under the bad-row policy like every other row problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "data/dataset.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

DataSource WeightedSource(const std::filesystem::path& path) {
  DataSource source;
  source.path = path;
  source.text_column = "text";
  source.label_column = "intent";
  source.weight_column = "w";
  return source;
}

TEST(WeightColumnTest, ReadsWeightsAndAnEmptyCellIsOne) {
  TempDir dir;
  auto path = dir.Write("train.csv",
                        "text,intent,w\n"
                        "a,x,2\n"
                        "b,y,\n"
                        "c,x,0.25\n"
                        "d,y,0\n"
                        "e,x,1000\n"
                        "f,y,1e2\n"
                        "g,x\n");  // a short record: the weight is missing, so 1
  Dataset data = LoadDataset(WeightedSource(path));
  ASSERT_EQ(data.examples.size(), 7u);
  const std::vector<float> expected = {2, 1, 0.25f, 0, 1000, 100, 1};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(data.examples[i].weight, expected[i]) << "row " << i;
}

TEST(WeightColumnTest, WithoutAWeightColumnEveryRowWeighsOne) {
  TempDir dir;
  auto path = dir.Write("train.csv", "text,intent,w\na,x,7\n");
  DataSource source = WeightedSource(path);
  source.weight_column.clear();
  EXPECT_EQ(LoadDataset(source).examples.at(0).weight, 1.0f);
}

TEST(WeightColumnTest, BadWeightsNameFileLineColumnValueAndFix) {
  for (const std::string bad : {"-1", "abc", "nan", "1e9", "inf", "1001", "2kg", " 2", "0x10"}) {
    TempDir dir;
    auto path = dir.Write("train.csv", "text,intent,w\na,x,1\nb,y,\"" + bad + "\"\n");
    try {
      LoadDataset(WeightedSource(path));
      ADD_FAILURE() << "weight \"" << bad << "\" was accepted";
    } catch (const InputError& e) {
      const std::string message = e.what();
      EXPECT_THAT(message, HasSubstr(path.string() + ":3: column \"w\": weight \"" + bad + "\"")) << message;
      EXPECT_THAT(message, HasSubstr("from 0 to 1000")) << message;
      EXPECT_THAT(message, HasSubstr("leave the cell empty for 1")) << message;
      EXPECT_THAT(message, HasSubstr("--on-bad-row skip")) << message;
    }
  }
}

TEST(WeightColumnTest, BadWeightsAreSkippedAndListedUnderTheSkipPolicy) {
  TempDir dir;
  auto path = dir.Write("train.csv", "text,intent,w\na,x,1\nb,y,abc\nc,x,3\n");
  DataSource source = WeightedSource(path);
  source.on_bad_row = BadRowPolicy::kSkip;
  Dataset data = LoadDataset(source);
  ASSERT_EQ(data.examples.size(), 2u);
  EXPECT_EQ(data.examples[1].weight, 3.0f);
  ASSERT_EQ(data.skipped.size(), 1u);
  EXPECT_EQ(data.skipped[0].line, 3u);
  EXPECT_EQ(data.skipped[0].column, "w");
}

TEST(WeightColumnTest, AMissingWeightColumnIsAHeaderError) {
  TempDir dir;
  auto path = dir.Write("train.csv", "text,intent,weight\na,x,1\n");
  try {
    LoadDataset(WeightedSource(path));
    FAIL() << "a missing weight column was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no column \"w\" (the weight column)"));
    EXPECT_THAT(e.what(), HasSubstr("fix the column name"));
  }
}

TEST(WeightColumnTest, JsonLinesNumbersAndNull) {
  TempDir dir;
  auto path = dir.Write("train.jsonl",
                        "{\"text\": \"a\", \"intent\": \"x\", \"w\": 2.5}\n"
                        "{\"text\": \"b\", \"intent\": \"y\", \"w\": null}\n"
                        "{\"text\": \"c\", \"intent\": \"x\"}\n"
                        "{\"text\": \"d\", \"intent\": \"y\", \"w\": \"4\"}\n");
  Dataset data = LoadDataset(WeightedSource(path));
  ASSERT_EQ(data.examples.size(), 4u);
  EXPECT_EQ(data.examples[0].weight, 2.5f);
  EXPECT_EQ(data.examples[1].weight, 1.0f);
  EXPECT_EQ(data.examples[2].weight, 1.0f);
  EXPECT_EQ(data.examples[3].weight, 4.0f);
  auto bad = dir.Write("bad.jsonl", "{\"text\": \"a\", \"intent\": \"x\", \"w\": true}\n");
  EXPECT_THROW(LoadDataset(WeightedSource(bad)), InputError);
}

}  // namespace
}  // namespace trainops
