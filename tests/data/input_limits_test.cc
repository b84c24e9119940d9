// Issue 16: a file without record ends is an error at its file:line, not memory growing
// without bound; a UTF-16/32 file is named for what it is, with the fix.
#include <stdlib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/error.h"
#include "data/table_reader.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;

std::string ErrorReading(const std::string& content, FileFormat format) {
  try {
    auto reader = OpenTable(std::make_unique<std::istringstream>(content), "in.txt", format);
    RawRecord record;
    while (reader->Next(record)) {
    }
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Sets the limits through the environment for one test.
class ScopedLimits {
 public:
  ScopedLimits(const char* field, const char* record) {
    ::setenv("TRAINOPS_MAX_FIELD_BYTES", field, 1);
    ::setenv("TRAINOPS_MAX_RECORD_BYTES", record, 1);
  }
  ~ScopedLimits() {
    ::unsetenv("TRAINOPS_MAX_FIELD_BYTES");
    ::unsetenv("TRAINOPS_MAX_RECORD_BYTES");
  }
};

TEST(InputLimitsTest, AFieldOrRecordOverTheLimitIsAnErrorAtItsLine) {
  ScopedLimits limits("100", "250");
  const std::string head = "text,label\nshort,a\n";
  EXPECT_THAT(ErrorReading(head + std::string(101, 'x') + ",a\n", FileFormat::kCsv),
              HasSubstr("in.txt:3: field 1 is longer than 100 bytes"));
  // A quote that never closes swallows the rest of the file into one field.
  EXPECT_THAT(ErrorReading(head + "ok,a\n\"" + std::string(200, 'y') + "\n,a\n", FileFormat::kCsv),
              HasSubstr("in.txt:4: field 1 is longer than 100 bytes"));
  EXPECT_THAT(ErrorReading(head + "ok,a\n\"" + std::string(200, 'y') + "\n,a\n", FileFormat::kCsv),
              HasSubstr("TRAINOPS_MAX_FIELD_BYTES"));
  // Many small fields: the record limit.
  std::string wide = "a";
  for (int i = 0; i < 100; ++i) wide += ",abc";
  EXPECT_THAT(ErrorReading(head + wide + "\n", FileFormat::kTsv), HasSubstr("in.txt:3: field 1"));  // no tabs
  EXPECT_THAT(ErrorReading(head + wide + "\n", FileFormat::kCsv),
              HasSubstr("in.txt:3: the record is longer than 250 bytes"));
  EXPECT_THAT(ErrorReading(std::string("{\"text\": \"a\"}\n") + "{\"text\": \"" + std::string(300, 'z') + "\"}\n",
                           FileFormat::kJsonl),
              HasSubstr("in.txt:2: the line is longer than 250 bytes"));
  EXPECT_THAT(ErrorReading(std::string("{\"text\": \"a\"}\n") + "{\"text\": \"" + std::string(150, 'z') + "\"}\n",
                           FileFormat::kJsonl),
              HasSubstr("in.txt:2: the value of \"text\" is longer than 100 bytes"));
  // Under the limits, all is read.
  EXPECT_EQ(ErrorReading(head + std::string(100, 'x') + ",a\n", FileFormat::kCsv), "(no error)");
}

TEST(InputLimitsTest, TheDefaultsAre1MiBAnd16MiBAndABadOverrideIsNamed) {
  const RecordLimits defaults = RecordLimits::FromEnvironment();
  EXPECT_EQ(defaults.max_field_bytes, size_t{1} << 20);
  EXPECT_EQ(defaults.max_record_bytes, size_t{16} << 20);
  EXPECT_THAT(ErrorReading("text\n" + std::string((size_t{1} << 20) + 1, '\0') + "\n", FileFormat::kCsv),
              HasSubstr("in.txt:2: field 1 is longer than 1 MiB"));
  ScopedLimits bad("lots", "250");
  EXPECT_THAT(ErrorReading("text\na\n", FileFormat::kCsv), HasSubstr("TRAINOPS_MAX_FIELD_BYTES=lots"));
}

TEST(InputLimitsTest, Utf16And32FilesAreNamedWithTheFix) {
  const std::string text = "text,label\n";
  auto widen = [&](const std::string& bom, int width, bool big_endian) {
    std::string out = bom;
    for (char c : text) {
      std::string unit(static_cast<size_t>(width), '\0');
      unit[big_endian ? static_cast<size_t>(width - 1) : 0] = c;
      out += unit;
    }
    return out;
  };
  for (FileFormat format : {FileFormat::kCsv, FileFormat::kTsv, FileFormat::kJsonl}) {
    const std::string le16 = ErrorReading(widen("\xFF\xFE", 2, false), format);
    EXPECT_THAT(le16, HasSubstr("in.txt: the file is UTF-16"));
    EXPECT_THAT(le16, HasSubstr("iconv -f UTF-16 -t UTF-8 in.txt"));
    EXPECT_THAT(ErrorReading(widen("\xFE\xFF", 2, true), format), HasSubstr("the file is UTF-16"));
    EXPECT_THAT(ErrorReading(widen(std::string("\xFF\xFE\0\0", 4), 4, false), format),
                HasSubstr("the file is UTF-32"));
    EXPECT_THAT(ErrorReading(widen(std::string("\0\0\xFE\xFF", 4), 4, true), format),
                HasSubstr("the file is UTF-32"));
  }
  // A UTF-8 byte-order mark is still skipped.
  EXPECT_EQ(ErrorReading("\xEF\xBB\xBFtext,label\na,b\n", FileFormat::kCsv), "(no error)");
}

}  // namespace
}  // namespace trainops
