#include "cli/cli_context.h"

#include <iostream>

namespace trainops::cli {

void CliContext::Info(const std::string& message) const {
  if (!quiet) std::cerr << message << "\n";
}
void CliContext::Debug(const std::string& message) const {
  if (verbose && !quiet) std::cerr << message << "\n";
}
void CliContext::Warn(const std::string& message) const { std::cerr << "warning: " << message << "\n"; }

}  // namespace trainops::cli
