// `trainops gate` and `trainops release`: run the task's gates on its unseen test data
// against the production model (or another baseline), print the verdict, write JSON and
// JUnit, keep the report in the registry; `release` also promotes on a pass.
// Exit codes: 0 every gate passed, 1 a gate failed, 2 bad input.
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "cli/registry_access.h"
#include "common/atomic_file.h"
#include "gate/gate_output.h"
#include "gate/release.h"
#include "task/task_spec.h"

namespace trainops::cli {
namespace {

struct GateFlags {
  std::string task, candidate, baseline, registry, json, junit, reason;
  int threads = 0;
};

void AddCommonOptions(CLI::App* cmd, GateFlags& f) {
  cmd->add_option("--task", f.task, "Task spec whose gates apply (its data.test is the unseen test data)")->required();
  cmd->add_option("--candidate", f.candidate, "Candidate model: a model file or a registered model id")->required();
  cmd->add_option("--baseline", f.baseline,
                  "production (default: the task's production model), none, a model file or a model id; "
                  "only a report against production can promote");
  cmd->add_option("--registry", f.registry, "Registry database (default: .trainops/registry.db next to the spec)");
  cmd->add_option("--json", f.json, "Write the gate report as JSON (- for stdout)");
  cmd->add_option("--junit", f.junit, "Write JUnit XML: one test case per gate");
  cmd->add_option("--threads", f.threads, "Threads (0 = all cores)");
}

// Prints the verdict and writes the requested files; returns the exit code.
int Report(const GateFlags& f, const GateOutcome& outcome, const CliContext& ctx) {
  const std::string json = outcome.report.ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (!f.junit.empty()) WriteFileAtomically(f.junit, RenderJUnit(outcome.report));
  if (f.json == "-") {
    std::cout << json;
  } else {
    if (!f.json.empty()) WriteFileAtomically(f.json, json);
    if (!ctx.quiet) std::cout << RenderVerdict(outcome.report);
  }
  ctx.Info(fmt::format("gate report {} recorded for model {} in {}", outcome.report_id,
                       outcome.candidate.id.substr(0, 12), outcome.report.context.value("registry", std::string())));
  if (!outcome.compared_with_production && outcome.production) {
    // A pass here is easy to mistake for a green light: say that promote will not take it.
    ctx.Info(fmt::format("note: this report was not compared with the production model {} of task {}, so it is "
                         "kept for comparison and cannot promote; gate with --baseline production for that",
                         outcome.production->id.substr(0, 12), outcome.report.context.value("task", std::string())));
  } else if (!outcome.compared_with_production) {
    ctx.Info("note: this report used another baseline than production, so it is kept for comparison and cannot "
             "promote; gate with --baseline production for that");
  }
  return outcome.report.passed() ? 0 : 1;
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
    const TaskSpec spec = LoadTaskSpec(f->task);
    Registry registry = Registry::Open(ResolveRegistryPath(f->registry, &spec));
    const GateOutcome outcome = GateCandidate(registry, spec, {f->candidate, f->baseline, f->threads});
    if (const int code = Report(*f, outcome, ctx); code != 0) throw ExitRequest{code};
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
  rel->add_option("--reason", r->reason, "Why (recorded in the status history; default names the gate report)");
  rel->callback([r, &ctx] {
    const TaskSpec spec = LoadTaskSpec(r->task);
    Registry registry = Registry::Open(ResolveRegistryPath(r->registry, &spec));
    const ReleaseOutcome outcome = Release(registry, spec, {r->candidate, r->baseline, r->threads}, r->reason);
    const int code = Report(*r, outcome.gate, ctx);
    if (code != 0) {
      std::cerr << "trainops: release blocked: a gate failed; model " << outcome.gate.candidate.id.substr(0, 12)
                << " stays " << ModelStatusName(outcome.gate.candidate.status) << "\n";
      throw ExitRequest{code};
    }
    if (!outcome.promotion) {
      // A policy refusal, like a failed gate: the tool worked and said no (exit 1).
      std::cerr << "trainops: release blocked: " << outcome.refused << "; model "
                << outcome.gate.candidate.id.substr(0, 12) << " stays "
                << ModelStatusName(outcome.gate.candidate.status) << "\n";
      throw ExitRequest{1};
    }
    const StatusChange& change = *outcome.promotion;
    if (!change.changed) {
      std::cout << fmt::format("model {} already is the production model of {}\n", change.model_id.substr(0, 12),
                               spec.name);
    } else {
      std::cout << fmt::format("promoted model {} to production for task {}{}\n", change.model_id.substr(0, 12),
                               spec.name,
                               change.archived_model_id.empty()
                                   ? std::string()
                                   : fmt::format(" (archived {})", change.archived_model_id.substr(0, 12)));
    }
  });
}

}  // namespace trainops::cli
