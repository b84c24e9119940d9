// Where a registry lives when nobody says: next to the task spec, or found by walking up
// from the current folder (as git finds .git), so commands run inside a project need no flag.
#include <system_error>

#include "common/db_location.h"
#include "registry/registry.h"

namespace trainops {

std::filesystem::path RegistrySideDir(const std::filesystem::path& registry, const std::filesystem::path& spec_path) {
  if (!IsPostgresLocation(registry.string())) return std::filesystem::absolute(registry).parent_path();
  const std::filesystem::path base =
      spec_path.empty() ? std::filesystem::current_path() : std::filesystem::absolute(spec_path).parent_path();
  return base / ".trainops";
}

std::filesystem::path DefaultTrafficLog(const std::filesystem::path& registry, const std::filesystem::path& spec_path) {
  if (IsPostgresLocation(registry.string())) return registry;
  return RegistrySideDir(registry, spec_path) / "traffic.db";
}

std::filesystem::path DefaultRegistryPath(const std::filesystem::path& spec_path) {
  return std::filesystem::absolute(spec_path).parent_path() / ".trainops" / "registry.db";
}

std::optional<std::filesystem::path> DiscoverRegistry(const std::filesystem::path& start) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(start, ec);
  if (ec) return std::nullopt;
  while (true) {
    auto candidate = dir / ".trainops" / "registry.db";
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

}  // namespace trainops
