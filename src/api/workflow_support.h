// What the workflow implementations (src/api/) share: sending a message to an optional
// callback, and the pre-train data check that `Train` runs.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>
#include <trainops/workflows.h>

namespace trainops {

struct TaskSpec;

inline void Say(const std::function<void(const std::string&)>& to, const std::string& message) {
  if (to) to(message);
}

// The data check before training: reports through `messages`, throws InputError when the
// data has errors that block training unless `allow_errors`, and returns what run.json
// records under "check_data".
nlohmann::json CheckDataBeforeTraining(const TaskSpec& spec, bool allow_errors, const Messages& messages);

}  // namespace trainops
