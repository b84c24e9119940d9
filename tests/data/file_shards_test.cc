// data/file_shards.h: a file cut into byte ranges at record starts, each read as a file of
// its own, gives back every row exactly once with the file's line numbers, whatever the
// format and however records span lines.
#include "data/file_shards.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::TempDir;

struct Row {
  std::string text, label;
  uint64_t line;
  bool operator==(const Row&) const = default;
};

std::vector<Row> ReadAllRows(const DataSource& source) {
  std::vector<Row> rows;
  StreamExamples(source, [&](Example&& e) { rows.push_back({e.text, e.label, e.line}); }, nullptr);
  return rows;
}

void ExpectShardsCoverTheFile(const DataSource& source) {
  const std::vector<Row> whole = ReadAllRows(source);
  ASSERT_GT(whole.size(), 10u);
  for (int parts : {1, 2, 3, 5, 64}) {
    const FileShards shards = FileShards::Parse(CutIntoShards(source, parts).Serialize());
    ASSERT_EQ(shards.ranges.size(), static_cast<size_t>(parts));
    std::vector<Row> joined;
    size_t nonempty = 0;
    for (int p = 0; p < parts; ++p) {
      std::vector<Row> part = ReadAllRows(ShardOf(source, shards, p));
      nonempty += !part.empty();
      joined.insert(joined.end(), part.begin(), part.end());
    }
    EXPECT_EQ(joined, whole) << parts << " parts";
    if (parts <= 5) EXPECT_EQ(nonempty, static_cast<size_t>(parts)) << "a part with no rows";
  }
}

std::string Rows(size_t n, bool multiline) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    const std::string text = "message " + std::to_string(i) + (multiline && i % 3 == 0 ? "\nsecond line, \"\"quoted\"\"" : "");
    out += "\"" + text + "\"," + (i % 2 ? "returns" : "shipping") + "\n";
  }
  return out;
}

TEST(FileShardsTest, CsvWithQuotedNewlinesSplitsOnlyAtRecordStarts) {
  TempDir dir;
  DataSource source;
  source.path = dir.Write("train.csv", "\xEF\xBB\xBFtext,label\n\n" + Rows(200, true));
  source.label_column = "label";
  ExpectShardsCoverTheFile(source);
}

TEST(FileShardsTest, TsvAndJsonlToo) {
  TempDir dir;
  std::string tsv = "text\tlabel\n", jsonl;
  for (int i = 0; i < 150; ++i) {
    tsv += "row " + std::to_string(i) + "\t" + (i % 2 ? "a" : "b") + "\n";
    jsonl += "{\"text\": \"row " + std::to_string(i) + "\", \"label\": \"" + (i % 2 ? "a" : "b") + "\"}\n";
    if (i % 10 == 0) jsonl += "\n";  // blank lines are skipped, not rows
  }
  DataSource source;
  source.label_column = "label";
  source.path = dir.Write("train.tsv", tsv);
  ExpectShardsCoverTheFile(source);
  source.path = dir.Write("train.jsonl", jsonl);
  ExpectShardsCoverTheFile(source);
}

TEST(FileShardsTest, ABadRowInALaterPartNamesTheFilesLine) {
  TempDir dir;
  std::string csv = "text,label\n" + Rows(100, false);
  csv += "\"   \",returns\n";  // line 102: blank text
  csv += Rows(5, false);
  DataSource source;
  source.path = dir.Write("train.csv", csv);
  source.label_column = "label";
  const FileShards shards = CutIntoShards(source, 2);
  try {
    ReadAllRows(ShardOf(source, shards, 1));
    FAIL() << "the blank text was read as a row";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train.csv:102"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainops
