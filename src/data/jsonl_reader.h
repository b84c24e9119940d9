// JSON Lines reader: one JSON object per line; blank lines are skipped. The columns are
// the keys of the first object, in the order written. Per record, a string value is taken
// as is, a number as written ("1.50" stays "1.50"), a boolean as true/false, a nested
// array/object as compact JSON with its keys in order; null and absent keys are "not
// present"; keys the first object lacked, and keys inside nested objects, are ignored.
// A line that is not valid JSON, or not an object, is returned as a malformed record.
// Not thread-safe; one reader per thread.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/byte_source.h"
#include "data/table_reader.h"

namespace trainops {

class JsonlReader final : public TableReader {
 public:
  // Reads up to the first object to learn the columns; throws InputError when there is
  // none or the first non-blank line is not a JSON object.
  JsonlReader(std::unique_ptr<std::istream> in, std::string name,
              size_t chunk_size = ByteSource::kDefaultChunkSize);
  ~JsonlReader() override;

  const std::vector<std::string>& columns() const override { return columns_; }
  bool Next(RawRecord& record) override;

 private:
  // The next non-blank line into `line_text_`, its number into `line_number`; false at
  // the end of input.
  bool ReadLine(uint64_t& line_number);
  // Parses `line_text_` into `record` (values, present, malformed).
  void Parse(RawRecord& record);
  // Throws when a value is longer than the field limit.
  void CheckFieldSizes(const RawRecord& record) const;

  ByteSource source_;
  uint64_t next_line_ = 1;
  std::string line_text_;
  std::vector<std::string> columns_;
  std::unordered_map<std::string, size_t> column_index_;
  bool first_pending_ = false;  // the first object was read for the header, not yet returned
  uint64_t first_line_ = 0;
  uint64_t first_offset_ = 0;  // byte offset of the first object's line
  uint64_t line_offset_ = 0;   // byte offset of the line ReadLine read last
  RecordLimits limits_ = RecordLimits::FromEnvironment();
};

}  // namespace trainops
