// What every fuzz target shares: the rule that decides what counts as a finding.
// Bad input answered with trainops::InputError (CorruptFileError is one) is the library
// doing its job; any other exception escapes the target, std::terminate aborts, and
// libFuzzer keeps the input as a crash. So do sanitizer reports, leaks and timeouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"

namespace trainops::fuzz {

inline std::string AsString(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `parse`; swallows only the documented "your input is wrong" error.
template <typename Parse>
void ExpectOnlyInputErrors(Parse&& parse) {
  try {
    parse();
  } catch (const InputError&) {
  }
}

}  // namespace trainops::fuzz
