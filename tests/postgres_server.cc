#include "postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "test_support.h"

namespace trainops::testing {
namespace {

namespace fs = std::filesystem;

std::string BinDir() {
  if (const char* dir = std::getenv("TRAINOPS_TEST_PG_BIN"); dir && *dir) return dir;
  return "/usr/lib/postgresql/15/bin";
}

// Runs a shell command (every argument is ours: folders under /tmp, numbers), as the
// postgres user when we are root. True on exit status 0.
bool Run(const std::string& command, bool as_postgres) {
  const std::string full = as_postgres ? fmt::format("runuser -u postgres -- sh -c '{}'", command) : command;
  const int status = std::system(full.c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The machine's template data folder, initdb'ed once (under a lock: ctest runs processes in
// parallel); "" with *why set when it cannot be made.
std::string Template(const std::string& bin, bool as_postgres, std::string* why) {
  const fs::path root = fs::temp_directory_path() / fmt::format("trainops-pg15-template-{}", ::getuid());
  const fs::path data = root / "data";
  std::error_code ec;
  fs::create_directories(root, ec);
  if (as_postgres) std::system(fmt::format("chown postgres '{}'", root.string()).c_str());
  const int lock = ::open((root.string() + ".lock").c_str(), O_CREAT | O_RDWR, 0600);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  if (!fs::exists(data / "PG_VERSION")) {
    fs::remove_all(root / "partial", ec);
    const bool ok = Run(fmt::format("{}/initdb -D {}/partial -A trust -U postgres --locale=C -E UTF8 >{}/initdb.log 2>&1",
                                    bin, root.string(), root.string()),
                        as_postgres);
    if (ok) fs::rename(root / "partial", data, ec);
    if (!ok || ec) *why = fmt::format("initdb failed; see {}/initdb.log", root.string());
  }
  if (lock >= 0) ::close(lock);
  return why->empty() ? data.string() : "";
}

std::mutex g_mutex;
std::unique_ptr<PostgresServer> g_server;
std::string g_why;
bool g_tried = false;
std::atomic<int> g_databases{0};

}  // namespace

PostgresServer* PostgresServer::Get(std::string* why) {
  std::lock_guard lock(g_mutex);
  if (!g_tried) {
    g_tried = true;
    std::unique_ptr<PostgresServer> server(new PostgresServer());
    if (server->Launch(&g_why)) {
      g_server = std::move(server);
      // Stopped at exit; a crashed process is covered by the watchdog (Launch).
      std::atexit([] { g_server.reset(); });
    }
  }
  if (!g_server && why) *why = g_why;
  return g_server.get();
}

bool PostgresServer::Launch(std::string* why) {
  bin_ = BinDir();
  if (!fs::exists(fs::path(bin_) / "initdb") || !fs::exists(fs::path(bin_) / "pg_ctl")) {
    *why = fmt::format("PostgreSQL 15 is not installed ({} has no initdb); scripts/setup.sh installs it", bin_);
    return false;
  }
  as_postgres_ = ::getuid() == 0;
  if (as_postgres_ && !::getpwnam("postgres")) {
    *why = "running as root, and there is no `postgres` user to run the server as";
    return false;
  }
  const std::string data_template = Template(bin_, as_postgres_, why);
  if (data_template.empty()) return false;
  char pattern[] = "/tmp/trainops-pg-XXXXXX";
  if (!::mkdtemp(pattern)) {
    *why = "cannot make a temporary folder";
    return false;
  }
  dir_ = pattern;
  const std::string copy = fmt::format("cp -a {}/. {}/data && chmod 700 {}/data", data_template, dir_, dir_);
  if (as_postgres_) std::system(fmt::format("chown postgres {}", dir_).c_str());
  if (!Run(copy, as_postgres_)) {
    *why = "cannot copy the template data folder";
    return false;
  }
  // The watchdog: a child that waits for this process to end (its pipe closes) and then
  // stops the server, so a crashed or killed test leaves no server behind.
  int fds[2];
  if (::pipe(fds) == 0) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[1]);
      // Not holding the test's output open: ctest reads it to the end.
      const int null = ::open("/dev/null", O_RDWR);
      for (int fd : {0, 1, 2}) ::dup2(null, fd);
      char byte;
      while (::read(fds[0], &byte, 1) > 0) {
      }
      const std::string stop = fmt::format("{}/pg_ctl -D {}/data -m immediate stop >/dev/null 2>&1", bin_, dir_);
      Run(stop, as_postgres_);
      std::system(fmt::format("rm -rf {}", dir_).c_str());
      ::_exit(0);
    }
    ::close(fds[0]);
    ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);  // not into the programs tests run
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    Start();
    if (Run(fmt::format("{}/pg_isready -q -h 127.0.0.1 -p {}", bin_, port_), false)) return true;
  }
  *why = fmt::format("the server did not start; see {}/log", dir_);
  return false;
}

void PostgresServer::Start() {
  // fsync off: the tests check what trainops does, not the disk; a crash of the test
  // machine loses nothing of value.
  Run(fmt::format("{}/pg_ctl -D {}/data -l {}/log -w -t 30 -o \"-p {} -k {} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start "
                  ">/dev/null 2>&1",
                  bin_, dir_, dir_, port_, dir_),
      as_postgres_);
}

void PostgresServer::Stop() {
  Run(fmt::format("{}/pg_ctl -D {}/data -m fast -w stop >/dev/null 2>&1", bin_, dir_), as_postgres_);
}

PostgresServer::~PostgresServer() {
  Run(fmt::format("{}/pg_ctl -D {}/data -m immediate -w stop >/dev/null 2>&1", bin_, dir_), as_postgres_);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PostgresServer::Url(const std::string& database) const {
  return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, database);
}

std::string PostgresServer::NewDatabase() {
  const std::string name = fmt::format("t{}_{}", ::getpid(), g_databases++);
  if (!Run(fmt::format("{}/createdb -h 127.0.0.1 -p {} -U postgres {}", bin_, port_, name), false)) {
    ADD_FAILURE() << "createdb " << name << " failed";
  }
  return Url(name);
}

}  // namespace trainops::testing

namespace trainops::testing {
namespace {

// The same tests on the other backend (issue 24): with TRAINOPS_TEST_REGISTRY_BACKEND=
// postgresql in its environment (CMake registers the suites again that way, as "pg.*"),
// a test process gets a new database on the test server as its registry through
// TRAINOPS_REGISTRY, which every command it runs reads, and a model cache of its own.
// Without a server the whole process is skipped, with the reason.
class PostgresBackendEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* backend = std::getenv("TRAINOPS_TEST_REGISTRY_BACKEND");
    if (!backend || std::string(backend) != "postgresql") return;
    std::string why;
    PostgresServer* server = PostgresServer::Get(&why);
    if (!server) GTEST_SKIP() << "no PostgreSQL server for the PostgreSQL run of this test: " << why;
    ::setenv("TRAINOPS_REGISTRY", server->NewDatabase().c_str(), 1);
    cache_ = std::filesystem::temp_directory_path() /
             ("trainops_pg_cache_" + std::to_string(::getpid()));
    ::setenv("TRAINOPS_MODEL_CACHE", cache_.c_str(), 1);
  }
  void TearDown() override {
    if (cache_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(cache_, ec);
  }

 private:
  std::filesystem::path cache_;
};

[[maybe_unused]] ::testing::Environment* const kPostgresBackend =
    ::testing::AddGlobalTestEnvironment(new PostgresBackendEnvironment);

}  // namespace
}  // namespace trainops::testing
