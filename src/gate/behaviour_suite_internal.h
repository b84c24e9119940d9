// Internal to src/gate/: a behaviour case as either reader (YAML or JSON Lines, in
// behaviour_suite.cc) found it, before the format-independent checks of
// behaviour_case_builder.cc turn it into a BehaviourCase. Plain data and a function with
// no shared state: thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "gate/behaviour_suite.h"

namespace trainops::behaviour_internal {

// One field of a case as read from either format: a string, a list of strings or
// something else (for the wrong-type message), with its line.
struct RawField {
  enum class Type { kString, kList, kOther } type = Type::kOther;
  std::string text;
  std::vector<std::string> list;
  std::string got;  // what it was, for messages ("a number", "a mapping", ...)
  int line = 0;
};

struct RawCase {
  int line = 0;
  std::vector<std::pair<std::string, RawField>> fields;
  const RawField* Find(const std::string& key) const {
    for (const auto& [k, v] : fields) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

// The suite from the raw cases: checks each case's fields (names, types, what applies to
// its kind) and throws InputError "file:line: field ...: ..." at the first problem.
BehaviourSuite Finish(const std::filesystem::path& file, std::vector<std::string> products,
                      const std::vector<RawCase>& raw_cases);

}  // namespace trainops::behaviour_internal
