// JSON Lines reader: columns from the first object, value conversion, blank lines, line
// numbers, and malformed lines.
#include "data/jsonl_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/error.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;

std::vector<RawRecord> ReadJsonl(const std::string& content, std::vector<std::string>* columns,
                                 size_t chunk_size = 64) {
  JsonlReader reader(std::make_unique<std::istringstream>(content), "in.jsonl", chunk_size);
  if (columns) *columns = reader.columns();
  std::vector<RawRecord> records;
  RawRecord record;
  while (reader.Next(record)) records.push_back(record);
  return records;
}

TEST(JsonlReaderTest, ColumnsAreTheFirstObjectsKeysInOrder) {
  std::vector<std::string> columns;
  auto records = ReadJsonl(R"({"text": "hi", "label": "a", "channel": "email"})"
                           "\n"
                           R"({"label": "b", "text": "yo", "extra": 1})"
                           "\n",
                           &columns);
  EXPECT_EQ(columns, (std::vector<std::string>{"text", "label", "channel"}));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].values, (std::vector<std::string>{"hi", "a", "email"}));
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].values, (std::vector<std::string>{"yo", "b", ""}));
  EXPECT_EQ(records[1].present, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(records[1].line, 2u);
}

TEST(JsonlReaderTest, ValuesAreConvertedToText) {
  std::vector<std::string> columns;
  auto records = ReadJsonl(
      R"({"s": "caf\u00e9 \"q\"", "i": -42, "u": 18446744073709551615, "f": 1.5, "b": true, )"
      R"("n": null, "arr": [1, "x"], "obj": {"k": {"z": null}}, "e": ""})",
      &columns);
  ASSERT_EQ(records.size(), 1u);
  const auto& r = records[0];
  EXPECT_EQ(r.values[0], "caf\xC3\xA9 \"q\"");
  EXPECT_EQ(r.values[1], "-42");
  EXPECT_EQ(r.values[2], "18446744073709551615");
  EXPECT_EQ(r.values[3], "1.5");
  EXPECT_EQ(r.values[4], "true");
  EXPECT_EQ(r.values[5], "");
  EXPECT_FALSE(r.present[5]) << "null is not present";
  EXPECT_EQ(r.values[6], R"([1,"x"])");
  EXPECT_EQ(r.values[7], R"({"k":{"z":null}})");
  EXPECT_EQ(r.values[8], "");
  EXPECT_TRUE(r.present[8]) << "an empty string is present (and empty)";
  EXPECT_EQ(r.malformed, "");
}

TEST(JsonlReaderTest, NumbersKeepTheirWrittenFormAndNestedKeysStayNested) {
  std::vector<std::string> columns;
  auto records = ReadJsonl(
      "{\"text\": \"a\", \"score\": 1.50, \"meta\": null}\n"
      "{\"meta\": {\"text\": \"inner\", \"score\": 2}, \"score\": 1e3}\n"
      "{\"text\": \"first\", \"text\": \"second\", \"meta\": [{\"text\": 1}]}\n",
      &columns);
  EXPECT_EQ(columns, (std::vector<std::string>{"text", "score", "meta"}));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].values[1], "1.50");
  EXPECT_FALSE(records[0].present[2]);
  // Keys inside a nested object are not columns.
  EXPECT_FALSE(records[1].present[0]);
  EXPECT_EQ(records[1].values[0], "");
  EXPECT_EQ(records[1].values[1], "1e3");
  EXPECT_EQ(records[1].values[2], R"({"text":"inner","score":2})");  // key order kept
  // A repeated key: the last one wins, as in most JSON parsers.
  EXPECT_EQ(records[2].values[0], "second");
  EXPECT_EQ(records[2].values[2], R"([{"text":1}])");
}

TEST(JsonlReaderTest, LinesThatAreNotObjects) {
  auto records = ReadJsonl("{\"t\": 1}\n42\nnull\ntrue\n\"s\"\n[]\n", nullptr);
  ASSERT_EQ(records.size(), 6u);
  const char* types[] = {"a number", "null", "a boolean", "a string", "an array"};
  for (size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i].malformed,
              std::string("expected a JSON object, got ") + types[i - 1] +
                  "; each line must be an object such as {\"text\": \"...\"}");
    EXPECT_EQ(records[i].line, i + 1);
  }
}

TEST(JsonlReaderTest, BlankLinesAreSkippedButCounted) {
  for (size_t chunk : {1, 3, 64}) {
    std::vector<std::string> columns;
    auto records =
        ReadJsonl("\xEF\xBB\xBF\n  \n{\"t\":\"a\"}\r\n\r\n\t\n{\"t\":\"b\"}\n\n", &columns, chunk);
    EXPECT_EQ(columns, (std::vector<std::string>{"t"}));
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].line, 3u);
    EXPECT_EQ(records[1].line, 6u);
    EXPECT_EQ(records[1].values[0], "b");
  }
}

TEST(JsonlReaderTest, BadLinesAreMalformedRecordsAndReadingGoesOn) {
  std::vector<std::string> columns;
  auto records = ReadJsonl(
      "{\"t\": \"a\"}\n{\"t\": \"b\"\n[1, 2]\n\"just a string\"\n{\"t\": \"\xFF\"}\n{\"t\": "
      "\"ok\"}\n",
      &columns);
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_THAT(records[1].malformed, HasSubstr("invalid JSON: "));
  EXPECT_THAT(records[1].malformed,
              HasSubstr("column 10: syntax error while parsing object - unexpected end of input"));
  EXPECT_THAT(records[1].malformed, ::testing::Not(HasSubstr("json.exception")));
  EXPECT_EQ(records[2].malformed,
            "expected a JSON object, got an array; each line must be an object such as "
            "{\"text\": \"...\"}");
  EXPECT_THAT(records[3].malformed, HasSubstr("got a string"));
  EXPECT_THAT(records[4].malformed, HasSubstr("invalid JSON"));
  EXPECT_EQ(records[5].malformed, "");
  EXPECT_EQ(records[5].values[0], "ok");
  EXPECT_EQ(records[5].line, 6u);
}

TEST(JsonlReaderTest, HeaderErrorsNameTheFileAndLine) {
  struct Case {
    std::string content;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "in.jsonl: the file is empty; expected one JSON object per line"},
      {"\n \n", "in.jsonl: the file is empty"},
      {"\n{\"text\": }\n", "in.jsonl:2: invalid JSON: column 10: syntax error"},
      {"[\"text\"]\n", "in.jsonl:1: expected a JSON object, got an array"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.content);
    try {
      ReadJsonl(c.content, nullptr);
      ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.message));
    }
  }
}

// Found by fuzz/jsonl_reader_fuzz.cc: a number beyond double's range on the first line
// escaped as nlohmann's out_of_range instead of an InputError naming file:line.
TEST(JsonlReaderTest, ANumberTooLargeForADoubleIsInvalidJsonOnAnyLine) {
  try {
    ReadJsonl("{\"text\": -2.5e308, \"label\": \"order_status\"}\n", nullptr);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("in.jsonl:1: invalid JSON: number overflow parsing '-2.5e308'"));
  }
  // On a later line the same number makes that record malformed, and reading goes on.
  auto records = ReadJsonl("{\"text\": \"a\"}\n{\"text\": 1e999}\n{\"text\": \"b\"}\n", nullptr);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[1].malformed, HasSubstr("invalid JSON: number overflow"));
  EXPECT_EQ(records[2].values[0], "b");
}

}  // namespace
}  // namespace trainops
