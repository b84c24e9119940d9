#include "common/fault_injection.h"

#ifdef TRAINOPS_FAULT_INJECTION
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace trainops::fault {

void MaybeKill(const char* variable) {
  // Read at the crash point rather than once, so a test can set it in a forked child.
  if (Requested(variable, "1")) KillNow();
}

void MaybeDelay(const char* variable) {
  const char* value = std::getenv(variable);
  if (!value) return;
  const long ms = std::strtol(value, nullptr, 10);
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

bool Requested(const char* variable, std::string_view value) {
  const char* set = std::getenv(variable);
  return set && value == set;
}

void KillNow() {
  std::raise(SIGKILL);
  std::abort();  // SIGKILL cannot be caught; this only satisfies [[noreturn]].
}

}  // namespace trainops::fault
#endif
