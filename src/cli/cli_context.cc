#include "cli/cli_context.h"

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

Messages CliContext::messages() const {
  return {[this](const std::string& m) { Info(m); }, [this](const std::string& m) { Debug(m); },
          [this](const std::string& m) { Warn(m); }};
}

}  // namespace trainops::cli
