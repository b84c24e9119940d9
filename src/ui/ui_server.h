// `trainops ui` as a library: a web dashboard over one task's registry and traffic log
// (docs/ui.md). Server-rendered HTML pages (pages.h) answered by cpp-httplib: read-only
// unless started with allow_actions, loopback by default, a token for any other address.
//
// Reads go through the Registry interface only, so the same pages work on a SQLite
// registry and on a PostgreSQL one; each request takes a registry connection from a
// small pool (one connection is not safe across threads) and reads what is recorded
// now, so a promotion made anywhere shows on the next load. Actions (promote, rollback)
// call the same library functions as `trainops promote` and `trainops rollback`, so the
// release policy holds for the browser as for the command line; each needs the token
// typed into the form and the page's CSRF value, and is recorded with its reason.
//
// Every response carries a Content-Security-Policy that admits no script, no external
// asset and only the page's own stylesheet (by nonce), and a Server-Timing header with
// the server's time for the page ("render;dur=<ms>").
//
// The server never exits its process and installs no signal handlers (the command maps
// SIGTERM/SIGINT to Stop). Start/Stop from one owner thread.
#pragma once

#include <memory>
#include <string>

#include <trainops/workflows.h>

namespace trainops::ui {

struct UiOptions {
  std::string task_spec;           // required
  std::string registry;            // "" = the spec's (docs/registry.md)
  std::string host = "127.0.0.1";  // anything but loopback requires token_file
  int port = 8090;                 // 0 = any free port (see UiServer::port())
  std::string token_file;          // first line: the token pages (off loopback) and actions need
  bool allow_actions = false;      // promote and rollback forms; needs token_file
  int threads = 8;                 // HTTP worker threads
  Messages messages;
};

class UiServer {
 public:
  // Loads the spec and opens the registry once (InputError when either is missing or
  // unreadable, or when the options are inconsistent).
  explicit UiServer(UiOptions options);
  ~UiServer();  // Stop()
  UiServer(const UiServer&) = delete;
  UiServer& operator=(const UiServer&) = delete;

  // Binds and starts answering on background threads. Throws InputError when the port is
  // in use or the address is not this machine's.
  void Start();
  void Stop();
  int port() const;
  std::string url() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainops::ui
