#include "cli/cli_context.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops::cli {

void CliContext::Info(const std::string& message) const {
  if (!quiet) std::cerr << message << "\n";
}
void CliContext::Debug(const std::string& message) const {
  if (verbose && !quiet) std::cerr << message << "\n";
}
void CliContext::Warn(const std::string& message) const { std::cerr << "warning: " << message << "\n"; }

void CheckOutputPath(const std::string& path, const char* flag) {
  if (path.empty() || path == "-") return;
  const std::filesystem::path p(path);
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) {
    throw InputError(fmt::format("{} {}: is a folder; name a file inside it", flag, path));
  }
  const std::filesystem::path folder = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(folder, ec)) {
    throw InputError(fmt::format("{} {}: the folder {} does not exist; create it or write somewhere else", flag, path,
                                 folder.string()));
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    throw InputError(fmt::format("{} {}: the folder {} is not writable; write somewhere else", flag, path,
                                 folder.string()));
  }
}

Messages CliContext::messages() const {
  return {[this](const std::string& m) { Info(m); }, [this](const std::string& m) { Debug(m); },
          [this](const std::string& m) { Warn(m); }};
}

}  // namespace trainops::cli
