// The output guard of api/boundary.h: an output never replaces an input.
#include "api/boundary.h"

#include <unistd.h>

#include "api/registry_access.h"
#include "common/atomic_file.h"
#include "task/task_spec.h"

namespace trainops {

void CommandInputs::Add(std::string what, const std::string& path) {
  if (!path.empty() && path != "-") files.emplace_back(std::move(what), path);
}

void CommandInputs::AddTask(const std::string& spec_path, const std::string& registry_flag) {
  if (spec_path.empty()) return;
  const TaskSpec spec = LoadTaskSpec(spec_path);
  const std::string of = " of " + spec_path;
  Add("the task spec", spec_path);
  Add("data.train" + of, spec.data.train.string());
  Add("data.validation" + of, spec.data.validation.string());
  Add("data.test" + of, spec.data.test.string());
  Add("the behavioural tests" + of, spec.gates.behaviour.file.string());
  try {
    Add("the registry", ResolveRegistryPath(registry_flag, &spec).string());
  } catch (const InputError&) {
    // No registry applies: nothing to protect.
  }
}

void CheckOutputFile(const std::string& path, std::string_view flag, const CommandInputs& inputs) {
  if (path.empty() || path == "-") return;
  const std::filesystem::path p(path);
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) {
    throw InputError(fmt::format("{} {}: is a folder; name a file inside it", flag, path));
  }
  const std::filesystem::path folder = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  const auto status = std::filesystem::status(p, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    // A device or FIFO is written in place (common/atomic_file.h): it must be writable,
    // its folder need not be.
    if (::access(p.c_str(), W_OK) != 0) {
      throw InputError(fmt::format("{} {}: is not writable; write somewhere else", flag, path));
    }
    return;
  }
  if (!std::filesystem::is_directory(folder, ec)) {
    throw InputError(fmt::format("{} {}: the folder {} does not exist; create it or write somewhere else", flag, path,
                                 folder.string()));
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    throw InputError(fmt::format("{} {}: the folder {} is not writable; write somewhere else", flag, path,
                                 folder.string()));
  }
  // An input that does not exist yet (a registry the command will create) is compared by
  // its canonical path.
  auto canonical = [](const std::filesystem::path& x) {
    std::error_code ec;
    const auto c = std::filesystem::weakly_canonical(x, ec);
    return (ec ? std::filesystem::absolute(x) : c).lexically_normal();
  };
  for (const auto& [what, input] : inputs.files) {
    if (SameFile(p, input) || canonical(p) == canonical(input)) {
      throw InputError(fmt::format("{} {}: is {} ({}), which this command reads; writing there would destroy it; "
                                   "name another output file",
                                   flag, path, what, input.string()));
    }
  }
}

void CheckOutputFolder(const std::string& dir, std::string_view flag, const CommandInputs& inputs) {
  if (dir.empty()) return;
  for (const auto& [what, input] : inputs.files) {
    const std::filesystem::path folder = input.has_parent_path() ? input.parent_path() : std::filesystem::path(".");
    if (SameFile(dir, folder)) {
      throw InputError(fmt::format("{} {}: this folder holds {} ({}); cleaned copies written there would replace "
                                   "the originals; choose another folder",
                                   flag, dir, what, input.string()));
    }
  }
}

}  // namespace trainops
