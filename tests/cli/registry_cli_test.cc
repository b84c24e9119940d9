// End-to-end tests of the registry commands: `trainops train` records its runs and models,
// `models list|show`, `runs list|show`, `promote` (refused without a gate report, --force
// with a reason) and `rollback`, with their exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "registry/registry.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

// One project folder with a spec and two training runs (different seeds, so two models).
class RegistryCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("train.csv", SyntheticIntentCsv(400, 21));
    dir_->Write("task.yaml",
                "name: shoes\n"
                "data:\n"
                "  train: train.csv\n"
                "  text_column: text\n"
                "  label_column: intent\n"
                "training:\n"
                "  epochs: 3\n"
                "threads: 1\n");
    for (const char* seed : {"1", "2"}) {
      auto r = RunCli({"train", "--task", Spec(), "--seed", seed, "--out", (dir_->path() / (std::string("run") + seed)).string()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      ASSERT_NE(r.out.find("registered model "), std::string::npos) << r.out;
      ASSERT_NE(r.out.find("as candidate (registry: "), std::string::npos) << r.out;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Spec() { return (dir_->path() / "task.yaml").string(); }
  // The spec's registry, or the PostgreSQL one in that run of the suite.
  static std::string Db() {
    return testing::DefaultTestRegistry(dir_->path() / ".trainops/registry.db").string();
  }
  static nlohmann::json Json(const std::vector<std::string>& args) {
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  static std::string ModelOf(const char* run) {
    return nlohmann::json::parse(ReadAll(dir_->path() / run / "run.json"))["registry"]["model_id"];
  }
  static TempDir* dir_;
};
TempDir* RegistryCliTest::dir_ = nullptr;

TEST_F(RegistryCliTest, TrainingRecordsRunsAndCandidateModels) {
  if (!testing::OnPostgresRegistry()) EXPECT_TRUE(std::filesystem::exists(Db()));  // next to the spec by default
  auto run = nlohmann::json::parse(ReadAll(dir_->path() / "run1/run.json"));
  ASSERT_TRUE(run.contains("registry"));
  EXPECT_EQ(run["registry"]["path"], Db());
  EXPECT_TRUE(run["registry"]["run_id"].get<std::string>().starts_with("run-"));

  auto models = Json({"models", "list", "--task", Spec(), "--json"});
  ASSERT_EQ(models.size(), 2u);
  for (const auto& m : models) {
    EXPECT_EQ(m["status"], "candidate");
    EXPECT_EQ(m["task"], "shoes");
    EXPECT_EQ(m["id"].get<std::string>().size(), 32u);
    EXPECT_TRUE(std::filesystem::exists(m["path"].get<std::string>()));
  }
  EXPECT_NE(ModelOf("run1"), ModelOf("run2"));

  auto table = RunCli({"models", "list", "--registry", Db()});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("STATUS"), std::string::npos);
  EXPECT_NE(table.out.find(ModelOf("run1").substr(0, 12)), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(ModelOf("run2").substr(0, 12)), std::string::npos) << table.out;
}

TEST_F(RegistryCliTest, RunsShowHasTheCheckpoints) {
  auto runs = Json({"runs", "list", "--registry", Db(), "--json"});
  ASSERT_EQ(runs.size(), 2u);
  const std::string id = runs[0]["id"];
  auto run = Json({"runs", "show", id.substr(0, id.size() - 1), "--registry", Db(), "--json"});
  EXPECT_EQ(run["id"], id);
  EXPECT_EQ(run["task"], "shoes");
  EXPECT_TRUE(run["spec_hash"].get<std::string>().starts_with("xxh3:"));
  EXPECT_EQ(run["spec_path"], Spec());
  ASSERT_GE(run["checkpoints"].size(), 1u);
  EXPECT_TRUE(run["checkpoints"][0].contains("validation_metric"));
  EXPECT_TRUE(run["run"].contains("check_data"));
  EXPECT_TRUE(run["run"].contains("hyperparameters"));
  auto text = RunCli({"runs", "show", id, "--registry", Db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("checkpoints ("), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("VAL METRIC"), std::string::npos) << text.out;

  auto unknown = RunCli({"runs", "show", "run-nope", "--registry", Db()});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no run with id starting"), std::string::npos) << unknown.err;
}

TEST_F(RegistryCliTest, PromoteNeedsAGateReportOrForceAndRollbackGoesBack) {
  const std::string m1 = ModelOf("run1"), m2 = ModelOf("run2");
  auto refused = RunCli({"promote", m1.substr(0, 10), "--reason", "looks good", "--task", Spec()});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("trainops gate"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;

  // Without --task, the spec recorded with the model's run is the one checked.
  auto refused_by_run_spec = RunCli({"promote", m1, "--reason", "looks good", "--registry", Db()});
  EXPECT_EQ(refused_by_run_spec.exit_code, 1) << refused_by_run_spec.err;
  EXPECT_NE(refused_by_run_spec.err.find("(gate:"), std::string::npos) << refused_by_run_spec.err;

  auto no_reason = RunCli({"promote", m1, "--force", "--task", Spec()});
  EXPECT_EQ(no_reason.exit_code, 2) << no_reason.err;

  auto forced = RunCli({"promote", (dir_->path() / "run1/model.bin").string(), "--force", "--reason", "first release",
                        "--task", Spec()});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.out.find("FORCED"), std::string::npos) << forced.out;
  auto again = RunCli({"promote", m1, "--force", "--reason", "again", "--task", Spec()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already is the production model"), std::string::npos) << again.out;

  auto second = Json({"promote", m2, "--force", "--reason", "seed 2 is better", "--task", Spec(), "--json"});
  EXPECT_EQ(second["archived_model_id"], m1);
  EXPECT_TRUE(second["forced"].get<bool>());

  auto production = Json({"models", "list", "--status", "production", "--task", Spec(), "--json"});
  ASSERT_EQ(production.size(), 1u);
  EXPECT_EQ(production[0]["id"], m2);

  auto rollback = RunCli({"rollback", "--task", Spec(), "--reason", "seed 2 misroutes returns"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  production = Json({"models", "list", "--status", "production", "--registry", Db(), "--json"});
  ASSERT_EQ(production.size(), 1u);
  EXPECT_EQ(production[0]["id"], m1);

  auto shown = Json({"models", "show", m2.substr(0, 8), "--registry", Db(), "--json"});
  EXPECT_EQ(shown["status"], "archived");
  ASSERT_EQ(shown["history"].size(), 2u);
  EXPECT_EQ(shown["history"][0]["reason"], "seed 2 is better");
  EXPECT_TRUE(shown["history"][0]["forced"].get<bool>());
  EXPECT_EQ(shown["history"][1]["reason"], "seed 2 misroutes returns");
  auto shown_text = RunCli({"models", "show", m2, "--registry", Db()});
  EXPECT_NE(shown_text.out.find("status history"), std::string::npos) << shown_text.out;

  auto bad_status = RunCli({"models", "list", "--status", "prod", "--registry", Db()});
  EXPECT_EQ(bad_status.exit_code, 2);
}

TEST(RegistryCli, RollbackWithNothingToRollBackExits1AndMissingRegistryExits2) {
  TempDir dir;
  const std::string db = (dir.path() / "reg/registry.db").string();
  auto missing = RunCli({"rollback", "--registry", db, "--task-name", "shoes", "--reason", "why"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("no registry here yet"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(db));  // a mistyped path creates nothing
  Registry::Open(db);
  auto r = RunCli({"rollback", "--registry", db, "--task-name", "shoes", "--reason", "why"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("nothing to roll back"), std::string::npos) << r.err;
  auto foreign = dir.Write("notes.txt", std::string(3000, 'x'));
  auto refused = RunCli({"models", "list", "--registry", foreign.string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("not a trainops registry"), std::string::npos) << refused.err;
}

TEST(RegistryCli, TrainingFromFlagsAloneRecordsOnlyWithARegistry) {
  if (testing::OnPostgresRegistry()) GTEST_SKIP() << "TRAINOPS_REGISTRY names a registry, which this test is about lacking";
  TempDir dir;
  dir.Write("train.csv", SyntheticIntentCsv(300, 5));
  auto base = std::vector<std::string>{"train", "--data", (dir / "train.csv").string(), "--text-column", "text",
                                       "--label-column", "intent", "--epochs", "2", "--threads", "1"};
  auto plain = base;
  plain.insert(plain.end(), {"--out", (dir / "plain").string()});
  auto r = RunCli(plain);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("registered model"), std::string::npos) << r.out;
  EXPECT_FALSE(nlohmann::json::parse(ReadAll(dir / "plain/run.json")).contains("registry"));

  auto with_registry = base;
  with_registry.insert(with_registry.end(), {"--out", (dir / "reg").string(), "--registry", (dir / "r.db").string()});
  r = RunCli(with_registry);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("registered model"), std::string::npos) << r.out;
  auto models = nlohmann::json::parse(RunCli({"models", "list", "--registry", (dir / "r.db").string(), "--json"}).out);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0]["task"], "train");
}

}  // namespace
}  // namespace trainops
