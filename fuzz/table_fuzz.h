// Shared body of the CSV, TSV and JSONL reader targets: open the bytes as a table and
// read every record. A reader reports a bad record in RawRecord::malformed and a bad
// header or an over-long record as InputError; both are correct answers to bad input.
#pragma once

#include <memory>
#include <sstream>

#include "data/table_reader.h"
#include "fuzz_support.h"

namespace trainops::fuzz {

inline void ReadWholeTable(const uint8_t* data, size_t size, FileFormat format) {
  ExpectOnlyInputErrors([&] {
    auto table = OpenTable(std::make_unique<std::istringstream>(AsString(data, size)), "fuzz-input", format);
    const size_t columns = table->columns().size();
    RawRecord record;
    while (table->Next(record)) {
      // The header documents that a record holds one value per column: callers index
      // values[] by ColumnIndex without checking, so a mismatch is a finding.
      if (record.malformed.empty() && (record.values.size() != columns || record.present.size() != columns)) {
        __builtin_trap();
      }
    }
  });
}

}  // namespace trainops::fuzz
