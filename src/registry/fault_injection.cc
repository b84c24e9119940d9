#include "registry/fault_injection.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace trainops::fault {

void MaybeKill(const char* variable) {
  // Read at the crash point rather than once, so a test can set it in a forked child.
  const char* value = std::getenv(variable);
  if (value && std::strcmp(value, "1") == 0) std::raise(SIGKILL);
}

void MaybeDelay(const char* variable) {
  const char* value = std::getenv(variable);
  if (!value) return;
  const long ms = std::strtol(value, nullptr, 10);
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace trainops::fault
