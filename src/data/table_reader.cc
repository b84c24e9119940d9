// Opening tables: file checks with clear messages, then the reader for the format.
#include "data/table_reader.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/error.h"
#include "data/csv_reader.h"
#include "data/jsonl_reader.h"

namespace trainops {

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
