// CSV/TSV reader: RFC 4180 cases, line numbers, malformed records and header errors. Each
// case runs with several buffer sizes, down to one byte, so every lookahead across a
// buffer boundary (CRLF, "", quote then delimiter) is exercised.
#include "data/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/error.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;

struct Row {
  uint64_t line;
  std::vector<std::string> values;
  std::vector<bool> present;
  std::string malformed;
};

struct Table {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

Table ReadCsv(const std::string& content, size_t chunk_size, char delimiter = ',') {
  CsvReader reader(std::make_unique<std::istringstream>(content), "in.csv", delimiter, chunk_size);
  Table table{reader.columns(), {}};
  RawRecord record;
  while (reader.Next(record)) {
    table.rows.push_back({record.line, record.values, record.present, record.malformed});
  }
  return table;
}

const size_t kChunkSizes[] = {1, 2, 3, 5, 64, ByteSource::kDefaultChunkSize};

struct WellFormedCase {
  std::string name;
  std::string content;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> values;
  std::vector<uint64_t> lines;
};

TEST(CsvReaderTest, WellFormedInputs) {
  const std::vector<WellFormedCase> cases = {
      {"simple", "a,b\n1,2\n3,4\n", {"a", "b"}, {{"1", "2"}, {"3", "4"}}, {2, 3}},
      {"no final newline", "a,b\n1,2\n3,4", {"a", "b"}, {{"1", "2"}, {"3", "4"}}, {2, 3}},
      {"crlf", "a,b\r\n1,2\r\n3,4\r\n", {"a", "b"}, {{"1", "2"}, {"3", "4"}}, {2, 3}},
      {"crlf without final newline", "a,b\r\n1,2", {"a", "b"}, {{"1", "2"}}, {2}},
      {"byte-order mark", "\xEF\xBB\xBFtext,label\nhi,x\n", {"text", "label"}, {{"hi", "x"}}, {2}},
      {"bom and quoted header",
       "\xEF\xBB\xBF\"text\",label\nhi,x\n",
       {"text", "label"},
       {{"hi", "x"}},
       {2}},
      {"quoted comma", "a,b\n\"x,y\",z\n", {"a", "b"}, {{"x,y", "z"}}, {2}},
      {"doubled quotes",
       "a,b\n\"he said \"\"hi\"\"\",\"\"\"\"\n",
       {"a", "b"},
       {{"he said \"hi\"", "\""}},
       {2}},
      {"empty quoted and unquoted fields",
       "a,b,c\n\"\",,\"\"\n",
       {"a", "b", "c"},
       {{"", "", ""}},
       {2}},
      {"embedded newline advances lines",
       "a,b\n\"l1\nl2\",x\n3,4\n",
       {"a", "b"},
       {{"l1\nl2", "x"}, {"3", "4"}},
       {2, 4}},
      {"embedded crlf kept as data",
       "a,b\r\n\"l1\r\nl2\r\n\",x\r\n3,4\r\n",
       {"a", "b"},
       {{"l1\r\nl2\r\n", "x"}, {"3", "4"}},
       {2, 5}},
      {"newlines in several fields",
       "a,b\n\"1\n2\",\"3\n\n4\"\n5,6\n",
       {"a", "b"},
       {{"1\n2", "3\n\n4"}, {"5", "6"}},
       {2, 6}},
      {"empty lines skipped but counted",
       "a,b\n\n1,2\r\n\r\n\n3,4\n\n",
       {"a", "b"},
       {{"1", "2"}, {"3", "4"}},
       {3, 6}},
      {"blank lines before the header", "\n\na,b\n1,2\n", {"a", "b"}, {{"1", "2"}}, {4}},
      {"quoted field at end of input", "a,b\n1,\"2\"", {"a", "b"}, {{"1", "2"}}, {2}},
      {"quoted field before crlf",
       "a,b\r\n1,\"2\"\r\n3,4",
       {"a", "b"},
       {{"1", "2"}, {"3", "4"}},
       {2, 3}},
      {"trailing delimiter gives an empty last field",
       "a,b,c\n1,2,\n",
       {"a", "b", "c"},
       {{"1", "2", ""}},
       {2}},
      {"spaces are data", "a,b\n x , y \n", {"a", "b"}, {{" x ", " y "}}, {2}},
      {"utf-8 data",
       "a,b\ncaf\xC3\xA9,\xF0\x9F\x91\x9F\n",
       {"a", "b"},
       {{"caf\xC3\xA9", "\xF0\x9F\x91\x9F"}},
       {2}},
      {"header only", "a,b\n", {"a", "b"}, {}, {}},
  };
  for (const auto& c : cases) {
    for (size_t chunk : kChunkSizes) {
      SCOPED_TRACE(c.name + " (chunk " + std::to_string(chunk) + ")");
      Table table = ReadCsv(c.content, chunk);
      EXPECT_EQ(table.columns, c.columns);
      ASSERT_EQ(table.rows.size(), c.values.size());
      for (size_t i = 0; i < table.rows.size(); ++i) {
        EXPECT_EQ(table.rows[i].values, c.values[i]);
        EXPECT_EQ(table.rows[i].line, c.lines[i]);
        EXPECT_EQ(table.rows[i].malformed, "");
        EXPECT_EQ(table.rows[i].present, std::vector<bool>(c.columns.size(), true));
      }
    }
  }
}

TEST(CsvReaderTest, ShortRowMarksMissingValuesNotPresent) {
  for (size_t chunk : kChunkSizes) {
    Table table = ReadCsv("a,b,c\n1,2\nx\n4,5,6\n", chunk);
    ASSERT_EQ(table.rows.size(), 3u);
    EXPECT_EQ(table.rows[0].present, (std::vector<bool>{true, true, false}));
    EXPECT_EQ(table.rows[0].values, (std::vector<std::string>{"1", "2", ""}));
    // Values left over from a longer earlier row must not leak into a shorter one.
    EXPECT_EQ(table.rows[1].present, (std::vector<bool>{true, false, false}));
    EXPECT_EQ(table.rows[1].values, (std::vector<std::string>{"x", "", ""}));
    EXPECT_EQ(table.rows[2].present, (std::vector<bool>{true, true, true}));
    EXPECT_EQ(table.rows[0].malformed, "");
  }
}

struct MalformedCase {
  std::string name;
  std::string content;
  uint64_t bad_line;
  std::string reason;  // substring of RawRecord::malformed
  // The record after the bad one, which must parse normally at the right line.
  std::vector<std::string> next_values;
  uint64_t next_line;
};

TEST(CsvReaderTest, MalformedRecordsAreReportedAndParsingResumes) {
  const std::vector<MalformedCase> cases = {
      {"stray quote",
       "a,b\nab\"c,d\n1,2\n",
       2,
       "stray quote (\") inside unquoted field 1",
       {"1", "2"},
       3},
      {"stray quote in second field",
       "a,b\nx,say \"hi\"\n1,2\n",
       2,
       "stray quote (\") inside unquoted field 2",
       {"1", "2"},
       3},
      {"text after closing quote",
       "a,b\n\"ab\"c,d\n1,2\n",
       2,
       "unexpected text after the closing quote of field 1",
       {"1", "2"},
       3},
      {"too many fields",
       "a,b\n1,2,3\n4,5\n",
       2,
       "too many fields: 3, the header has 2; a field that contains the delimiter must be quoted",
       {"4", "5"},
       3},
      {"bare carriage return",
       "a,b\n1\r2,3\n4,5\n",
       2,
       "carriage return without a line feed",
       {"4", "5"},
       3},
      {"bad record after a multi-line one",
       "a,b\n\"x\ny\nz\",1\n\"q\"w,2\n3,4\n",
       5,
       "unexpected text after the closing quote",
       {"3", "4"},
       6},
  };
  for (const auto& c : cases) {
    for (size_t chunk : kChunkSizes) {
      SCOPED_TRACE(c.name + " (chunk " + std::to_string(chunk) + ")");
      Table table = ReadCsv(c.content, chunk);
      const Row* bad = nullptr;
      const Row* next = nullptr;
      for (size_t i = 0; i < table.rows.size(); ++i) {
        if (!table.rows[i].malformed.empty()) {
          ASSERT_EQ(bad, nullptr) << "more than one malformed record";
          bad = &table.rows[i];
          if (i + 1 < table.rows.size()) next = &table.rows[i + 1];
        }
      }
      ASSERT_NE(bad, nullptr);
      EXPECT_EQ(bad->line, c.bad_line);
      EXPECT_THAT(bad->malformed, HasSubstr(c.reason));
      ASSERT_NE(next, nullptr);
      EXPECT_EQ(next->values, c.next_values);
      EXPECT_EQ(next->line, c.next_line);
      EXPECT_EQ(next->malformed, "");
    }
  }
}

TEST(CsvReaderTest, UnterminatedQuoteSwallowsTheRestAndSaysWhereItOpened) {
  for (size_t chunk : kChunkSizes) {
    SCOPED_TRACE(chunk);
    Table table = ReadCsv("a,b\n1,2\n3,\"abc\nmore,4\nlast\n", chunk);
    ASSERT_EQ(table.rows.size(), 2u);
    EXPECT_EQ(table.rows[0].malformed, "");
    EXPECT_EQ(table.rows[1].line, 3u);
    EXPECT_EQ(table.rows[1].malformed,
              "unterminated quoted field 2: the quote opened on line 3 never closes; close it "
              "or double the quotes inside (\"\")");
  }
}

TEST(CsvReaderTest, TsvUsesTabsAndAllowsQuotes) {
  for (size_t chunk : kChunkSizes) {
    Table table =
        ReadCsv("text\tlabel\nhello, world\tx\n\"tab\tinside\"\ty\n\"multi\nline\"\tz\nq\tw\n",
                chunk, '\t');
    EXPECT_EQ(table.columns, (std::vector<std::string>{"text", "label"}));
    ASSERT_EQ(table.rows.size(), 4u);
    EXPECT_EQ(table.rows[0].values, (std::vector<std::string>{"hello, world", "x"}));
    EXPECT_EQ(table.rows[1].values, (std::vector<std::string>{"tab\tinside", "y"}));
    EXPECT_EQ(table.rows[2].values, (std::vector<std::string>{"multi\nline", "z"}));
    EXPECT_EQ(table.rows[3].line, 6u);
    Table bad = ReadCsv("a\tb\n1\t2\t3\n\"x\"y\tz\n", chunk, '\t');
    EXPECT_THAT(bad.rows[0].malformed, HasSubstr("too many fields: 3, the header has 2"));
    EXPECT_THAT(bad.rows[1].malformed, HasSubstr("unexpected text after the closing quote"));
    // Unlike CSV, a quote inside an unquoted TSV field is text.
    Table inches = ReadCsv("text\tlabel\nI'm 5'11\" and \"tall\"\tsize\n", chunk, '\t');
    ASSERT_EQ(inches.rows.size(), 1u);
    EXPECT_EQ(inches.rows[0].values[0], "I'm 5'11\" and \"tall\"");
    EXPECT_EQ(inches.rows[0].malformed, "");
  }
}

TEST(CsvReaderTest, EmptyInputHasNoHeader) {
  for (const std::string content : {"", "\xEF\xBB\xBF", "\n\n", "\r\n"}) {
    try {
      ReadCsv(content, 64);
      ADD_FAILURE() << "no error for " << testing::PrintToString(content);
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()),
                "in.csv: the file is empty; expected a header line naming the columns");
    }
  }
}

TEST(CsvReaderTest, MalformedHeaderNamesTheLine) {
  try {
    ReadCsv("\n\"text,label\nhi,x\n", 64);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("in.csv:2: malformed header: unterminated quoted field 1"));
  }
  EXPECT_THROW(ReadCsv("te\"xt,label\n", 64), InputError);
}

TEST(CsvReaderTest, ColumnIndexFindsByExactName) {
  CsvReader reader(std::make_unique<std::istringstream>("text,Label,label\n"), "x", ',');
  EXPECT_EQ(reader.ColumnIndex("text"), 0u);
  EXPECT_EQ(reader.ColumnIndex("label"), 2u);
  EXPECT_EQ(reader.ColumnIndex("Label"), 1u);
  EXPECT_EQ(reader.ColumnIndex("missing"), std::nullopt);
}

TEST(CsvReaderTest, OpenTableStreamsFromAnIstream) {
  auto reader =
      OpenTable(std::make_unique<std::istringstream>("a\tb\n1\t2\n"), "stdin", FileFormat::kTsv);
  RawRecord record;
  ASSERT_TRUE(reader->Next(record));
  EXPECT_EQ(record.values, (std::vector<std::string>{"1", "2"}));
  EXPECT_FALSE(reader->Next(record));
  EXPECT_FALSE(reader->Next(record));  // stays at the end
}

}  // namespace
}  // namespace trainops
