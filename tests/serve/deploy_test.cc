// Issue 24, item 6: what deploy/ ships is checked, not just written. The systemd units pass
// `systemd-analyze verify` (with the built binary in ExecStart), and the nginx config spreads
// requests over two `trainops serve` replicas of one PostgreSQL registry, each answer in the
// shared traffic log once. Skipped with the reason when systemd-analyze, nginx or
// PostgreSQL is not installed.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "postgres_server.h"
#include "serve/traffic_log.h"
#include "serve_fixture.h"

namespace trainops::serve::testing {
namespace {

namespace fs = std::filesystem;

int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(DeployTest, TheSystemdUnitsVerify) {
  if (Shell("command -v systemd-analyze >/dev/null 2>&1") != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  TempDir dir;
  for (const char* unit : {"trainops-serve@.service", "trainops-cycle.service", "trainops-cycle.timer"}) {
    std::string text = trainops::testing::ReadAll(trainops::testing::SourceDir() / "deploy/systemd" / unit);
    text = std::regex_replace(text, std::regex("/usr/local/bin/trainops"), TRAINOPS_BINARY);
    std::string name = unit;
    if (name == "trainops-serve@.service") name = "trainops-serve@8081.service";  // an instance
    dir.Write(name, text);
  }
  // A timer needs its service next to it; the instance needs its template.
  fs::copy_file(dir / "trainops-serve@8081.service", dir / "trainops-serve@.service");
  for (const char* unit : {"trainops-serve@8081.service", "trainops-cycle.service", "trainops-cycle.timer"}) {
    const fs::path out = dir / "verify.txt";
    const int rc = Shell(fmt::format("cd {} && systemd-analyze verify ./{} > {} 2>&1", dir.path().string(), unit,
                                     out.string()));
    const std::string said = trainops::testing::ReadAll(out);
    EXPECT_EQ(rc, 0) << unit << ": " << said;
    // Warnings about a unit name its file; others are about the machine (no systemd running).
    EXPECT_EQ(said.find(dir.path().string()), std::string::npos) << unit << " has warnings: " << said;
    EXPECT_EQ(said.find(unit), std::string::npos) << unit << " has warnings: " << said;
  }
}

TEST(DeployTest, NginxSpreadsRequestsOverTwoReplicasOfASharedRegistry) {
  if (Shell("command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx") != 0) GTEST_SKIP() << "nginx is not installed";
  TRAINOPS_REQUIRE_POSTGRES(url);
  TempDir dir;
  const std::string spec = WriteSpec(dir);
  std::ofstream(spec, std::ios::app) << "registry: " << url << "\n";
  ::setenv("TRAINOPS_MODEL_CACHE", (dir / "cache").c_str(), 1);
  ForcePromote(spec, TrainForSpec(spec, dir, "run-a", 1));

  const int front = FreePort(), r1 = FreePort(), r2 = FreePort();
  std::vector<pid_t> replicas;
  for (const auto& [port, name] : std::vector<std::pair<int, std::string>>{{r1, "r1"}, {r2, "r2"}}) {
    replicas.push_back(Spawn({"serve", "--task", spec, "--port", std::to_string(port), "--replica", name},
                             dir / (name + ".err")));
  }
  for (int port : {r1, r2}) {
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      ready = Call(port, "GET", "/readyz").status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_TRUE(ready) << "replica on " << port;
  }
  // deploy/nginx/trainops.conf as shipped, its ports moved to free ones.
  std::string conf = trainops::testing::ReadAll(trainops::testing::SourceDir() / "deploy/nginx/trainops.conf");
  conf = std::regex_replace(conf, std::regex("127\\.0\\.0\\.1:8081"), "127.0.0.1:" + std::to_string(r1));
  conf = std::regex_replace(conf, std::regex("127\\.0\\.0\\.1:8082"), "127.0.0.1:" + std::to_string(r2));
  conf = std::regex_replace(conf, std::regex("listen 8080;"), "listen 127.0.0.1:" + std::to_string(front) + ";");
  fs::create_directories(dir / "nginx/logs");
  dir.Write("nginx/trainops.conf", conf);
  dir.Write("nginx/nginx.conf",
            fmt::format("daemon off;\nworker_processes 1;\nerror_log {0}/nginx/logs/error.log;\npid {0}/nginx/nginx.pid;\n"
                        "events {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path "
                        "{0}/nginx/tmp;\n  proxy_temp_path {0}/nginx/tmp;\n  include {0}/nginx/trainops.conf;\n}}\n",
                        dir.path().string()));
  const pid_t nginx = ::fork();
  if (nginx == 0) {
    FILE* err = std::freopen((dir / "nginx/stderr.txt").c_str(), "w", stderr);
    (void)err;
    ::execlp("nginx", "nginx", "-p", (dir / "nginx").c_str(), "-c", (dir / "nginx/nginx.conf").c_str(),
             static_cast<char*>(nullptr));
    ::execl("/usr/sbin/nginx", "nginx", "-p", (dir / "nginx").c_str(), "-c", (dir / "nginx/nginx.conf").c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = Call(front, "GET", "/readyz").status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(up) << trainops::testing::ReadAll(dir / "nginx/stderr.txt")
                  << trainops::testing::ReadAll(dir / "nginx/logs/error.log");

  std::set<std::string> answered, prefixes;
  for (int i = 0; i < 60; ++i) {
    Reply r = Call(front, "POST", "/v1/predict", R"({"text": "where are my boots )" + std::to_string(i) + R"("})");
    ASSERT_EQ(r.status, 200) << r.text;
    const std::string id = r.body["request_id"];
    answered.insert(id);
    prefixes.insert(id.substr(0, id.find('-')));  // one random prefix per replica process
  }
  ::kill(nginx, SIGTERM);
  ::waitpid(nginx, nullptr, 0);
  for (pid_t pid : replicas) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  ::unsetenv("TRAINOPS_MODEL_CACHE");
  EXPECT_EQ(prefixes.size(), 2u) << "both replicas answered through nginx";
  std::multiset<std::string> logged;
  ReadTraffic(url, "", "", [&](const TrafficRow& row) { logged.insert(row.request_id); });
  EXPECT_EQ(logged.size(), answered.size());
  EXPECT_EQ(std::set<std::string>(logged.begin(), logged.end()), answered);
}

}  // namespace
}  // namespace trainops::serve::testing
