// Helpers shared by all test binaries: temporary folders, the shared datasets (skipped
// cleanly when ../shared is absent, as on a user's machine) and running the CLI.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace trainops::testing {

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `contents` to `name` inside the folder and returns its path.
  std::filesystem::path Write(const std::string& name, const std::string& contents) const;

 private:
  std::filesystem::path path_;
};

// ../shared/data next to the project, or nullopt.
std::optional<std::filesystem::path> SharedDataDir();
std::filesystem::path SourceDir();

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs build/trainops with the arguments (no shell quoting issues: args are passed as is);
// `stdin_text` is fed to its standard input.
CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = "");

std::string ReadAll(const std::filesystem::path& path);
// True in the PostgreSQL run of a test (TRAINOPS_REGISTRY is a PostgreSQL URL: see
// tests/postgres_server.cc): every command the test runs uses that registry.
bool OnPostgresRegistry();
// The traffic log a test's commands read by default: `sqlite_path` (traffic.db next to the
// registry), or in the PostgreSQL run the registry's database, where the shared log lives.
std::filesystem::path DefaultTestTrafficLog(const std::filesystem::path& sqlite_path);
// The registry a test's commands use by default: `sqlite_path` (.trainops/registry.db next
// to the spec), or in the PostgreSQL run the database TRAINOPS_REGISTRY names.
std::filesystem::path DefaultTestRegistry(const std::filesystem::path& sqlite_path);

// The path of a Chromium (or Chrome) on PATH for the browser tests; "" when there is none.
std::string FindChromium();

// A loopback port nobody listens on now (for a server started as a process).
int FreePort();

// A seeded synthetic intent dataset as CSV (columns text,intent,channel,created_at):
// `labels` intents, each with its own keywords mixed with shared filler words, so a model
// can learn it but not trivially. Same seed, same bytes.
std::string SyntheticIntentCsv(size_t rows, uint64_t seed, int labels = 4);

}  // namespace trainops::testing

// Skips the test with a message when ../shared/data is absent.
#define TRAINOPS_REQUIRE_SHARED_DATA(var)                                          \
  auto var##_opt = ::trainops::testing::SharedDataDir();                          \
  if (!var##_opt) GTEST_SKIP() << "../shared/data not found next to the project; " \
                                  "skipping the test on the shared datasets";      \
  const std::filesystem::path var = *var##_opt
