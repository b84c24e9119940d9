// LoadDataset/StreamExamples: column selection, every row check and header error with the
// exact place in the message, and the skip policy's accounting.
#include "data/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

// The InputError message LoadDataset throws, or "" when it does not throw.
std::string LoadError(const DataSource& source) {
  try {
    LoadDataset(source);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

DataSource Source(const std::filesystem::path& path) {
  DataSource source;
  source.path = path;
  source.text_column = "text";
  source.label_column = "intent";
  return source;
}

TEST(DatasetTest, LoadsTextLabelSegmentsAndTime) {
  TempDir dir;
  auto path = dir.Write("train.csv",
                        "id,text,intent,channel,created_at\r\n"
                        "1,\"where is my order, #123?\",order_status,email,2024-01-02\r\n"
                        "2,\"I want to\nreturn these\",returns,,2024-01-03T10:00:00Z\r\n"
                        "3,refund please,refunds\r\n");
  DataSource source = Source(path);
  source.segment_columns = {"channel"};
  source.time_column = "created_at";
  Dataset data = LoadDataset(source);
  EXPECT_EQ(data.path, path);
  EXPECT_EQ(data.rows_read, 3u);
  EXPECT_TRUE(data.skipped.empty());
  ASSERT_EQ(data.examples.size(), 3u);
  EXPECT_EQ(data.examples[0].text, "where is my order, #123?");
  EXPECT_EQ(data.examples[0].label, "order_status");
  EXPECT_EQ(data.examples[0].segments, (std::vector<std::string>{"email"}));
  EXPECT_EQ(data.examples[0].time, "2024-01-02");
  EXPECT_EQ(data.examples[0].line, 2u);
  EXPECT_EQ(data.examples[1].text, "I want to\nreturn these");
  EXPECT_EQ(data.examples[1].segments, (std::vector<std::string>{""}));
  EXPECT_EQ(data.examples[1].time, "2024-01-03T10:00:00Z");
  EXPECT_EQ(data.examples[1].line, 3u);
  // A short row: missing segment and time values are not problems.
  EXPECT_EQ(data.examples[2].segments, (std::vector<std::string>{""}));
  EXPECT_EQ(data.examples[2].time, "");
  EXPECT_EQ(data.examples[2].line, 5u);
}

TEST(DatasetTest, UnlabelledSourceLeavesLabelsEmpty) {
  TempDir dir;
  auto path = dir.Write("in.tsv", "text\nhello\nworld\n");
  DataSource source = Source(path);
  source.label_column = "";
  Dataset data = LoadDataset(source);
  ASSERT_EQ(data.examples.size(), 2u);
  EXPECT_EQ(data.examples[1].text, "world");
  EXPECT_EQ(data.examples[1].label, "");
}

TEST(DatasetTest, SameColumnAsLabelAndSegment) {
  TempDir dir;
  auto path = dir.Write("t.csv", "text,intent\nhi,greet\n");
  DataSource source = Source(path);
  source.segment_columns = {"intent", "text"};
  Dataset data = LoadDataset(source);
  ASSERT_EQ(data.examples.size(), 1u);
  EXPECT_EQ(data.examples[0].label, "greet");
  EXPECT_EQ(data.examples[0].segments, (std::vector<std::string>{"greet", "hi"}));
  EXPECT_EQ(data.examples[0].text, "hi");
}

TEST(DatasetTest, JsonlSourceWithNestedAndNullValues) {
  TempDir dir;
  auto path = dir.Write("d.jsonl",
                        "{\"text\": \"hi\", \"intent\": \"greet\", \"meta\": {\"a\": 1}}\n"
                        "\n"
                        "{\"text\": \"bye\", \"intent\": \"leave\", \"meta\": null}\n");
  DataSource source = Source(path);
  source.segment_columns = {"meta"};
  Dataset data = LoadDataset(source);
  ASSERT_EQ(data.examples.size(), 2u);
  EXPECT_EQ(data.examples[0].segments[0], "{\"a\":1}");
  EXPECT_EQ(data.examples[1].segments[0], "");
  EXPECT_EQ(data.examples[1].line, 3u);
}

TEST(DatasetTest, ExplicitFormatOverridesTheExtension) {
  TempDir dir;
  auto path = dir.Write("data.txt", "text\tintent\nhi, there\tgreet\n");
  DataSource source = Source(path);
  EXPECT_THAT(LoadError(source), HasSubstr("cannot tell the file format"));
  source.format = FileFormat::kTsv;
  Dataset data = LoadDataset(source);
  ASSERT_EQ(data.examples.size(), 1u);
  EXPECT_EQ(data.examples[0].text, "hi, there");
}

struct RowErrorCase {
  std::string name;
  std::string file;     // file name; the extension picks the format
  std::string content;  // the rows after the header "text,intent[,channel]"
  std::string message;  // the start of the error: file:line: column "c": reason
  std::vector<std::string> label_set = {};
};

// Every row problem, under the default policy, names the file, the physical line, the
// column and the fix.
TEST(DatasetTest, EveryRowProblemNamesFileLineColumnAndFix) {
  const std::vector<RowErrorCase> cases = {
      {"invalid utf-8 in text", "train.csv", "text,intent\nok,a\nbad \xFF here,a\n",
       "train.csv:3: column \"text\": invalid UTF-8 at byte offset 4 (byte 0xFF); re-save the "
       "file as UTF-8 or fix the row"},
      {"truncated utf-8 sequence in text", "train.csv", "text,intent\ncaf\xC3,a\n",
       "train.csv:2: column \"text\": invalid UTF-8 at byte offset 3 (byte 0xC3)"},
      {"overlong utf-8 in label", "train.csv", "text,intent\nhello,\xC0\xAF\n",
       "train.csv:2: column \"intent\": invalid UTF-8 at byte offset 0 (byte 0xC0)"},
      {"invalid utf-8 in segment", "train.csv", "text,intent,channel\nhello,a,e\xE2\x82mail\n",
       "train.csv:2: column \"channel\": invalid UTF-8 at byte offset 1 (byte 0xE2)"},
      {"missing text value", "train.csv", "intent,text\na,ok\nb\n",
       "train.csv:3: column \"text\": missing: the record has 1 field, the header has 2; add "
       "the value or drop the row"},
      {"missing label value", "train.csv", "text,intent\nhello\n",
       "train.csv:2: column \"intent\": missing: the record has 1 field, the header has 2"},
      {"empty text", "train.csv", "text,intent\nok,a\n,b\n",
       "train.csv:3: column \"text\": empty text; fill it or drop the row"},
      {"quoted empty text", "train.csv", "text,intent\n\"\",b\n",
       "train.csv:2: column \"text\": empty text"},
      {"whitespace-only text", "train.csv", "text,intent\n\"  \t \",b\n",
       "train.csv:2: column \"text\": text is only white space; fill it or drop the row"},
      {"unicode-space-only text", "train.csv", "text,intent\n\xC2\xA0\xE3\x80\x80\xE2\x80\x8B,b\n",
       "train.csv:2: column \"text\": text is only white space"},
      {"newline-only text", "train.csv", "text,intent\n\"\r\n\n\",b\n",
       "train.csv:2: column \"text\": text is only white space"},
      {"empty label", "train.csv", "text,intent\nhello,a\nhi,\n",
       "train.csv:3: column \"intent\": empty label; fill it or drop the row"},
      {"blank label", "train.csv", "text,intent\nhi,\" \"\n",
       "train.csv:2: column \"intent\": label is only white space"},
      {"label outside the set, with suggestion",
       "train.csv",
       "text,intent\nhi,returns\nhey,retuns\n",
       "train.csv:3: column \"intent\": label \"retuns\" is not one of the 3 declared labels, did "
       "you mean \"returns\"?; fix the label, or add it to the label set in the task spec",
       {"returns", "shipping", "refunds"}},
      {"label outside the set, listed",
       "train.csv",
       "text,intent\nhey,weather\n",
       "train.csv:2: column \"intent\": label \"weather\" is not one of the 3 declared labels "
       "(returns, shipping, refunds); fix the label",
       {"returns", "shipping", "refunds"}},
      {"label differing only in case",
       "train.csv",
       "text,intent\nhey,Returns\n",
       "train.csv:2: column \"intent\": label \"Returns\" is not one of the 2 declared labels, "
       "did you mean \"returns\"?",
       {"returns", "shipping"}},
      {"stray quote", "train.csv", "text,intent\nsay \"hi\",a\n",
       "train.csv:2: malformed record: stray quote (\") inside unquoted field 1; quote the whole "
       "field and double the quotes inside it (\"\")"},
      {"too many fields", "train.csv", "text,intent\nhi, there,a\n",
       "train.csv:2: malformed record: too many fields: 3, the header has 2; a field that "
       "contains the delimiter must be quoted"},
      {"unterminated quote", "train.csv", "text,intent\nok,a\n\"never closed,a\nok,b\n",
       "train.csv:3: malformed record: unterminated quoted field 1: the quote opened on line 3 "
       "never closes"},
      {"problem after a multi-line record", "train.csv",
       "text,intent\r\n\"line one\r\nline two\r\nline three\",a\r\n,b\r\n",
       "train.csv:5: column \"text\": empty text"},
      {"problem after several multi-line records", "train.csv",
       "text,intent\n\"a\nb\",x\nok,y\n\"c\n\nd\",z\nfine,\n",
       "train.csv:8: column \"intent\": empty label"},
      {"tsv empty text", "train.tsv", "text\tintent\nhi\ta\n\tb\n",
       "train.tsv:3: column \"text\": empty text"},
      {"jsonl invalid json", "train.jsonl",
       "{\"text\": \"hi\", \"intent\": \"a\"}\n\n{\"text\": \"hi\", intent: \"a\"}\n",
       "train.jsonl:3: malformed record: invalid JSON: column 16: syntax error"},
      {"jsonl null label", "train.jsonl",
       "{\"text\": \"hi\", \"intent\": \"a\"}\n{\"text\": \"yo\", \"intent\": null}\n",
       "train.jsonl:2: column \"intent\": missing or null; add a value or drop the row"},
      {"jsonl missing text key", "train.jsonl",
       "{\"text\": \"hi\", \"intent\": \"a\"}\n{\"intent\": \"b\"}\n",
       "train.jsonl:2: column \"text\": missing or null"},
      {"jsonl numeric label outside the set",
       "train.jsonl",
       "{\"text\": \"hi\", \"intent\": 3}\n",
       "train.jsonl:1: column \"intent\": label \"3\" is not one of the 2 declared labels "
       "(returns, refunds)",
       {"returns", "refunds"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    auto path = dir.Write(c.file, c.content);
    DataSource source = Source(path);
    if (c.content.find("channel") != std::string::npos) source.segment_columns = {"channel"};
    source.label_set = c.label_set;
    std::string error = LoadError(source);
    ASSERT_NE(error, "") << "no error";
    EXPECT_EQ(error.rfind(dir.path().string() + "/" + c.message, 0), 0u) << error;
    EXPECT_THAT(error, HasSubstr("; to skip bad rows instead (they are counted and listed), pass "
                                 "--on-bad-row skip or set on_bad_row: skip in the task spec"));
  }
}

TEST(DatasetTest, SkipPolicyCountsAndListsEveryBadRow) {
  TempDir dir;
  auto path = dir.Write("train.csv",
                        "text,intent\n"
                        "good one,returns\n"          // 2
                        ",returns\n"                  // 3 empty text
                        "\"multi\nline\",shipping\n"  // 4-5 fine
                        "bad\xFE,returns\n"           // 6 invalid utf-8
                        "x,y,z\n"                     // 7 too many fields
                        "fine,shiping\n"              // 8 label not in set
                        "last,\n"                     // 9 empty label
                        "really last,refunds\n");     // 10
  DataSource source = Source(path);
  source.label_set = {"returns", "shipping", "refunds"};
  source.on_bad_row = BadRowPolicy::kSkip;
  Dataset data = LoadDataset(source);
  EXPECT_EQ(data.rows_read, 8u);
  ASSERT_EQ(data.examples.size(), 3u);
  EXPECT_EQ(data.examples[0].line, 2u);
  EXPECT_EQ(data.examples[1].line, 4u);
  EXPECT_EQ(data.examples[1].text, "multi\nline");
  EXPECT_EQ(data.examples[2].line, 10u);
  ASSERT_EQ(data.skipped.size(), 5u);
  std::vector<uint64_t> lines;
  std::vector<std::string> columns;
  for (const auto& problem : data.skipped) {
    lines.push_back(problem.line);
    columns.push_back(problem.column);
    EXPECT_EQ(problem.file, path);
  }
  EXPECT_EQ(lines, (std::vector<uint64_t>{3, 6, 7, 8, 9}));
  EXPECT_EQ(columns, (std::vector<std::string>{"text", "text", "", "intent", "intent"}));
  EXPECT_THAT(data.skipped[3].reason, HasSubstr("did you mean \"shipping\"?"));
  EXPECT_EQ(data.skipped[2].ToString(),
            path.string() +
                ":7: malformed record: too many fields: 3, the header has 2; a "
                "field that contains the delimiter must be quoted");
}

TEST(DatasetTest, StreamExamplesReportsProblemsInFileOrderWithTheExamples) {
  TempDir dir;
  auto path = dir.Write("s.csv", "text,intent\na,1\n,2\nb,3\n");
  DataSource source = Source(path);
  source.on_bad_row = BadRowPolicy::kSkip;
  std::vector<std::string> events;
  StreamExamples(
      source, [&](Example&& e) { events.push_back("example " + std::to_string(e.line)); },
      [&](RowProblem&& p) { events.push_back("problem " + std::to_string(p.line)); });
  EXPECT_EQ(events, (std::vector<std::string>{"example 2", "problem 3", "example 4"}));
  // With the error policy the first bad row stops the stream after the rows before it.
  source.on_bad_row = BadRowPolicy::kError;
  events.clear();
  EXPECT_THROW(StreamExamples(
                   source, [&](Example&& e) { events.push_back("example"); },
                   [&](RowProblem&&) { events.push_back("problem"); }),
               InputError);
  EXPECT_EQ(events, (std::vector<std::string>{"example"}));
}

TEST(DatasetTest, LabelSetAcceptsDeclaredLabels) {
  TempDir dir;
  auto path = dir.Write("t.csv", "text,intent\na,returns\nb,refunds\n");
  DataSource source = Source(path);
  source.label_set = {"returns", "refunds", "never_used"};
  EXPECT_EQ(LoadDataset(source).examples.size(), 2u);
}

struct HeaderErrorCase {
  std::string name;
  std::string content;
  std::function<void(DataSource&)> configure;
  std::string message;  // after the file's path
};

TEST(DatasetTest, HeaderProblemsNameFileColumnAndAlternatives) {
  const std::vector<HeaderErrorCase> cases = {
      {"missing text column", "Text,intent\n", [](DataSource&) {},
       ": no column \"text\" (the text column); the columns are \"Text\", \"intent\", did you "
       "mean \"Text\"?; fix the column name in the task spec or in the file"},
      {"missing label column", "text,category\nhi,a\n",
       [](DataSource& s) { s.label_column = "intnet"; },
       ": no column \"intnet\" (the label column); the columns are \"text\", \"category\"; fix "
       "the column name"},
      {"label typo", "text,intent\n", [](DataSource& s) { s.label_column = "intnet"; },
       ": no column \"intnet\" (the label column); the columns are \"text\", \"intent\", did "
       "you mean \"intent\"?"},
      {"missing segment column", "text,intent,channel\n",
       [](DataSource& s) { s.segment_columns = {"chanel"}; },
       ": no column \"chanel\" (the segment column); the columns are \"text\", \"intent\", "
       "\"channel\", did you mean \"channel\"?"},
      {"missing time column", "text,intent\n", [](DataSource& s) { s.time_column = "created_at"; },
       ": no column \"created_at\" (the time column)"},
      {"duplicate column", "text,intent,text\n", [](DataSource&) {},
       ": column \"text\" (the text column) appears 2 times in the header; rename the copies"},
      {"text and label the same", "text,intent\n", [](DataSource& s) { s.label_column = "text"; },
       ": the text and label columns are both \"text\"; the label must come from another "
       "column"},
      {"no text column given", "text,intent\n", [](DataSource& s) { s.text_column = ""; },
       ": no text column given; set it in the task spec (columns: \"text\", \"intent\")"},
      {"empty file", "", [](DataSource&) {},
       ": the file is empty; expected a header line naming the columns"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    auto path = dir.Write("train.csv", c.content);
    DataSource source = Source(path);
    c.configure(source);
    std::string error = LoadError(source);
    EXPECT_EQ(error.rfind(path.string() + c.message, 0), 0u) << error;
  }
}

TEST(DatasetTest, JsonlMissingColumnExplainsWhereColumnsComeFrom) {
  TempDir dir;
  auto path = dir.Write("d.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\", \"intent\": \"x\"}\n");
  EXPECT_THAT(LoadError(Source(path)),
              HasSubstr("d.jsonl: no column \"intent\" (the label column); the columns are "
                        "\"text\" (JSON Lines: the keys of the first object)"));
}

TEST(DatasetTest, LongColumnListsAreShortened) {
  TempDir dir;
  std::string header = "text";
  for (int i = 0; i < 40; ++i) header += ",c" + std::to_string(i);
  auto path = dir.Write("wide.csv", header + "\n");
  EXPECT_THAT(LoadError(Source(path)), HasSubstr("\"c28\" and 11 more"));
}

TEST(DatasetTest, FileProblemsNameThePath) {
  TempDir dir;
  DataSource source = Source(dir / "nope.csv");
  EXPECT_EQ(LoadError(source), (dir / "nope.csv").string() +
                                   ": file not found; check the path (relative paths in a task "
                                   "spec are relative to the spec's folder)");
  std::filesystem::create_directories(dir / "folder.csv");
  source.path = dir / "folder.csv";
  EXPECT_EQ(LoadError(source), (dir / "folder.csv").string() + ": is a folder, not a data file");
}

TEST(DatasetTest, ParseBadRowPolicy) {
  EXPECT_EQ(ParseBadRowPolicy("error"), BadRowPolicy::kError);
  EXPECT_EQ(ParseBadRowPolicy("skip"), BadRowPolicy::kSkip);
  try {
    ParseBadRowPolicy("skp");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown bad-row policy \"skp\", did you mean \"skip\"? (use error or skip)");
  }
}

TEST(DatasetTest, RowProblemToString) {
  EXPECT_EQ((RowProblem{"a/t.csv", 12, "intent", "empty label"}).ToString(),
            "a/t.csv:12: column \"intent\": empty label");
  EXPECT_EQ((RowProblem{"t.csv", 3, "", "malformed record: x"}).ToString(),
            "t.csv:3: malformed record: x");
}

}  // namespace
}  // namespace trainops
