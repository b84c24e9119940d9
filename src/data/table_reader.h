// Streaming readers for tabular text files: CSV (RFC 4180), TSV and JSON Lines.
// A reader yields one record at a time with the physical line where the record starts,
// so files larger than memory can be streamed (training reads epochs by re-opening).
// Not thread-safe; one reader per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainops {

enum class FileFormat { kCsv, kTsv, kJsonl };

// "csv", "tsv", "jsonl" (also "json", "ndjson"). Throws InputError for anything else.
FileFormat ParseFileFormat(std::string_view name);
std::string FileFormatName(FileFormat format);
// By extension (.csv, .tsv/.tab, .jsonl/.ndjson/.json); InputError naming the file when
// the extension says nothing and no format was given.
FileFormat GuessFileFormat(const std::filesystem::path& path);

// One record as read: the values of the header's columns, in header order.
// `present[i]` is false when the record had no value for column i (short CSV row, key
// absent in a JSON object, JSON null).
struct RawRecord {
  uint64_t line = 0;    // 1-based physical line where the record starts
  uint64_t offset = 0;  // byte offset in the input where the record starts
  std::vector<std::string> values;
  std::vector<bool> present;
  // JSON Lines only (empty for CSV/TSV): `structured[i]` is true when column i held an
  // array or object, whose JSON text is then in values[i] (a multi-label task's label list).
  std::vector<bool> structured;
  // Set when the record itself is malformed (unterminated quote, too many fields, invalid
  // JSON); values are then unreliable and the row must be reported.
  std::string malformed;
};

// The largest field and record (a CSV/TSV record, a JSONL line) a reader accepts, so a
// file without record ends (/dev/zero, a binary file, a quote never closed) is an error at
// its file:line instead of growing memory without bound. Defaults 1 MiB per field and
// 16 MiB per record; the environment variables TRAINOPS_MAX_FIELD_BYTES and
// TRAINOPS_MAX_RECORD_BYTES (bytes) change them for every reader a process opens.
struct RecordLimits {
  size_t max_field_bytes = size_t{1} << 20;
  size_t max_record_bytes = size_t{16} << 20;
  // The defaults with the environment's overrides; an override that is not a positive
  // number is an InputError naming the variable.
  static RecordLimits FromEnvironment();
  // "file:line: field 3 is longer than 1 MiB, the limit ..." with the fix.
  [[noreturn]] void ThrowTooLong(const std::string& name, uint64_t line, const std::string& what, bool field) const;
};

class TableReader {
 public:
  virtual ~TableReader() = default;
  // Column names from the header (CSV/TSV) or from the keys of the first object (JSONL;
  // later objects may add keys only if they were in the first - others are ignored).
  virtual const std::vector<std::string>& columns() const = 0;
  // Reads the next record; false at end of file.
  virtual bool Next(RawRecord& record) = 0;
  // The index of a column, or nullopt.
  std::optional<size_t> ColumnIndex(std::string_view name) const;
};

// Opens a file; throws InputError naming the file when it cannot be opened or has no
// header. A UTF-8 byte-order mark is skipped; CRLF and LF line ends are both accepted.
std::unique_ptr<TableReader> OpenTable(const std::filesystem::path& path, FileFormat format);
// For tests and stdin: reads from a stream; `name` is used in messages.
std::unique_ptr<TableReader> OpenTable(std::unique_ptr<std::istream> in, std::string name,
                                       FileFormat format);

}  // namespace trainops
