// FileFormat names and the guess from a file's extension.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/strings.h"
#include "data/table_reader.h"

namespace trainops {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

FileFormat ParseFileFormat(std::string_view name) {
  const std::string lower = Lower(name);
  if (lower == "csv") return FileFormat::kCsv;
  if (lower == "tsv" || lower == "tab") return FileFormat::kTsv;
  if (lower == "jsonl" || lower == "json" || lower == "ndjson") return FileFormat::kJsonl;
  const std::vector<std::string> names = {"csv", "tsv", "jsonl"};
  throw InputError("unknown file format \"" + std::string(name) + "\"" + DidYouMean(lower, names) +
                   " (use csv, tsv or jsonl)");
}

std::string FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kCsv:
      return "csv";
    case FileFormat::kTsv:
      return "tsv";
    case FileFormat::kJsonl:
      return "jsonl";
  }
  throw InternalError("unknown FileFormat value");
}

FileFormat GuessFileFormat(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path.string() + ": is a folder, not a data file");  // as OpenTable says it
  }
  const std::string extension = Lower(path.extension().string());
  if (extension == ".csv") return FileFormat::kCsv;
  if (extension == ".tsv" || extension == ".tab") return FileFormat::kTsv;
  if (extension == ".jsonl" || extension == ".ndjson" || extension == ".json") {
    return FileFormat::kJsonl;
  }
  std::string message = path.string() + ": cannot tell the file format from ";
  message +=
      extension.empty() ? "a name without an extension" : "the extension \"" + extension + "\"";
  if (extension == ".gz" || extension == ".zip" || extension == ".bz2" || extension == ".xz" ||
      extension == ".zst") {
    message += "; compressed files are not read directly: decompress it first";
  } else {
    message +=
        "; name it .csv, .tsv or .jsonl, or set its format (csv, tsv or jsonl) in the "
        "task spec";
  }
  throw InputError(message);
}

}  // namespace trainops
