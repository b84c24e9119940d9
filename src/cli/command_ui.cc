// `trainops ui`: flags to ui::UiOptions, then the dashboard until SIGTERM/SIGINT (graceful
// stop, exit 0). The pages are in src/ui/ (docs/ui.md).
#include <pthread.h>

#include <csignal>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "ui/ui_server.h"

namespace trainops::cli {

void RegisterUi(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<ui::UiOptions>();
  CLI::App* cmd = app.add_subcommand("ui", "A web dashboard over the task's registry and traffic log (docs/ui.md)");
  cmd->add_option("--task", o->task_spec, "Task spec (YAML)")->required();
  cmd->add_option("--registry", o->registry, "Registry: a file or a PostgreSQL URL (default: the spec's)");
  cmd->add_option("--host", o->host, "Address to bind; anything but loopback requires --token-file")
      ->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0 = any free port)")->capture_default_str();
  cmd->add_option("--token-file", o->token_file,
                  "File whose first line is the token: every page needs it off loopback, every action always");
  cmd->add_flag("--allow-actions", o->allow_actions,
                "Show promote and rollback forms (each needs the token and a reason; the release policy applies)");
  cmd->add_option("--threads", o->threads, "HTTP worker threads")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->footer(
      "Examples:\n  trainops ui --task examples/awesomeshoes/task.yaml            # http://127.0.0.1:8090\n"
      "  trainops ui --task task.yaml --host 0.0.0.0 --token-file ui.token --allow-actions\n"
      "SIGTERM/SIGINT stop it.");
  cmd->callback([o, &ctx] {
    o->messages = ctx.messages();
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ui::UiServer server(*o);
    server.Start();
    int signal = 0;
    while (sigwait(&signals, &signal) != 0) {
    }
    ctx.Info(fmt::format("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT"));
    server.Stop();
  });
}

}  // namespace trainops::cli
