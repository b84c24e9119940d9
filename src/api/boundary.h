// The library boundary: what the standard library throws about the caller's files
// (a folder that cannot be created, a path that is not a folder, a full disk) reaches the
// caller as trainops::InputError naming the path and the fix, not as an anonymous
// std::filesystem error that the CLI would have to call a bug.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops {

inline std::string FilesystemErrorMessage(const std::filesystem::filesystem_error& e) {
  const std::string path = e.path1().empty() ? std::string("a path") : e.path1().string();
  return fmt::format("{}: {}; check that the path is right, its folder exists and you can write there", path,
                     e.code().message());
}

// Runs `f`, translating filesystem errors into InputError.
template <class F>
auto AtBoundary(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::filesystem::filesystem_error& e) {
    throw InputError(FilesystemErrorMessage(e));
  }
}

// Creates the output folder `dir` (and its parents), or throws InputError saying why not.
inline void CreateOutputFolder(const std::filesystem::path& dir, std::string_view option) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw InputError(fmt::format("{}: cannot create this folder ({}); pass {} with a folder you can write to",
                                 dir.string(), ec ? ec.message() : "a file of that name exists", option));
  }
}

}  // namespace trainops
