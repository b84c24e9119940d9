// `trainops serve`: flags to serve::ServeOptions, then the server until SIGTERM/SIGINT
// (graceful stop, exit 0); SIGHUP checks the registry at once. `trainops traffic export`
// writes the traffic log as CSV. The work is in src/serve/ (docs/serving.md).
#include <csignal>
#include <iostream>

#include <pthread.h>

#include <fmt/format.h>

#include "api/registry_access.h"
#include "cli/cli_context.h"
#include "common/error.h"
#include "registry/registry.h"
#include "serve/server.h"
#include "serve/traffic_log.h"
#include "task/task_spec.h"

namespace trainops::cli {
namespace {

struct ServeFlags {
  serve::ServeOptions options;
  double poll_seconds = 1.0;
  size_t max_body_kib = 1024;
};

void RunServe(ServeFlags& f, const CliContext& ctx) {
  if (f.poll_seconds < 0.05 || f.poll_seconds > 3600) {
    throw InputError(fmt::format("--poll-seconds {}: must be between 0.05 and 3600", f.poll_seconds));
  }
  f.options.poll_interval = std::chrono::milliseconds(static_cast<int64_t>(f.poll_seconds * 1000));
  f.options.max_body_bytes = f.max_body_kib * 1024;
  f.options.messages = ctx.messages();
  // Block the signals before any thread exists, so every thread inherits the mask and
  // only sigwait below receives them (no async-signal-safety games in handlers).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A traffic log that reaches a file-size limit (ulimit -f) must fail its write, not
  // kill the server that is answering: the log reports the error and answers go on.
  std::signal(SIGXFSZ, SIG_IGN);
  serve::Server server(f.options);
  server.Start();
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      ctx.Info("SIGHUP: checking the registry now");
      server.CheckRegistryNow();
      continue;
    }
    ctx.Info(fmt::format("{}: stopping (finishing running requests, flushing the traffic log)",
                         signal == SIGTERM ? "SIGTERM" : "SIGINT"));
    break;
  }
  server.Stop();
}

struct ExportFlags {
  std::string task, registry, traffic_log, output, since, until;
};

void RunExport(const ExportFlags& f, const CliContext& ctx) {
  serve::ExportOptions o;
  if (!f.traffic_log.empty()) {
    o.log = f.traffic_log;
  } else {
    if (f.task.empty() && f.registry.empty()) {
      throw InputError("traffic export needs --task T.yaml (the log next to its registry) or --traffic-log PATH");
    }
    std::optional<TaskSpec> spec;
    if (!f.task.empty()) spec = LoadTaskSpec(f.task);
    o.log = DefaultTrafficLog(ResolveRegistryPath(f.registry, spec ? &*spec : nullptr), f.task);
  }
  CommandInputs inputs;
  inputs.Add("the traffic log", o.log.string());
  CheckOutputPath(f.output, "--output", inputs);
  o.output = f.output;
  o.since = f.since;
  o.until = f.until;
  const size_t rows = f.output == "-" ? serve::ExportTraffic(o, [](std::string_view line) { std::cout << line; })
                                      : serve::ExportTraffic(o);
  ctx.Info(fmt::format("exported {} requests from {} -> {}", rows, o.log.string(),
                       f.output == "-" ? std::string("standard output") : f.output));
}

}  // namespace

void RegisterServe(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<ServeFlags>();
  serve::ServeOptions& o = f->options;
  CLI::App* cmd = app.add_subcommand("serve", "Serve a task's production model over HTTP (docs/serving.md)");
  cmd->add_option("--task", o.task_spec, "Task spec (YAML): serve its production model and follow the registry");
  cmd->add_option("--registry", o.registry, "Registry database (default: the spec's)");
  cmd->add_option("--model", o.model_file, "Serve this model file instead (no registry, no hot swap)");
  cmd->add_option("--host", o.host, "Address to bind; anything but loopback requires --token-file")
      ->capture_default_str();
  cmd->add_option("--port", o.port, "Port (0 = any free port)")->capture_default_str();
  cmd->add_option("--threads", o.threads, "HTTP worker threads, one per open connection (0 = max(32, 8 x cores))")->check(CLI::NonNegativeNumber);
  cmd->add_option("--token-file", o.token_file,
                  "File whose first line is the Bearer token feedback and admin calls must send");
  cmd->add_option("--traffic-log", o.traffic_log,
                  "Traffic log: a database file or a PostgreSQL URL (default: traffic.db next to a SQLite registry, "
                  "the registry's own database for a PostgreSQL one; .trainops/traffic.db for --model)");
  cmd->add_flag("--redact", o.redact, "Store a hash of each text instead of the text");
  cmd->add_option("--retention-days", o.retention_days, "Delete logged requests older than this (0 = keep)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--retention-mb", o.retention_mb,
                  "Delete the oldest logged requests beyond this many MiB of log data (0 = no bound)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--retention-rows", o.retention_rows, "Keep only the newest N logged requests (0 = keep all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--queue", o.queue_capacity, "Traffic-log queue bound; past half of it the log samples uniformly, at it records are dropped (both counted)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--max-batch", o.max_batch, "Most texts in one request (more: 413)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-body-kib", f->max_body_kib, "Largest request body in KiB (more: 413)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--spool", o.spool,
                  "A shared (PostgreSQL) log's on-disk spool for database outages (default: "
                  ".trainops/traffic-spool-PORT.db next to the spec)");
  cmd->add_option("--spool-mb", o.spool_mb, "The spool's size limit; beyond it records are dropped, counted (0 = no spool)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--replica", o.replica,
                  "This server's name in a shared (PostgreSQL) traffic log (default: <hostname>-<pid>)");
  cmd->add_option("--poll-seconds", f->poll_seconds, "How often to check the registry for a new production model")
      ->capture_default_str();
  cmd->add_option("--timeout-seconds", o.read_timeout_seconds, "Cut off a client that stalls longer than this")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->footer(
      "Examples:\n  trainops serve --task examples/awesomeshoes/task.yaml --port 8080\n"
      "  curl -s localhost:8080/v1/predict -d '{\"text\": \"where is my order?\"}'\n"
      "SIGTERM/SIGINT stop gracefully (running requests finish, the log is flushed); SIGHUP checks the registry now.");
  cmd->callback([f, &ctx] { RunServe(*f, ctx); });

  auto e = std::make_shared<ExportFlags>();
  CLI::App* traffic = app.add_subcommand("traffic", "The traffic and feedback log `trainops serve` writes");
  traffic->require_subcommand(1);
  CLI::App* exp = traffic->add_subcommand("export", "Write the traffic log as CSV (the drift monitor's input)");
  exp->add_option("--task", e->task, "Task spec: the log next to its registry");
  exp->add_option("--registry", e->registry, "Registry database: the log next to it");
  exp->add_option("--traffic-log", e->traffic_log, "The traffic log database itself");
  exp->add_option("--output", e->output, "CSV file to write (- for stdout)")->required();
  exp->add_option("--since", e->since, "Only requests at or after this ISO-8601 UTC time");
  exp->add_option("--until", e->until, "Only requests before this ISO-8601 UTC time");
  exp->footer("Example:\n  trainops traffic export --task task.yaml --output traffic.csv --since 2026-01-01");
  exp->callback([e, &ctx] { RunExport(*e, ctx); });
}

}  // namespace trainops::cli
