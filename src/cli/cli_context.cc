#include "cli/cli_context.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
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

void CheckOutputPath(const std::string& path, const char* flag, const CommandInputs& inputs) {
  CheckOutputFile(path, flag, inputs);
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
