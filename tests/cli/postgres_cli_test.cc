// Issue 24: the commands a team runs, as processes, on a registry shared through a real
// PostgreSQL server (tests/postgres_server.h): training records there, release gates and
// promotes there, two hosts promoting at once get one winner and one refusal (exit 1), a
// second host with an empty model cache reaches every model by the URL alone, and the
// weekly cycle records its window there.
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "postgres_server.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

class PostgresCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = testing::PostgresServer::Get(&why);
    if (!server_) GTEST_SKIP() << "no PostgreSQL server for this test: " << why;
    url_ = server_->NewDatabase();
    dir_.Write("train.csv", SyntheticIntentCsv(300, 241));
    dir_.Write("validation.csv", SyntheticIntentCsv(100, 242));
    dir_.Write("test.csv", SyntheticIntentCsv(150, 243));
    dir_.Write("task.yaml", "name: shared\n"
                            "data:\n"
                            "  train: train.csv\n"
                            "  validation: validation.csv\n"
                            "  test: test.csv\n"
                            "  text_column: text\n"
                            "  label_column: intent\n"
                            "registry: " + url_ + "\n"
                            "threads: 1\n"
                            "training:\n"
                            "  epochs: 2\n"
                            "checks:\n"
                            "  label_error_folds: 0\n"
                            // Models of this small synthetic task differ by noise; the test is
                            // about who promotes, not about the gates' power.
                            "gates:\n"
                            "  regression: {tolerance: 0.05, label_tolerance: 0.2}\n");
    ::setenv("TRAINOPS_MODEL_CACHE", (dir_ / "cache-a").c_str(), 1);
  }
  void TearDown() override { ::unsetenv("TRAINOPS_MODEL_CACHE"); }
  std::string File(const std::string& name) const { return (dir_ / name).string(); }
  // Trains into run-NAME with its own seed; returns the model id.
  std::string Train(const std::string& name, int seed, int epochs) {
    auto r = RunCli({"train", "--task", File("task.yaml"), "--quiet", "--allow-data-errors", "--seed",
                     std::to_string(seed), "--epochs", std::to_string(epochs), "--output", File("run-" + name)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto run = nlohmann::json::parse(ReadAll(dir_ / ("run-" + name) / "run.json"));
    EXPECT_EQ(run["registry"]["path"], url_) << "run.json names the shared registry";
    return run["registry"]["model_id"];
  }

  testing::PostgresServer* server_ = nullptr;
  std::string url_;
  TempDir dir_;
};

TEST_F(PostgresCliTest, TheLifecycleRunsOnASharedRegistry) {
  // A weak first model (a fraction of an epoch), so that both later ones pass their gates.
  const std::string first = Train("a", 1, 1);
  auto r = RunCli({"release", "--task", File("task.yaml"), "--candidate", first.substr(0, 10), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / ".trainops/registry.db")) << "no SQLite registry beside the spec";

  // Two candidates gated against the production model, promoted at once from two
  // processes (two hosts): one wins, the other is refused by the policy with exit 1.
  const std::string b = Train("b", 2, 4), c = Train("c", 3, 4);
  for (const std::string& id : {b, c}) {
    r = RunCli({"gate", "--task", File("task.yaml"), "--candidate", id, "--quiet", "--json", File("gate-" + id + ".json")});
    ASSERT_LE(r.exit_code, 1) << r.err;
  }
  const auto b_passed = nlohmann::json::parse(ReadAll(dir_ / ("gate-" + b + ".json")))["passed"].get<bool>();
  const auto c_passed = nlohmann::json::parse(ReadAll(dir_ / ("gate-" + c + ".json")))["passed"].get<bool>();
  if (b_passed && c_passed) {
    std::vector<pid_t> children;
    for (const std::string& id : {b, c}) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        const auto result = RunCli({"promote", id, "--task", File("task.yaml"), "--reason", "host " + id.substr(0, 4)});
        ::_exit(result.exit_code);
      }
      children.push_back(pid);
    }
    std::multiset<int> codes;
    for (pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      codes.insert(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    EXPECT_EQ(codes, (std::multiset<int>{0, 1}));
  } else {
    ADD_FAILURE() << "a candidate failed its gates: " << ReadAll(dir_ / ("gate-" + b + ".json")).substr(0, 3000);
  }

  // Host B: an empty cache, only the URL (from the environment, as a replica's unit sets it).
  ::setenv("TRAINOPS_MODEL_CACHE", (dir_ / "cache-b").c_str(), 1);
  ::setenv("TRAINOPS_REGISTRY", url_.c_str(), 1);
  r = RunCli({"models", "list", "--task-name", "shared", "--json"});
  ::unsetenv("TRAINOPS_REGISTRY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto models = nlohmann::json::parse(r.out);
  ASSERT_EQ(models.size(), 3u);
  r = RunCli({"models", "export", first.substr(0, 12), "--registry", url_, "--output", File("exported.bin")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadAll(dir_ / "exported.bin"), ReadAll(dir_ / "run-a/model.bin"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "cache-b" / (first + ".bin")));

  // The weekly cycle records its window in the shared registry.
  dir_.Write("week.csv", SyntheticIntentCsv(200, 244));
  r = RunCli({"cycle", "--task", File("task.yaml"), "--traffic", File("week.csv"), "--quiet", "--json",
              File("cycle.json")});
  ASSERT_LE(r.exit_code, 1) << r.err;
  r = RunCli({"cycles", "list", "--task", File("task.yaml"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 1u);
}

// A team that started on SQLite moves to the shared registry: everything is copied, the
// counts are verified, and the lifecycle continues there (ids after the copied ones).
TEST_F(PostgresCliTest, MigrateCopiesASqliteRegistryAndTheLifecycleGoesOnThere) {
  std::string spec = ReadAll(dir_ / "task.yaml");
  spec.replace(spec.find("registry: "), spec.find('\n', spec.find("registry: ")) - spec.find("registry: ") + 1, "");
  dir_.Write("local.yaml", spec);
  const std::string local = File("local.yaml");
  auto r = RunCli({"train", "--task", local, "--quiet", "--allow-data-errors", "--epochs", "1", "--output", File("l1")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunCli({"release", "--task", local, "--candidate", File("l1/model.bin"), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunCli({"train", "--task", local, "--quiet", "--allow-data-errors", "--epochs", "4", "--output", File("l2")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunCli({"release", "--task", local, "--candidate", File("l2/model.bin"), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  dir_.Write("week.csv", SyntheticIntentCsv(200, 245));
  r = RunCli({"cycle", "--task", local, "--traffic", File("week.csv"), "--quiet"});
  ASSERT_LE(r.exit_code, 1) << r.err;

  const std::string sqlite_path = File(".trainops/registry.db");
  r = RunCli({"registry", "migrate", "--from", sqlite_path, "--to", url_, "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto copied = nlohmann::json::parse(r.out);
  EXPECT_EQ(copied["rows"]["models"], 2);
  EXPECT_EQ(copied["rows"]["runs"], 2);
  EXPECT_EQ(copied["rows"]["status_history"], 3);  // first promotion; archive + promotion
  EXPECT_EQ(copied["rows"]["cycles"], 1);
  EXPECT_GE(copied["rows"]["feedback"].get<int>(), 1);
  EXPECT_TRUE(copied["verified"].get<bool>());

  // The same listings from both registries.
  const auto list = [&](const std::string& where) {
    auto out = RunCli({"models", "list", "--registry", where, "--json"});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    auto models = nlohmann::json::parse(out.out);
    for (auto& m : models) m.erase("path");
    return models;
  };
  EXPECT_EQ(list(sqlite_path), list(url_));
  // Rolling back on the shared registry continues the history after the copied rows.
  r = RunCli({"rollback", "--registry", url_, "--task-name", "shared", "--reason", "after the move", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(nlohmann::json::parse(r.out)["id"].get<int>(), 3);
  // A second migration into the now non-empty registry is refused; nothing changes.
  r = RunCli({"registry", "migrate", "--from", sqlite_path, "--to", url_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("already holds"));
}

TEST_F(PostgresCliTest, APasswordInTheSpecOrFlagIsRefusedWithExit2AndNeverEchoed) {
  dir_.Write("secret.yaml", "name: shared\n"
                            "data:\n"
                            "  train: train.csv\n"
                            "  text_column: text\n"
                            "  label_column: intent\n"
                            "registry: postgresql://postgres:hunter2@127.0.0.1/x\n");
  auto r = RunCli({"models", "list", "--task", File("secret.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("registry"));
  EXPECT_THAT(r.err, HasSubstr("~/.pgpass"));
  EXPECT_THAT(r.err + r.out, ::testing::Not(HasSubstr("hunter2")));
  r = RunCli({"models", "list", "--registry", "host=127.0.0.1 dbname=x password=hunter2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err + r.out, ::testing::Not(HasSubstr("hunter2")));
  // The database stopped: a clear message naming the server, exit 2.
  r = RunCli({"models", "list", "--registry", "postgresql://postgres@127.0.0.1:1/none"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("postgresql://postgres@127.0.0.1:1/none"));
}

// libpq is loaded when a PostgreSQL registry is first used (src/registry/libpq_loader.cc):
// without it, that command says what to install, exit 2; the others never notice.
TEST(LibpqLoadingTest, WithoutLibpqOnlyPostgresCommandsFailAndTheySayWhatToInstall) {
  TempDir dir;
  const std::string data = dir.Write("train.csv", SyntheticIntentCsv(300, 3)).string();
  ::setenv("TRAINOPS_LIBPQ", "/nonexistent/libpq.so.5", 1);
  const auto postgres = RunCli({"models", "list", "--registry", "postgresql://postgres@127.0.0.1:1/none"});
  const auto check = RunCli({"check-data", "--data", data, "--text-column", "text", "--label-column", "intent"});
  const auto init = RunCli({"init", "--help"});
  ::unsetenv("TRAINOPS_LIBPQ");
  EXPECT_EQ(postgres.exit_code, 2);
  EXPECT_THAT(postgres.err, HasSubstr("/nonexistent/libpq.so.5 could not be loaded"));
  EXPECT_THAT(postgres.err, HasSubstr("apt-get install libpq5"));
  EXPECT_THAT(postgres.err, HasSubstr("TRAINOPS_LIBPQ"));
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(init.exit_code, 0) << init.err;
}

}  // namespace
}  // namespace trainops
