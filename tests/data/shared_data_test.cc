// The three public datasets in ../shared/data load with the row counts their README gives,
// no problems, the right first rows and the right number of labels. Skipped (with a
// message) where the shared folder is absent.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "data/dataset.h"
#include "test_support.h"

namespace trainops {
namespace {

struct SharedCase {
  std::string file;
  std::string text_column;
  std::string label_column;
  size_t rows;
  size_t labels;
  std::string first_text;
  std::string first_label;
  uint64_t last_line;  // physical line of the last record
};

TEST(SharedDataTest, LoadsEveryDatasetWithExactCounts) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  const std::vector<SharedCase> cases = {
      {"banking77/train.csv", "text", "category", 10003, 77, "I am still waiting on my card?",
       "card_arrival", 10017},
      {"clinc150/train.csv", "text", "intent", 15100, 151,
       "what expression would i use to say i love you if i were an italian", "translate", 15101},
      {"clinc150/val.csv", "text", "intent", 3100, 151, "in spanish, meet me tomorrow is said how",
       "translate", 3101},
      {"bitext/train.csv", "instruction", "intent", 3612, 27,
       "i do not want thisgoddamn item i wanna cancel order 00123842", "cancel_order", 24977},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    DataSource source;
    source.path = shared / c.file;
    source.text_column = c.text_column;
    source.label_column = c.label_column;
    source.on_bad_row = BadRowPolicy::kSkip;
    auto start = std::chrono::steady_clock::now();
    Dataset data = LoadDataset(source);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::cout << "[ info ] " << c.file << ": " << data.examples.size() << " rows in " << ms
              << " ms\n";
    EXPECT_EQ(data.rows_read, c.rows);
    EXPECT_EQ(data.examples.size(), c.rows);
    EXPECT_TRUE(data.skipped.empty()) << data.skipped.front().ToString();
    ASSERT_FALSE(data.examples.empty());
    EXPECT_EQ(data.examples.front().text, c.first_text);
    EXPECT_EQ(data.examples.front().label, c.first_label);
    EXPECT_EQ(data.examples.front().line, 2u);
    EXPECT_EQ(data.examples.back().line, c.last_line);
    std::set<std::string> labels;
    for (const auto& e : data.examples) labels.insert(e.label);
    EXPECT_EQ(labels.size(), c.labels);
  }
}

TEST(SharedDataTest, Banking77MultiLineTextKeepsItsLineNumbers) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  DataSource source;
  source.path = shared / "banking77/train.csv";
  source.label_column = "category";
  Dataset data = LoadDataset(source);
  ASSERT_GT(data.examples.size(), 1291u);
  // A quoted text with newlines inside (CRLF file, LF inside the quotes).
  EXPECT_EQ(data.examples[1290].text, "\nI can't seem to be able to use my card\n\n\n");
  EXPECT_EQ(data.examples[1290].line, 1292u);
  EXPECT_EQ(data.examples[1291].text, "Why is my physical card not working?");
  EXPECT_EQ(data.examples[1291].line, 1297u);
}

TEST(SharedDataTest, BitextMultiLineResponsesAndSegments) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  DataSource source;
  source.path = shared / "bitext/train.csv";
  source.text_column = "instruction";
  source.label_column = "intent";
  source.segment_columns = {"category", "tags", "response"};
  Dataset data = LoadDataset(source);
  ASSERT_EQ(data.examples.size(), 3612u);
  const Example& first = data.examples[0];
  EXPECT_EQ(first.segments[0], "ORDER");
  EXPECT_EQ(first.segments[1], "BCELNQWZ");
  EXPECT_EQ(first.segments[2].rfind("I understand that you no longer want to proceed", 0), 0u);
  EXPECT_NE(first.segments[2].find("process:\r\n\r\n1. First"), std::string::npos);
  EXPECT_EQ(data.examples[1].text, "cancelling order732201349959");
  EXPECT_EQ(data.examples[1].line, 11u);  // the first response spans lines 2-10
  std::set<std::string> categories;
  for (const auto& e : data.examples) categories.insert(e.segments[0]);
  EXPECT_EQ(categories.size(), 11u);
}

}  // namespace
}  // namespace trainops
