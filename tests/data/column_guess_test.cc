// Column guessing for `trainops init`: on the shared datasets and on synthetic files that
// isolate each rule.
#include "data/column_guess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

TEST(ColumnGuessTest, SharedDatasets) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  struct Case {
    std::string file, text, label, time;
  };
  const std::vector<Case> cases = {
      {"banking77/train.csv", "text", "category", ""},
      {"clinc150/train.csv", "text", "intent", ""},
      {"bitext/train.csv", "instruction", "intent", ""},
      {"replay/windows/w01.csv", "text", "intent", "created_at"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    ColumnGuess guess = GuessColumns(shared / c.file, std::nullopt);
    EXPECT_EQ(guess.text_column, c.text);
    EXPECT_EQ(guess.label_column, c.label);
    EXPECT_EQ(guess.time_column, c.time);
    EXPECT_THAT(guess.reasoning, HasSubstr("label column \"" + c.label + "\": its name suggests"));
  }
  ColumnGuess bitext = GuessColumns(shared / "bitext/train.csv", FileFormat::kCsv);
  // category is the segment here: intent took the label by hint order, and the columns
  // with a single value (context, role) or hundreds (response) are not segments.
  EXPECT_THAT(bitext.segment_columns, ::testing::Contains("category"));
  for (const char* not_segment : {"context", "role", "response", "instruction", "intent"}) {
    EXPECT_THAT(bitext.segment_columns, ::testing::Not(::testing::Contains(not_segment)));
  }
  EXPECT_THAT(bitext.reasoning, HasSubstr("text column \"instruction\": its name suggests"));
}

// Rows with a long unique sentence, a 6-way label, a 3-way channel, a timestamp and a number.
std::string SyntheticCsv(const std::string& header) {
  const char* words[] = {"where", "is", "my", "order", "please", "help", "refund", "size"};
  std::string out = header + "\n";
  for (int i = 0; i < 60; ++i) {
    std::string sentence = "message " + std::to_string(i);
    for (int w = 0; w < 6 + i % 5; ++w) sentence += std::string(" ") + words[(i * 3 + w) % 8];
    out += std::to_string(i * 17) + "," + sentence + ",topic" + std::to_string(i % 6) + "," +
           (i % 3 == 0   ? "email"
            : i % 3 == 1 ? "chat"
                         : "phone") +
           ",2024-03-" + (i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1) + "T12:30:00Z\n";
  }
  return out;
}

TEST(ColumnGuessTest, StatisticsDecideWhenNoNameHelps) {
  TempDir dir;
  auto path = dir.Write("x.csv", SyntheticCsv("n,words,kind,medium,when"));
  ColumnGuess guess = GuessColumns(path, std::nullopt);
  EXPECT_EQ(guess.text_column, "words");
  EXPECT_EQ(guess.label_column, "kind");  // more classes than "medium"
  EXPECT_EQ(guess.time_column, "when");
  EXPECT_THAT(guess.segment_columns, ElementsAre("medium"));
  EXPECT_THAT(guess.reasoning, HasSubstr("no column name suggests the text"));
  EXPECT_THAT(guess.reasoning, HasSubstr("a weak guess"));
  EXPECT_THAT(guess.reasoning, HasSubstr("60 of 60 values are ISO-8601"));
}

TEST(ColumnGuessTest, NameHintsWinAndMatchWholeWords) {
  TempDir dir;
  // "context" must not count as a text hint; "Customer Message" holds "message".
  auto path = dir.Write("x.csv", SyntheticCsv("context,Customer Message,intentLabel,channel,ts"));
  ColumnGuess guess = GuessColumns(path, std::nullopt);
  EXPECT_EQ(guess.text_column, "Customer Message");
  EXPECT_EQ(guess.label_column, "intentLabel");
  EXPECT_EQ(guess.time_column, "ts");
}

TEST(ColumnGuessTest, LabelHintOrderAndUnusableHintColumns) {
  TempDir dir;
  std::string csv = "text,label,category,intent\n";
  for (int i = 0; i < 40; ++i) {
    // label: every value distinct (an id, not a label); intent: 8 values; category: 2.
    csv += "text number " + std::to_string(i) + ",id" + std::to_string(i) + ",c" +
           std::to_string(i % 2) + ",i" + std::to_string(i % 8) + "\n";
  }
  auto path = dir.Write("x.csv", csv);
  ColumnGuess guess = GuessColumns(path, std::nullopt);
  EXPECT_EQ(guess.label_column, "intent");  // label unusable; intent before category
  EXPECT_THAT(guess.reasoning, HasSubstr("not the label: \"label\" (40 distinct values"));
  EXPECT_THAT(guess.segment_columns, ElementsAre("category"));
}

TEST(ColumnGuessTest, SamplesTheWholeFileNotJustItsStart) {
  TempDir dir;
  // 3,000 rows sorted by label: the first 2,000 rows hold only 20 of the 30 labels.
  std::string csv = "text,intent\n";
  for (int i = 0; i < 3000; ++i) {
    csv += "message number " + std::to_string(i) + ",label" + std::to_string(i / 100) + "\n";
  }
  auto path = dir.Write("sorted.csv", csv);
  ColumnGuess guess = GuessColumns(path, std::nullopt);
  EXPECT_EQ(guess.label_column, "intent");
  EXPECT_THAT(guess.reasoning, HasSubstr("30 distinct values in a sample of 2000 rows"));
  EXPECT_EQ(GuessColumns(path, std::nullopt).reasoning, guess.reasoning);  // deterministic
}

TEST(ColumnGuessTest, JsonlAndOnlyAHeader) {
  TempDir dir;
  std::string jsonl;
  for (int i = 0; i < 30; ++i) {
    jsonl += "{\"utterance\": \"hello there number " + std::to_string(i) + "\", \"class\": \"c" +
             std::to_string(i % 3) + "\"}\n";
  }
  ColumnGuess guess = GuessColumns(dir.Write("d.jsonl", jsonl), std::nullopt);
  EXPECT_EQ(guess.text_column, "utterance");
  EXPECT_EQ(guess.label_column, "class");

  ColumnGuess names_only = GuessColumns(dir.Write("h.csv", "query,target\n"), std::nullopt);
  EXPECT_EQ(names_only.text_column, "query");
  EXPECT_EQ(names_only.label_column, "");
  EXPECT_THAT(names_only.reasoning, HasSubstr("no data rows"));
}

TEST(ColumnGuessTest, NothingUsable) {
  TempDir dir;
  std::string csv = "a,b\n";
  for (int i = 0; i < 20; ++i) csv += std::to_string(i) + ",x\n";
  ColumnGuess guess = GuessColumns(dir.Write("n.csv", csv), std::nullopt);
  EXPECT_EQ(guess.text_column, "");
  EXPECT_EQ(guess.label_column, "");
  EXPECT_THAT(guess.reasoning, HasSubstr("set text_column by hand"));
}

TEST(ColumnGuessTest, FileErrors) {
  TempDir dir;
  EXPECT_THROW(GuessColumns(dir / "missing.csv", std::nullopt), InputError);
  EXPECT_THROW(GuessColumns(dir.Write("e.csv", ""), std::nullopt), InputError);
}

}  // namespace
}  // namespace trainops
