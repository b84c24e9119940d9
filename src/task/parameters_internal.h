// Internal to src/task/: the rows of the parameter table, built in parameters.cc and read by
// the lookups, checks and conversions in parameter_access.cc. The table is built once, on
// first use (a function-local static), and never changes after: safe to read from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "task/parameters.h"

namespace trainops::task_internal {

using Getter = std::function<std::optional<std::string>(const TaskSpec&)>;
using Setter = std::function<void(TaskSpec&, std::string_view)>;  // text already checked

struct Entry {
  Parameter p;
  Getter get;
  Setter set;
};

// The table, in documentation order.
const std::vector<Entry>& Table();

// A number as the table shows it (defaults, bounds).
std::string FormatDouble(double v);

}  // namespace trainops::task_internal
