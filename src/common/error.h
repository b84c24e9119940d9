// Error kinds that cross the library boundary. The split follows who must act:
// InputError is the user's to fix (bad file, bad flag, bad spec) and maps to exit code 2;
// CheckFailed means the tool worked but a check or gate did not pass (exit code 1);
// InternalError is our bug. The CLI translates them once, at the edge.
#pragma once

#include <stdexcept>
#include <string>

namespace trainops {

enum class ExitCode : int { kOk = 0, kCheckFailed = 1, kInputError = 2, kInternal = 3 };

// A problem with something the user gave us. The message names where (file:line) and,
// where we can tell, how to fix it.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem with a file on disk that looks damaged or foreign (model, checkpoint).
class CorruptFileError : public InputError {
 public:
  using InputError::InputError;
};

// The tool worked, but a check, gate or policy said no (a failed gate, a promotion
// without a passing gate report). Maps to exit code 1.
class CheckFailedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace trainops
