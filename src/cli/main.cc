// trainops command-line entry point: parses arguments, runs one command, and translates
// errors into exit codes once, here: 0 success, 1 a failed check, 2 usage or input error
// (a bad flag, a missing or malformed file, a path that cannot be written), 3 a bug in
// trainops (anything else: please report it).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>

#include <fmt/format.h>

#include "api/boundary.h"
#include "cli/cli_context.h"
#include "common/error.h"
#include "common/strings.h"
#include "train/memory_plan.h"
#include "train/world.h"

namespace {

// Help on stdout that did not get there (`trainops --help > /dev/full`) is a failure too.
int HelpPrinted(int code) {
  try {
    trainops::cli::FlushStdout();
  } catch (const trainops::InputError& e) {
    std::cerr << "trainops: error: " << e.what() << "\n";
    return static_cast<int>(trainops::ExitCode::kInputError);
  }
  return code;
}

int Run(int argc, char** argv) {
  using trainops::cli::CliContext;
  CLI::App app{"trainops: train task-specific text classifiers and keep them reliable after release"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  CliContext ctx;
  app.add_flag("-q,--quiet", ctx.quiet, "Print only results and errors");
  app.add_flag("-v,--verbose", ctx.verbose, "Print more detail");
  trainops::cli::RegisterInit(app, ctx);
  trainops::cli::RegisterTrain(app, ctx);
  trainops::cli::RegisterPredict(app, ctx);
  trainops::cli::RegisterEval(app, ctx);
  trainops::cli::RegisterCompare(app, ctx);
  trainops::cli::RegisterCheckData(app, ctx);
  trainops::cli::RegisterRegistryCommands(app, ctx);
  trainops::cli::RegisterGate(app, ctx);
  trainops::cli::RegisterServe(app, ctx);
  trainops::cli::RegisterMonitor(app, ctx);
  trainops::cli::RegisterSelect(app, ctx);
  trainops::cli::RegisterUi(app, ctx);
  // Every command, and every command of a group (`traffic export`, `cycles list`), accepts
  // --quiet/--verbose after its name too.
  std::function<void(CLI::App*)> add_global_flags = [&](CLI::App* parent) {
    for (CLI::App* sub : parent->get_subcommands({})) {
      sub->add_flag("-q,--quiet", ctx.quiet, "Print only results and errors");
      sub->add_flag("-v,--verbose", ctx.verbose, "Print more detail");
      add_global_flags(sub);
    }
  };
  add_global_flags(&app);
  // Checked before any command runs (the callbacks run at the end of parsing).
  app.parse_complete_callback([&ctx] {
    if (ctx.quiet && ctx.verbose) {
      throw trainops::InputError("--quiet and --verbose contradict each other; give one of them");
    }
  });
  try {
    // CLI11 would only say "a subcommand is required"; name the word and suggest one.
    if (argc > 1 && argv[1][0] != '-') {
      std::vector<std::string> commands;
      for (CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
      if (std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
        throw trainops::InputError(fmt::format("unknown command \"{}\"{}; commands: {}", argv[1],
                                               trainops::DidYouMean(argv[1], commands),
                                               trainops::Join(commands, ", ")));
      }
    }
    app.parse(argc, argv);
    // Results on stdout that did not reach it are a failure, never a success.
    trainops::cli::FlushStdout();
    if (std::fclose(stdout) != 0) {
      throw trainops::InputError(fmt::format("standard output: closing failed ({}); the results may be incomplete",
                                             std::strerror(errno)));
    }
  } catch (const CLI::CallForHelp& e) {
    return HelpPrinted(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return HelpPrinted(app.exit(e));
  } catch (const CLI::ParseError& e) {
    std::cerr << "trainops: " << e.what() << "\n";
    std::cerr << "Run `trainops --help` or `trainops <command> --help` for usage.\n";
    return static_cast<int>(trainops::ExitCode::kInputError);
  } catch (const trainops::cli::ExitRequest& request) {
    // A command that printed its results and then said no (exit 1): its results count too.
    try {
      trainops::cli::FlushStdout();
    } catch (const trainops::InputError& e) {
      std::cerr << "trainops: error: " << e.what() << "\n";
      return static_cast<int>(trainops::ExitCode::kInputError);
    }
    return request.code;
  } catch (const trainops::CheckFailedError& e) {
    std::cerr << "trainops: " << e.what() << "\n";
    return static_cast<int>(trainops::ExitCode::kCheckFailed);
  } catch (const trainops::InputError& e) {
    std::cerr << "trainops: error: " << e.what() << "\n";
    return static_cast<int>(trainops::ExitCode::kInputError);
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the user gave that cannot be read or written: theirs to fix, not a bug.
    std::cerr << "trainops: error: " << trainops::FilesystemErrorMessage(e) << "\n";
    return static_cast<int>(trainops::ExitCode::kInputError);
  } catch (const std::exception& e) {
    std::cerr << "trainops: internal error (please report): " << e.what() << "\n";
    return static_cast<int>(trainops::ExitCode::kInternal);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  trainops::ConfigureProcessMemory();
  const int code = Run(argc, argv);
  // Under mpirun (docs/scale.md): a rank that failed ends the whole job, since the others
  // may wait for it in a collective; a rank that succeeded leaves MPI cleanly.
  trainops::World& world = trainops::World::Get();
  if (world.distributed()) {
    if (code != 0) world.Abort(code);
    world.Finalize();
  }
  return code;
}
