// trainops/error.h: the exceptions every trainops function throws. The split follows who
// must act:
//   InputError        something the caller gave is wrong (a missing or malformed file, a bad
//                     option, a bad spec); the message names the file (and line/row and
//                     field where there is one) and how to fix it. The CLI exits with 2.
//   CorruptFileError  an InputError for a file that exists but is truncated, damaged or not
//                     a trainops file at all (model, checkpoint, registry).
//   CheckFailedError  the tool worked, but a check, gate or release policy said no (a gate
//                     failed, a promotion without a passing gate report). The CLI exits 1.
//   InternalError     a bug in trainops. The CLI exits with 3.
//   CancelledError    the caller asked the work to stop (a progress callback threw it, as
//                     the Python binding does on Ctrl-C); the message says what was kept.
// All derive from trainops::Error (a std::runtime_error), so `catch (const trainops::Error&)`
// catches everything trainops throws on purpose. The library never exits or kills its
// process: every failure reaches the caller as one of these (or std::bad_alloc).
#pragma once

#include <stdexcept>
#include <string>

namespace trainops {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InputError : public Error {
 public:
  using Error::Error;
};

class CorruptFileError : public InputError {
 public:
  using InputError::InputError;
};

class CheckFailedError : public Error {
 public:
  using Error::Error;
};

class InternalError : public Error {
 public:
  using Error::Error;
};

class CancelledError : public Error {
 public:
  using Error::Error;
};

// The CLI's exit codes, one per error kind above (0 = success).
enum class ExitCode : int { kOk = 0, kCheckFailed = 1, kInputError = 2, kInternal = 3 };

}  // namespace trainops
