// What every command shares: verbosity flags and the message helpers that honour them.
// Messages for people go to stderr, results to stdout or files.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <trainops/workflows.h>

#include "api/boundary.h"

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
  // The same three, as the library's message callbacks.
  Messages messages() const;
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
void RegisterServe(CLI::App& app, CliContext& ctx);  // serve and traffic export
void RegisterMonitor(CLI::App& app, CliContext& ctx);  // monitor, cycle, cycles list
void RegisterSelect(CLI::App& app, CliContext& ctx);
void RegisterUi(CLI::App& app, CliContext& ctx);  // the web dashboard

// Checks, before a command does its work, that an output file named by `flag` can be
// written: its folder exists and is writable, it is not a folder itself, and it is none of
// the command's `inputs` ("" and "-", stdout, pass): the library's guard (api/boundary.h).
// Throws InputError naming the flag, the path and the fix, so an hour of work is not lost
// to a typo in an output path, and an output never replaces an input.
void CheckOutputPath(const std::string& path, const char* flag, const CommandInputs& inputs = {});

// The conventions every command's flags follow (README "Commands"): an output flag's
// value "-" is standard output (a folder output refuses it); `--json [FILE]` writes JSON
// to FILE, or to standard output when given bare or as "-"; `--output` names a command's
// output (`--out` is kept as its old spelling); -q/-v go anywhere, never together.

// Writes `content` where an output flag points: standard output for "-", else the file,
// atomically. "" writes nothing.
void WriteOutput(const std::string& path, std::string_view content);
// Refuses (InputError naming both flags) two outputs sent to standard output: their
// bytes would interleave into something neither reader can parse.
void CheckOneStdout(const std::vector<std::pair<std::string, std::string>>& flag_values);
// `--json [FILE]` on `cmd`: `target` becomes FILE, or "-" when the flag is given bare.
CLI::Option* AddJsonOption(CLI::App* cmd, std::string& target, const std::string& what);
// A command's positional argument that a bare `--json` in front of it took as its FILE
// ("models show --json ID"): moves it back. Call before using either.
void ReclaimPositional(std::string& positional, std::string& json);

// Hands what was written to standard output to the OS and checks that it got there:
// throws InputError naming standard output (a full disk, /dev/full, a closed pipe) so a
// command never reports success for results that were lost.
void FlushStdout();

// Thrown by a command to exit with a given code after printing its own output.
struct ExitRequest {
  int code;
};

}  // namespace trainops::cli
