#include "cli/cli_context.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"

namespace trainops::cli {

void CliContext::Info(const std::string& message) const {
  if (!quiet) std::cerr << message << "\n";
}
void CliContext::Debug(const std::string& message) const {
  if (verbose && !quiet) std::cerr << message << "\n";
}
void CliContext::Warn(const std::string& message) const { std::cerr << "warning: " << message << "\n"; }

void CheckOutputPath(const std::string& path, const char* flag, const CommandInputs& inputs) {
  CheckOutputFile(path, flag, inputs);
}

void WriteOutput(const std::string& path, std::string_view content) {
  if (path.empty()) return;
  if (path == "-") {
    std::cout << content;
    return;
  }
  WriteFileAtomically(path, content);
}

void CheckOneStdout(const std::vector<std::pair<std::string, std::string>>& flag_values) {
  const std::pair<std::string, std::string>* first = nullptr;
  for (const auto& fv : flag_values) {
    if (fv.second != "-") continue;
    if (first) {
      throw InputError(fmt::format("{} and {} both name standard output (-); send one of them to a file", first->first,
                                   fv.first));
    }
    first = &fv;
  }
}

CLI::Option* AddJsonOption(CLI::App* cmd, std::string& target, const std::string& what) {
  return cmd->add_option("--json", target, what + " as JSON to FILE; bare or - : standard output")
      ->expected(0, 1)
      ->default_str("-")
      ->type_name("[FILE]");
}

void ReclaimPositional(std::string& positional, std::string& json) {
  if (positional.empty() && !json.empty() && json != "-") {
    positional = json;
    json = "-";
  }
}

void FlushStdout() {
  errno = 0;
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int error = errno;
    std::cout.clear();
    throw InputError(fmt::format("standard output: write failed ({}); the results did not all get there; "
                                 "free space or write to a file with --output/--json",
                                 error ? std::strerror(error) : "an I/O error"));
  }
}

Messages CliContext::messages() const {
  return {[this](const std::string& m) { Info(m); }, [this](const std::string& m) { Debug(m); },
          [this](const std::string& m) { Warn(m); }};
}

}  // namespace trainops::cli
