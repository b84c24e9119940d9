// The library boundary: what the standard library throws about the caller's files
// (a folder that cannot be created, a path that is not a folder, a full disk) reaches the
// caller as trainops::InputError naming the path and the fix, not as an anonymous
// std::filesystem error that the CLI would have to call a bug.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

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

// ---- Outputs never replace inputs ----------------------------------------------------------
// One guard for every command (CLI or library caller): before the work starts, each output
// path is checked against the files the command reads, compared as files on disk (device
// and inode), not as written, so "./train.csv", "$PWD/train.csv" and a link to it are all
// train.csv.

// The files a command reads.
struct CommandInputs {
  // (what it is, e.g. "--data" or "data.test of task.yaml"; its path)
  std::vector<std::pair<std::string, std::filesystem::path>> files;
  void Add(std::string what, const std::string& path);
  // A task spec and every file it names: data.train/validation/test, the behavioural-test
  // file and the registry (`registry_flag` when given, as ResolveRegistryPath finds it).
  // Throws what LoadTaskSpec throws for a spec that does not load.
  void AddTask(const std::string& spec_path, const std::string& registry_flag = "");
};

// Checks that the output file `path` given with `flag` can be written: its folder exists and
// is writable, it is not a folder, and it is none of `inputs` ("" and "-", stdout, pass).
// Throws InputError naming the flag, the path, the input it would replace, and the fix.
void CheckOutputFile(const std::string& path, std::string_view flag, const CommandInputs& inputs = {});

// For an output folder whose files are named after inputs (check-data --write-clean):
// refuses a folder that is, on disk, the folder of one of `inputs`.
void CheckOutputFolder(const std::string& dir, std::string_view flag, const CommandInputs& inputs);

}  // namespace trainops
