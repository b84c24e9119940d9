// CSV (RFC 4180) and TSV reader. Fields may be quoted; inside quotes the delimiter, line
// breaks and doubled quotes ("") are data. Records end with LF or CRLF; empty lines are
// skipped. Line numbers are physical: a quoted field spanning lines advances the count.
// A malformed record (stray quote in an unquoted field, text after a closing quote, a
// bare CR, too many fields, a quote never closed) is still returned, with
// RawRecord::malformed saying why, and parsing resumes at the next record.
// TSV follows the same rules with a tab delimiter, except that a quote inside an unquoted
// field is plain text (TSV files are rarely quoted, and text often holds quotes).
// Not thread-safe; one reader per thread.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "data/byte_source.h"
#include "data/table_reader.h"

namespace trainops {

class CsvReader final : public TableReader {
 public:
  // Reads the header; throws InputError when the input is empty or the header malformed.
  CsvReader(std::unique_ptr<std::istream> in, std::string name, char delimiter,
            size_t chunk_size = ByteSource::kDefaultChunkSize);

  const std::vector<std::string>& columns() const override { return columns_; }
  bool Next(RawRecord& record) override;

 private:
  // Reads one record's fields into `fields` (grown as needed when `grow`, else extra
  // fields are parsed and dropped). Returns the number of fields, 0 at end of input.
  size_t ReadRecord(std::vector<std::string>& fields, bool grow, uint64_t& start_line,
                    std::string& malformed);
  // Skips empty lines; false at end of input.
  bool SkipEmptyLines();
  void ReadUnquoted(std::string& out, size_t field_number, std::string& malformed);
  void ReadQuoted(std::string& out, size_t field_number, std::string& malformed);
  // After a field: consumes the delimiter (returns true: more fields follow) or the line
  // end / end of input (returns false).
  bool ConsumeFieldEnd();

  ByteSource source_;
  char delimiter_;
  std::array<bool, 256> stops_unquoted_{};  // bytes that end a run of unquoted data
  uint64_t line_ = 1;
  std::vector<std::string> columns_;
  std::string overflow_;  // scratch for fields beyond the header's count
  RecordLimits limits_ = RecordLimits::FromEnvironment();
  uint64_t record_line_ = 1;  // where the record being read starts (for the limit's message)
  uint64_t record_offset_ = 0;  // byte offset where the record being read starts
};

}  // namespace trainops
