// `trainops serve` as a library: an HTTP prediction server (cpp-httplib) over one task's
// production model, swapped in from the registry while it serves, with a traffic and
// feedback log and Prometheus metrics. docs/serving.md describes the API.
//
// The server never exits its process and installs no signal handlers; the command
// (src/cli/command_serve.cc) maps SIGTERM to Stop() and SIGHUP to CheckRegistryNow().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <trainops/workflows.h>

namespace trainops::serve {

struct ServeOptions {
  // Exactly one of: a task spec (serve its production model, follow the registry) or a
  // model file (serve it, no registry, no swap).
  std::string task_spec;
  std::string registry;  // "" = the spec's registry (docs/registry.md)
  std::string model_file;

  std::string host = "127.0.0.1";  // anything but loopback requires token_file
  int port = 8080;                 // 0 = any free port (see Server::port())
  // HTTP worker threads; 0 = max(32, 8 x cores). httplib gives a kept-alive connection a
  // thread while it is open, so this bounds the connections served at once.
  int threads = 0;
  std::string token_file;          // Bearer token for feedback and admin calls

  std::string traffic_log;
  // Names this server in a shared (PostgreSQL) traffic log; "" = "<hostname>-<pid>".
  std::string replica;
  // A shared log's on-disk spool for database outages: "" = .trainops/traffic-spool-<port>.db
  // next to the spec; spool_mb 0 = none (records wait in the queue only).
  std::string spool;
  int64_t spool_mb = 1024;  // "" = traffic.db next to the registry (or .trainops/ here for --model)
  bool redact = false;
  // Retention (0 = keep): a server left running must not fill the disk, so age and size
  // are bounded by default; rows only on request.
  int64_t retention_days = 90, retention_rows = 0, retention_mb = 2048;
  size_t queue_capacity = 100000;

  size_t max_body_bytes = 1 << 20;
  size_t max_batch = 1000;
  size_t default_k = 3;
  std::chrono::milliseconds poll_interval{1000};
  int read_timeout_seconds = 5;  // a client that stalls longer is cut off

  Messages messages;
};

class Server {
 public:
  // Validates the options, loads the model (from the registry: its production model; a
  // task without one starts not ready), opens the traffic log. Throws InputError.
  explicit Server(ServeOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts answering on background threads; returns once the socket listens.
  // Throws InputError when the address cannot be bound.
  void Start();
  int port() const;
  std::string url() const;  // http://host:port
  std::string traffic_log_path() const;
  // Checks the registry at once (and retries a model that failed to load).
  void CheckRegistryNow();
  // Stops accepting connections, lets running requests finish, flushes the traffic log
  // and stops the watcher. Idempotent; safe from any thread but a request handler.
  void Stop();
  bool ready() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainops::serve
