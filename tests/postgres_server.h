// A real PostgreSQL 15 server for tests (issue 24): started by the test process itself in a
// temporary folder on a free loopback port, with databases made on demand, and stopped when
// the process exits (or, should it crash, by a watchdog process that outlives it). Debian's
// binaries under /usr/lib/postgresql/15/bin (scripts/setup.sh installs them); as root they
// run as the `postgres` user, since PostgreSQL refuses to run as root.
//
// The data folder is copied from a template initdb'ed once per machine (1.4 s saved per
// process: ctest runs each test in a process of its own).
//
// Thread-safety: Get() and NewDatabase() may be called from any thread.
#pragma once

#include <string>

#include <gtest/gtest.h>

namespace trainops::testing {

class PostgresServer {
 public:
  // The process's server, started on first use; nullptr when PostgreSQL 15 is not
  // installed or cannot start here, with the reason in *why.
  static PostgresServer* Get(std::string* why);

  // A new, empty database on the server; returns its URL (no password: the server trusts
  // loopback connections).
  std::string NewDatabase();
  // postgresql://postgres@127.0.0.1:PORT/NAME
  std::string Url(const std::string& database) const;
  int port() const { return port_; }

  // For outage tests: stop the server (fast shutdown) and start it again on the same port.
  void Stop();
  void Start();

  ~PostgresServer();

 private:
  PostgresServer() = default;
  bool Launch(std::string* why);
  std::string dir_, bin_;
  int port_ = 0;
  bool as_postgres_ = false;
};

}  // namespace trainops::testing

// Declares `var` as a new database's URL, or skips the test with the reason when there is
// no PostgreSQL server to test against.
#define TRAINOPS_REQUIRE_POSTGRES(var)                                                        \
  std::string var##_why;                                                                     \
  auto* var##_server = ::trainops::testing::PostgresServer::Get(&var##_why);                 \
  if (!var##_server) GTEST_SKIP() << "no PostgreSQL server for this test: " << var##_why;     \
  const std::string var = var##_server->NewDatabase()
