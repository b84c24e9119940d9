// File format names and the guess from the extension.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "data/table_reader.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;

TEST(FileFormatTest, ParsesNamesCaseInsensitively) {
  const std::vector<std::pair<std::string, FileFormat>> cases = {
      {"csv", FileFormat::kCsv},     {"CSV", FileFormat::kCsv},    {"tsv", FileFormat::kTsv},
      {"jsonl", FileFormat::kJsonl}, {"json", FileFormat::kJsonl}, {"ndjson", FileFormat::kJsonl},
  };
  for (const auto& [name, format] : cases) {
    EXPECT_EQ(ParseFileFormat(name), format) << name;
  }
  for (FileFormat format : {FileFormat::kCsv, FileFormat::kTsv, FileFormat::kJsonl}) {
    EXPECT_EQ(ParseFileFormat(FileFormatName(format)), format);
  }
}

TEST(FileFormatTest, UnknownNameSuggestsTheNearest) {
  try {
    ParseFileFormat("jsnl");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown file format \"jsnl\", did you mean \"jsonl\"? (use csv, tsv or jsonl)");
  }
  EXPECT_THROW(ParseFileFormat("xlsx"), InputError);
}

TEST(FileFormatTest, GuessesFromTheExtension) {
  const std::vector<std::pair<std::string, FileFormat>> cases = {
      {"a/train.csv", FileFormat::kCsv}, {"TRAIN.CSV", FileFormat::kCsv},
      {"x.tsv", FileFormat::kTsv},       {"x.tab", FileFormat::kTsv},
      {"x.jsonl", FileFormat::kJsonl},   {"x.ndjson", FileFormat::kJsonl},
      {"x.json", FileFormat::kJsonl},    {"dir.v2/x.csv", FileFormat::kCsv},
  };
  for (const auto& [path, format] : cases) EXPECT_EQ(GuessFileFormat(path), format) << path;
}

TEST(FileFormatTest, UnknownExtensionSaysHowToFix) {
  try {
    GuessFileFormat("data/train.txt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("data/train.txt: cannot tell the file format from the "
                                    "extension \".txt\""));
    EXPECT_THAT(e.what(), HasSubstr("set its format (csv, tsv or jsonl) in the task spec"));
  }
  try {
    GuessFileFormat("train.csv.gz");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("decompress it first"));
  }
  try {
    GuessFileFormat("train");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("train: cannot tell the file format from a name without an "
                                    "extension"));
  }
}

}  // namespace
}  // namespace trainops
