// What the resume tests (in memory and streamed) compare: one training command run once
// uninterrupted and once killed mid-checkpoint.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.h"

namespace trainops::testing {

struct FullAndKilledRuns {
  CliResult full;
  CliResult killed;
};

// Runs `train_args` (without --out) into dir/"full", then into dir/"killed" with SIGKILL
// while it writes its `kill_at`-th checkpoint (the TRAINOPS_FAULT_KILL_DURING_CHECKPOINT
// hook). The caller checks the killed folder, then resumes it.
inline FullAndKilledRuns TrainFullAndKilled(const std::vector<std::string>& train_args,
                                            const std::filesystem::path& dir, int kill_at) {
  auto with_out = [&](const std::string& out) {
    auto a = train_args;
    a.insert(a.end(), {"--out", (dir / out).string()});
    return a;
  };
  FullAndKilledRuns runs;
  runs.full = RunCli(with_out("full"));
  setenv("TRAINOPS_FAULT_KILL_DURING_CHECKPOINT", std::to_string(kill_at).c_str(), 1);
  runs.killed = RunCli(with_out("killed"));
  unsetenv("TRAINOPS_FAULT_KILL_DURING_CHECKPOINT");
  return runs;
}

}  // namespace trainops::testing
