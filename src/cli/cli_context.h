// What every command shares: verbosity flags and the message helpers that honour them.
// Messages for people go to stderr, results to stdout or files.
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace trainops {
struct TaskSpec;
}

namespace trainops::cli {

struct CliContext {
  bool quiet = false;
  bool verbose = false;
  // A normal progress message (hidden by --quiet).
  void Info(const std::string& message) const;
  // Detail shown only with --verbose.
  void Debug(const std::string& message) const;
  // Always shown.
  void Warn(const std::string& message) const;
};

// Each command registers its subcommand and the callback that runs it; callbacks throw
// trainops errors, which main translates into exit codes.
void RegisterInit(CLI::App& app, CliContext& ctx);
void RegisterTrain(CLI::App& app, CliContext& ctx);
void RegisterPredict(CLI::App& app, CliContext& ctx);
void RegisterEval(CLI::App& app, CliContext& ctx);
void RegisterCompare(CLI::App& app, CliContext& ctx);
void RegisterCheckData(CLI::App& app, CliContext& ctx);
void RegisterRegistryCommands(CLI::App& app, CliContext& ctx);  // runs, models, promote, rollback
void RegisterGate(CLI::App& app, CliContext& ctx);  // gate and release

// Runs check-data before `trainops train` (command_check_data.cc): prints a summary,
// throws InputError when the data has errors unless `allow_errors`, and returns what
// run.json records under "check_data".
nlohmann::json CheckDataBeforeTraining(const TaskSpec& spec, bool allow_errors, const CliContext& ctx);

// Thrown by a command to exit with a given code after printing its own output.
struct ExitRequest {
  int code;
};

}  // namespace trainops::cli
