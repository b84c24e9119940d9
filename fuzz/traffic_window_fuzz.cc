// The drift monitor's traffic-file reader (drift/traffic_window.h LoadTrafficFile): column
// discovery (text, feedback, id, time), UTF-8 checks and the window's time range. It reads
// a path, so each input goes into an in-memory file (memfd) opened as /proc/self/fd/N.
// Always CSV: the three readers have their own targets; this one is about the window logic.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "drift/traffic_window.h"
#include "fuzz_support.h"
#include "task/task_spec.h"

namespace {

// One memfd for the whole run: rewritten per input (no file-descriptor leak per input).
int MemoryFile() {
  static const int fd = memfd_create("fuzz-traffic", 0);
  if (fd < 0) __builtin_trap();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = MemoryFile();
  if (ftruncate(fd, 0) != 0) __builtin_trap();
  if (size > 0 && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) __builtin_trap();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  trainops::TaskSpec spec;  // defaults: text column "text", label column "label"
  trainops::fuzz::ExpectOnlyInputErrors([&] {
    const auto window = trainops::drift::LoadTrafficFile(path, trainops::FileFormat::kCsv, spec);
    if (window.rows.empty() || window.FeedbackRows() > window.rows.size()) __builtin_trap();
    (void)window.Key();
  });
  return 0;
}
