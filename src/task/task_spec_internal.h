// Internal to src/task/: what the task spec's parser (task_spec.cc), its `gates:` section
// (spec_gates_section.cc) and its YAML writer (spec_yaml_writer.cc) share. Stateless
// functions and constants: safe to call from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "task/gates_spec.h"

namespace trainops {

class YamlSection;

namespace task_internal {

// The sections made only of table parameters; their keys come from the table.
inline const std::vector<std::string> kParameterSections = {"task", "model", "training", "checkpoints"};

// "training.epochs" -> {"training", "epochs"}; "seed" -> {"", "seed"}.
std::pair<std::string, std::string> SplitName(const std::string& name);

// `value` resolved against the spec's folder `base` ("" stays "").
std::filesystem::path Resolve(const std::filesystem::path& base, const std::string& value);

// Reads the `gates:` section of `top` into `gates`; relative paths resolve against `base`.
void ParseGates(const YamlSection& top, const std::filesystem::path& base, GatesSpec& gates);

}  // namespace task_internal
}  // namespace trainops
