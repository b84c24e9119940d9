// The CSV reader (data/table_reader.h) over arbitrary bytes: header, every record.
#include "table_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trainops::fuzz::ReadWholeTable(data, size, trainops::FileFormat::kCsv);
  return 0;
}
