// `trainops gate` and `trainops release`: run the task's gates on its unseen test data
// against the production model (or another baseline), print the verdict, write JSON and
// JUnit, keep the report in the registry; `release` also promotes on a pass.
// Exit codes: 0 every gate passed, 1 a gate failed, 2 bad input.
#include <iostream>

#include <fmt/format.h>

#include <trainops/workflows.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"

namespace trainops::cli {
namespace {

struct GateFlags {
  GateOptions options;
  std::string json, junit;
};

void AddCommonOptions(CLI::App* cmd, GateFlags& f) {
  cmd->add_option("--task", f.options.task, "Task spec whose gates apply (its data.test is the unseen test data)")
      ->required();
  cmd->add_option("--candidate", f.options.candidate, "Candidate model: a model file or a registered model id")
      ->required();
  cmd->add_option("--baseline", f.options.baseline,
                  "production (default: the task's production model), none, a model file or a model id; "
                  "only a report against production can promote");
  cmd->add_option("--registry", f.options.registry,
                  "Registry database (default: .trainops/registry.db next to the spec)");
  AddJsonOption(cmd, f.json, "Write the gate report");
  cmd->add_option("--junit", f.junit, "Write JUnit XML: one test case per gate (- for stdout)");
  cmd->add_option("--threads", f.options.threads, "Threads (0 = all cores)");
}

// The files gate and release read: the spec and what it names, the registry, the models.
CommandInputs Inputs(const GateOptions& o) {
  CommandInputs inputs;
  inputs.AddTask(o.task, o.registry);
  inputs.Add("--registry", o.registry);
  inputs.Add("--candidate", o.candidate);
  inputs.Add("--baseline", o.baseline);
  return inputs;
}

bool StdoutTaken(const GateFlags& f) { return f.json == "-" || f.junit == "-"; }

void CheckOutputs(const GateFlags& f, const CommandInputs& inputs) {
  CheckOutputPath(f.json, "--json", inputs);
  CheckOutputPath(f.junit, "--junit", inputs);
  CheckOneStdout({{"--json", f.json}, {"--junit", f.junit}});
}

// Prints the verdict and writes the requested files; returns the exit code.
int Report(const GateFlags& f, const GateResult& gate, const CliContext& ctx) {
  const std::string json = gate.report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  WriteOutput(f.junit, gate.junit);
  WriteOutput(f.json, json);
  if (!StdoutTaken(f) && !ctx.quiet) std::cout << gate.verdict;
  ctx.Info(fmt::format("gate report {} recorded for model {} in {}", gate.report_id, gate.candidate_id.substr(0, 12),
                       gate.registry));
  for (const auto& note : gate.notes) ctx.Info("note: " + note);
  return gate.passed ? 0 : 1;
}

}  // namespace

void RegisterGate(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<GateFlags>();
  CLI::App* cmd = app.add_subcommand("gate", "Check a candidate model against the task's release gates");
  cmd->footer(
      "Examples:\n"
      "  trainops gate --task task.yaml --candidate runs/r2/model.bin\n"
      "  trainops gate --task task.yaml --candidate runs/r2/model.bin --baseline runs/r1/model.bin --junit gate.xml\n"
      "Gates come from the spec's gates: section (docs/gates.md). Only a report against the production model\n"
      "(the default baseline) lets `trainops promote` promote; others are for comparison.\n"
      "Exit 0 all passed, 1 a gate failed, 2 error.");
  AddCommonOptions(cmd, *f);
  cmd->callback([f, &ctx] {
    CheckOutputs(*f, Inputs(f->options));
    if (const int code = Report(*f, Gate(f->options), ctx); code != 0) throw ExitRequest{code};
  });

  auto r = std::make_shared<GateFlags>();
  CLI::App* rel = app.add_subcommand("release", "Gate a candidate and promote it to production when every gate passes");
  rel->footer(
      "Example:\n"
      "  trainops release --task task.yaml --candidate runs/r2/model.bin\n"
      "Runs `trainops gate`, then `trainops promote` on a pass, in one step. Only a pass against the\n"
      "production model promotes: with --baseline none or another model the report is kept for comparison\n"
      "and nothing is promoted. Exit 0 promoted (or already production), 1 a gate failed or the promotion\n"
      "was refused (another baseline, or the production model changed while the gates ran; nothing\n"
      "promoted), 2 error.");
  AddCommonOptions(rel, *r);
  rel->add_option("--reason", r->options.reason,
                  "Why (recorded in the status history; default names the gate report)");
  rel->callback([r, &ctx] {
    CheckOutputs(*r, Inputs(r->options));
    const ReleaseResult outcome = Release(r->options);
    const int code = Report(*r, outcome.gate, ctx);
    if (code != 0) {
      std::cerr << "trainops: release blocked: a gate failed; model " << outcome.gate.candidate_id.substr(0, 12)
                << " stays " << outcome.gate.candidate_status << "\n";
      throw ExitRequest{code};
    }
    if (!outcome.promotion) {
      // A policy refusal, like a failed gate: the tool worked and said no (exit 1).
      std::cerr << "trainops: release blocked: " << outcome.refused << "; model "
                << outcome.gate.candidate_id.substr(0, 12) << " stays " << outcome.gate.candidate_status << "\n";
      throw ExitRequest{1};
    }
    // On stderr when a report took standard output, so that stays parseable.
    if (StdoutTaken(*r)) {
      ctx.Info(outcome.promotion->message);
    } else {
      std::cout << outcome.promotion->message << "\n";
    }
  });
}

}  // namespace trainops::cli
