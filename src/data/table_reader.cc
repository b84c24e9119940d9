// Opening tables: file checks with clear messages, then the reader for the format.
#include "data/table_reader.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "common/error.h"
#include "data/csv_reader.h"
#include "data/jsonl_reader.h"

namespace trainops {

namespace {

size_t LimitFromEnvironment(const char* variable, size_t fallback) {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || value == 0 || text[0] == '-') {
    throw InputError(std::string(variable) + "=" + text + ": not a positive number of bytes; unset it or set e.g. " +
                     variable + "=" + std::to_string(fallback));
  }
  return static_cast<size_t>(value);
}

std::string Bytes(size_t n) {
  if (n % (size_t{1} << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n % (size_t{1} << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

}  // namespace

RecordLimits RecordLimits::FromEnvironment() {
  RecordLimits limits;
  limits.max_field_bytes = LimitFromEnvironment("TRAINOPS_MAX_FIELD_BYTES", limits.max_field_bytes);
  limits.max_record_bytes = LimitFromEnvironment("TRAINOPS_MAX_RECORD_BYTES", limits.max_record_bytes);
  return limits;
}

void RecordLimits::ThrowTooLong(const std::string& name, uint64_t line, const std::string& what, bool field) const {
  const size_t limit = field ? max_field_bytes : max_record_bytes;
  throw InputError(name + ":" + std::to_string(line) + ": " + what + " is longer than " + Bytes(limit) +
                   ", the most a " + (field ? "field" : "record") +
                   " may hold; is this a data file? A file without line ends (or a quote that never closes) "
                   "reads as one endless record. If the data is real, raise the limit with " +
                   (field ? "TRAINOPS_MAX_FIELD_BYTES" : "TRAINOPS_MAX_RECORD_BYTES") + "=BYTES");
}

std::optional<size_t> TableReader::ColumnIndex(std::string_view name) const {
  const auto& names = columns();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return i;
  }
  return std::nullopt;
}

std::unique_ptr<TableReader> OpenTable(const std::filesystem::path& path, FileFormat format) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw InputError(path.string() + ": file not found; check the path (relative paths in a " +
                     "task spec are relative to the spec's folder)");
  }
  if (std::filesystem::is_directory(status)) {
    throw InputError(path.string() + ": is a folder, not a data file");
  }
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!in->is_open()) {
    throw InputError(path.string() + ": cannot open the file: " + std::strerror(errno));
  }
  return OpenTable(std::move(in), path.string(), format);
}

std::unique_ptr<TableReader> OpenTable(std::unique_ptr<std::istream> in, std::string name,
                                       FileFormat format) {
  switch (format) {
    case FileFormat::kCsv:
      return std::make_unique<CsvReader>(std::move(in), std::move(name), ',');
    case FileFormat::kTsv:
      return std::make_unique<CsvReader>(std::move(in), std::move(name), '\t');
    case FileFormat::kJsonl:
      return std::make_unique<JsonlReader>(std::move(in), std::move(name));
  }
  throw InternalError("unknown FileFormat value");
}

}  // namespace trainops
