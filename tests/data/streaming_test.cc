// Streaming: a generated input far larger than the reader's buffer is read without ever
// existing in memory as a whole, with exact counts and line numbers.
#include <gtest/gtest.h>

#include <streambuf>

#include "data/table_reader.h"

namespace trainops {
namespace {

// Produces `rows` CSV rows on demand (every 7th with a quoted two-line field), holding
// only the current row.
class GeneratedCsv : public std::streambuf {
 public:
  explicit GeneratedCsv(size_t rows) : rows_(rows) {
    row_ = "text,label\r\n";
    Reset();
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (next_ >= rows_) return traits_type::eof();
    row_ = next_ % 7 == 0
               ? "\"row " + std::to_string(next_) + ", part one\r\npart two\",l" +
                     std::to_string(next_ % 5) + "\r\n"
               : "row " + std::to_string(next_) + ",l" + std::to_string(next_ % 5) + "\r\n";
    ++next_;
    Reset();
    return traits_type::to_int_type(*gptr());
  }

 private:
  void Reset() { setg(row_.data(), row_.data(), row_.data() + row_.size()); }
  size_t rows_;
  size_t next_ = 0;
  std::string row_;
};

TEST(StreamingTest, ReadsAGeneratedFileRecordByRecord) {
  constexpr size_t kRows = 300000;  // about 6 MB, 23 buffer refills
  auto buffer = std::make_unique<GeneratedCsv>(kRows);
  auto in = std::make_unique<std::istream>(buffer.get());
  auto reader = OpenTable(std::move(in), "generated.csv", FileFormat::kCsv);
  RawRecord record;
  size_t count = 0;
  uint64_t expected_line = 2;
  while (reader->Next(record)) {
    ASSERT_EQ(record.line, expected_line) << "row " << count;
    ASSERT_EQ(record.malformed, "");
    if (count % 7 == 0) {
      ASSERT_EQ(record.values[0], "row " + std::to_string(count) + ", part one\r\npart two");
      expected_line += 2;
    } else {
      ASSERT_EQ(record.values[0], "row " + std::to_string(count));
      expected_line += 1;
    }
    ASSERT_EQ(record.values[1].size(), 2u);
    ASSERT_EQ(record.values[1][0], 'l');
    ASSERT_EQ(record.values[1][1] - '0', static_cast<int>(count % 5));
    ++count;
  }
  EXPECT_EQ(count, kRows);
}

}  // namespace
}  // namespace trainops
