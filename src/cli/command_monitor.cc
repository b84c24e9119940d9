// `trainops monitor`, `trainops cycle` and `trainops cycles list`: the drift loop
// (docs/monitoring.md). Thin: the work is the library's (include/trainops/monitor.h).
// Exit codes: monitor 0 (alerts are results, not failures); cycle 0 ran, 1 a retrained
// candidate was blocked by its gate; 2 bad input.
#include <iostream>

#include <fmt/format.h>

#include <trainops/monitor.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"

namespace trainops::cli {
namespace {

void AddSourceOptions(CLI::App* cmd, TrafficSource& source) {
  cmd->add_option("--traffic", source.traffic,
                  "The window of traffic: CSV, TSV or JSONL with the spec's text column; its label column (or "
                  "feedback_label) holds feedback");
  cmd->add_option("--format", source.format, "Format of --traffic (default: by extension)");
  cmd->add_option("--since", source.since, "Window start in the server's traffic log (ISO-8601 UTC, inclusive)");
  cmd->add_option("--until", source.until, "Window end in the traffic log (exclusive; default: now)");
  cmd->add_option("--traffic-log", source.traffic_log, "Traffic log database (default: traffic.db next to the registry)");
}

// What monitor and cycle read: the spec and its files, the registry, the traffic.
CommandInputs Inputs(const std::string& task, const std::string& registry, const TrafficSource& source,
                     const std::string& model = "") {
  CommandInputs inputs;
  inputs.AddTask(task, registry);
  if (!source.traffic.empty()) inputs.Add("--traffic", source.traffic);
  if (!source.traffic_log.empty()) inputs.Add("--traffic-log", source.traffic_log);
  if (!model.empty()) inputs.Add("--model", model);
  return inputs;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string Percent(const nlohmann::json& j) {
  return j.is_number() ? fmt::format("{:.1f}%", 100 * j.get<double>()) : "-";
}

// One line per signal for people.
std::string SignalTable(const nlohmann::json& report) {
  std::string out = fmt::format("{:<22} {:>10} {:>10} {:>10} {:>9} {:>10}  {}\n", "signal", "value", "reference",
                                "effect", "threshold", "p (Holm)", "alert");
  auto num = [](const nlohmann::json& v) { return v.is_number() ? fmt::format("{:.4g}", v.get<double>()) : "-"; };
  for (const auto& s : report.at("signals")) {
    out += fmt::format("{:<22} {:>10} {:>10} {:>10} {:>9} {:>10}  {}\n", s.at("name").get<std::string>(),
                       num(s.at("value")), num(s.at("reference")), num(s.at("effect")), num(s.at("threshold")),
                       num(s.at("p_adjusted")), s.at("alert").get<bool>() ? "ALERT" : "");
  }
  return out;
}

std::string Summary(const nlohmann::json& report) {
  const auto& w = report.at("window");
  std::string out = fmt::format("window {}: {} rows, {} with feedback; model {}\n", w.at("source").get<std::string>(),
                                w.at("rows").get<uint64_t>(), w.at("feedback_rows").get<uint64_t>(),
                                report.at("model").get<std::string>().substr(0, 12));
  if (w.contains("sampling")) {
    const auto& sm = w.at("sampling");
    out += fmt::format("window sampled: the traffic log kept {} of about {:.0f} answered requests (rate {:.3f}) while "
                       "it was behind{}\n",
                       sm.at("logged_rows").get<uint64_t>(), sm.at("answered_estimate").get<double>(),
                       sm.at("rate").get<double>(),
                       sm.at("reweighted").get<bool>()
                           ? fmt::format("; rows weighted by the requests each stands for (effective rows {:.0f})",
                                         sm.at("effective_rows").get<double>())
                           : "; one rate throughout, so every row counts once");
  }
  const auto& est = report.at("estimated_accuracy");
  if (est.is_object()) {
    out += fmt::format("estimated accuracy {} [{}, {}]{}\n", Percent(est.at("value")), Percent(est.at("low")),
                       Percent(est.at("high")),
                       est.at("reliable").get<bool>() ? "" : " (" + est.at("reason").get<std::string>() + ")");
  }
  const auto& fb = report.at("feedback_accuracy");
  if (fb.is_object()) {
    out += fmt::format("feedback accuracy {} [{}, {}] on {} rows\n", Percent(fb.at("value")), Percent(fb.at("low")),
                       Percent(fb.at("high")), fb.at("rows").get<uint64_t>());
  }
  out += SignalTable(report);
  const auto& alerts = report.at("alerts");
  out += alerts.empty() ? "no alerts\n" : fmt::format("alerts: {}\n", fmt::join(alerts, ", "));
  return out;
}

}  // namespace

void RegisterCycle(CLI::App& app, CliContext& ctx);

void RegisterMonitor(CLI::App& app, CliContext& ctx) {
  RegisterCycle(app, ctx);
  struct MonitorFlags {
    MonitorOptions options;
    std::string json, report;
    bool no_record = false;
  };
  auto f = std::make_shared<MonitorFlags>();
  CLI::App* cmd = app.add_subcommand("monitor", "Compare a window of production traffic with what the model was trained on");
  cmd->add_option("--task", f->options.task, "Task spec (its drift: section applies)")->required();
  AddSourceOptions(cmd, f->options.source);
  cmd->add_option("--model", f->options.model, "Model file or registered id (default: the task's production model)");
  cmd->add_option("--registry", f->options.registry, "Registry database (default: .trainops/registry.db next to the spec)");
  AddJsonOption(cmd, f->json, "Write the report");
  cmd->add_option("--report", f->report,
                  "Write a self-contained HTML page with charts and the history of past windows (- for stdout)");
  cmd->add_flag("--no-record", f->no_record, "Do not keep this run in the registry's monitor history");
  cmd->footer(
      "Examples:\n"
      "  trainops monitor --task task.yaml --traffic week12.csv --json drift.json --report drift.html\n"
      "  trainops monitor --task task.yaml --since 2026-03-16 --until 2026-03-23\n"
      "Each signal is tested against the model's reference statistics with a test that accounts for the\n"
      "window's size, Holm-corrected over the signals, plus an effect-size floor (docs/monitoring.md).\n"
      "Exit 0 (alerts are in the output), 2 error.");
  cmd->callback([f, &ctx] {
    const CommandInputs inputs = Inputs(f->options.task, f->options.registry, f->options.source, f->options.model);
    CheckOutputPath(f->json, "--json", inputs);
    CheckOutputPath(f->report, "--report", inputs);
    CheckOneStdout({{"--json", f->json}, {"--report", f->report}});
    f->options.record = !f->no_record;
    const MonitorResult result = Monitor(f->options);
    if (!f->report.empty()) {
      const std::string key = result.report.at("window").at("key");
      const auto history = MonitorHistory(f->options.task, f->options.registry, 52, key);
      WriteOutput(f->report, MonitorHtml(result.report, history));
    }
    WriteOutput(f->json, Dump(result.report));
    if (f->json != "-" && f->report != "-" && !ctx.quiet) std::cout << Summary(result.report);
  });
}


void RegisterCycle(CLI::App& app, CliContext& ctx) {
  struct CycleFlags {
    CycleOptions options;
    std::string json;
    int threads = -1;
  };
  auto f = std::make_shared<CycleFlags>();
  CLI::App* cmd = app.add_subcommand(
      "cycle", "One step of the weekly loop: monitor a window, record its feedback, retrain, gate and promote when drift matters");
  cmd->add_option("--task", f->options.task, "Task spec (drift: policy, gates:, data)")->required();
  AddSourceOptions(cmd, f->options.source);
  cmd->add_option("--registry", f->options.registry, "Registry database (default: .trainops/registry.db next to the spec)");
  cmd->add_option("--work-dir", f->options.work_dir, "Where candidates are trained (default: cycles/ next to the registry)");
  AddJsonOption(cmd, f->json, "Write the cycle report");
  cmd->add_option("--threads", f->threads, "Training and gate threads (default: the spec's)");
  cmd->add_option("--feedback", f->options.feedback,
                  "Labels agents gave to messages of earlier windows (CSV, TSV or JSONL: id, text, label column): "
                  "feedback that is not this window's traffic");
  cmd->add_option("--label-budget", f->options.label_budget,
                  "Also pick this many messages of the window for agents to label next (as `trainops select`)");
  cmd->add_option("--selection", f->options.selection,
                  "Where the picked messages go (CSV: id,time,text,score,reason,stratum; - for stdout; "
                  "default: selection-NNNN.csv in the work folder)");
  cmd->add_option("--random-share", f->options.random_share,
                  "Share of the label budget drawn uniformly at random (default 0.1), for unbiased accuracy estimates");
  cmd->footer(
      "Example (a weekly job):\n"
      "  trainops cycle --task task.yaml --traffic week12.csv --json cycle12.json\n"
      "  trainops cycle --task task.yaml --since 2026-03-16 --until 2026-03-23 --json cycle.json\n"
      "  trainops cycle --task task.yaml --traffic week13.csv --feedback labels12.csv --label-budget 40 \\\n"
      "      --selection to_label13.csv\n"
      "The spec's drift: section says which alerts retrain (docs/monitoring.md). A candidate trains on the\n"
      "training data plus all feedback, is gated against production on the test data plus held-out\n"
      "feedback, and is promoted on a pass. Exit 0 the cycle ran, 1 a retrained candidate was blocked by\n"
      "its gate (nothing promoted), 2 error.");
  cmd->callback([f, &ctx] {
    CommandInputs inputs = Inputs(f->options.task, f->options.registry, f->options.source);
    if (!f->options.feedback.empty()) inputs.Add("--feedback", f->options.feedback);
    CheckOutputPath(f->json, "--json", inputs);
    if (!f->json.empty() && f->json != "-" && f->json == f->options.selection) {
      throw InputError(fmt::format("--json and --selection both name {}; give each its own file", f->json));
    }
    CheckOneStdout({{"--json", f->json}, {"--selection", f->options.selection}});
    if (f->threads >= 0) f->options.threads = f->threads;
    const CycleResult result = Cycle(f->options, ctx.messages());
    const nlohmann::json& r = result.report;
    // A refresh runs only when the candidate was not promoted (exit 1 stays "blocked").
    const bool candidate_promoted = result.promoted && !result.threshold_refreshed;
    if (f->options.selection == "-") std::cout << result.selection_csv;
    WriteOutput(f->json, Dump(r));
    if (f->json != "-" && f->options.selection != "-") {
      if (!ctx.quiet) {
        std::cout << Summary(r);
        std::cout << "decision: " << r.at("decision").get<std::string>() << "\n";
        if (result.retrained) {
          std::cout << fmt::format("candidate {}: gate {}; {}\n", result.candidate.substr(0, 12),
                                   result.gate_passed ? "passed" : "failed",
                                   candidate_promoted ? "promoted" : "not promoted");
        }
        if (result.threshold_refreshed) {
          std::cout << fmt::format("rejection threshold refreshed on the served traffic: {:.4f} -> {:.4f}\n",
                                   r.at("threshold_refresh").at("current_threshold").get<double>(),
                                   r.at("threshold_refresh").at("best_threshold").get<double>());
        }
        std::cout << fmt::format("production: {} (cycle {})\n", result.production.substr(0, 12), result.cycle_id);
      }
    }
    if (result.retrained && !candidate_promoted) throw ExitRequest{1};
  });

  auto list = std::make_shared<std::pair<std::string, std::string>>();  // task, registry
  auto json_out = std::make_shared<std::string>();
  CLI::App* cycles = app.add_subcommand("cycles", "The history of `trainops cycle`");
  cycles->require_subcommand(1);
  CLI::App* ls = cycles->add_subcommand("list", "List a task's cycles, oldest first");
  ls->add_option("--task", list->first, "Task spec")->required();
  ls->add_option("--registry", list->second, "Registry database");
  AddJsonOption(ls, *json_out, "Print the cycles");
  ls->callback([list, json_out] {
    CheckOutputPath(*json_out, "--json", Inputs(list->first, list->second, {}));
    const auto rows = ListCycles(list->first, list->second);
    if (!json_out->empty()) {
      WriteOutput(*json_out, Dump(nlohmann::json(rows)));
      return;
    }
    if (rows.empty()) {
      std::cout << "No cycles yet for this task; run `trainops cycle`.\n";
      return;
    }
    std::cout << fmt::format("{:>5}  {:<24} {:<36} {:<9} {:<9} {:<12} {:<8} {}\n", "cycle", "window end", "alerts",
                             "triggered", "retrained", "candidate", "promoted", "production");
    for (const auto& c : rows) {
      const auto& alerts = c.at("alerts");
      std::string a = alerts.is_array() && !alerts.empty() ? fmt::format("{}", fmt::join(alerts, ",")) : "-";
      if (a.size() > 36) a = a.substr(0, 33) + "...";
      const std::string last = c.at("window").at("last");
      std::cout << fmt::format("{:>5}  {:<24} {:<36} {:<9} {:<9} {:<12} {:<8} {}\n", c.at("id").get<int64_t>(),
                               last.empty() ? "-" : last, a, c.at("triggered").get<bool>() ? "yes" : "no",
                               c.at("retrained").get<bool>() ? "yes" : "no",
                               c.at("candidate").is_string() ? c.at("candidate").get<std::string>().substr(0, 12) : "-",
                               c.at("promoted").get<bool>() ? "yes" : "no",
                               c.at("production").get<std::string>().substr(0, 12));
    }
  });
}

}  // namespace trainops::cli
