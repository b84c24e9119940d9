// End to end: train, gate, release, promote, rollback through the command line, on a
// seeded synthetic task with a test file, a registry next to the spec, and gates that
// pass for a good model and block a bad one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

std::string Spec(const std::string& extra_gates = "") {
  return "name: gated\n"
         "data: {train: train.csv, test: test.csv, text_column: text, label_column: intent,\n"
         "       segment_columns: [channel]}\n"
         "seed: 3\n"
         "threads: 2\n"
         "training: {epochs: 8}\n"
         "gates:\n"
         "  metrics: [\"accuracy >= 0.6\", \"recall[*] >= 0.3\", \"ece <= 0.3\"]\n"
         "  budgets: {latency_p99_us: 100000, model_size_mb: 100}\n" +
         extra_gates;
}

// A training file whose labels are mostly wrong: the model it gives must be blocked.
std::string Scrambled(const std::string& csv) {
  std::vector<std::string> lines;
  std::string line;
  for (char ch : csv) {
    if (ch == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += ch;
    }
  }
  std::string out = lines[0] + "\n";
  const std::vector<std::string> intents = {"returns", "shipping", "sizing", "payment"};
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string l = lines[i];
    for (size_t k = 0; k < intents.size(); ++k) {
      const size_t at = l.find("," + intents[k] + ",");
      if (at != std::string::npos && i % 4 != 0) {
        l.replace(at + 1, intents[k].size(), intents[(k + 1) % intents.size()]);
        break;
      }
    }
    out += l + "\n";
  }
  return out;
}

class GateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("train.csv", SyntheticIntentCsv(800, 21));
    dir_.Write("test.csv", SyntheticIntentCsv(400, 22));
    dir_.Write("task.yaml", Spec());
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  testing::CliResult Train(const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"train", "--task", P("task.yaml"), "--out", P(out), "--allow-data-errors"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  }
  TempDir dir_;
};

// A passing report counts only for the spec, test file and behavioural tests it was run
// on: change any of them and promote asks for the gates again.
TEST_F(GateCliTest, ChangedTestFileOrBehaviourFileInvalidatesTheGateReport) {
  dir_.Write("behaviour.yaml",
             "cases:\n"
             "  - {type: mft, text: I want to return my boots, label: returns}\n");
  dir_.Write("task.yaml", Spec("  behaviour: {file: behaviour.yaml, min_pass_rate: {mft: 0.0}}\n"));
  ASSERT_EQ(Train("good").exit_code, 0);
  auto gate = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("good/model.bin"), "--json", P("g.json")});
  ASSERT_EQ(gate.exit_code, 0) << gate.out << gate.err;
  const std::string id = nlohmann::json::parse(ReadAll(dir_ / "g.json"))["candidate"]["id"];

  dir_.Write("test.csv", SyntheticIntentCsv(400, 23));  // other test rows
  for (const std::vector<std::string>& task : {std::vector<std::string>{"--task", P("task.yaml")},
                                               // no --task: the spec recorded with the run
                                               std::vector<std::string>{
                                                   "--registry",
                                                   testing::DefaultTestRegistry(P(".trainops/registry.db")).string()}}) {
    std::vector<std::string> args = {"promote", id, "--reason", "ship it"};
    args.insert(args.end(), task.begin(), task.end());
    auto refused = RunCli(args);
    EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
    EXPECT_THAT(refused.err, HasSubstr("no gate report for the current task spec"));
  }
  ASSERT_EQ(RunCli({"gate", "--task", P("task.yaml"), "--candidate", id}).exit_code, 0);
  dir_.Write("behaviour.yaml",
             "cases:\n"
             "  - {type: mft, text: I want to send back my boots, label: returns}\n");
  EXPECT_EQ(RunCli({"promote", id, "--reason", "ship it", "--task", P("task.yaml")}).exit_code, 1);
  ASSERT_EQ(RunCli({"gate", "--task", P("task.yaml"), "--candidate", id}).exit_code, 0);
  auto promoted = RunCli({"promote", id, "--reason", "ship it", "--registry",
                          testing::DefaultTestRegistry(P(".trainops/registry.db")).string()});
  EXPECT_EQ(promoted.exit_code, 0) << promoted.out << promoted.err;
}

TEST_F(GateCliTest, ReleaseLoopPromotesAGoodModelAndBlocksABadOne) {
  ASSERT_EQ(Train("good").exit_code, 0);

  // First release: no production model yet, so the regression gate is skipped.
  auto first = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("good/model.bin"), "--json",
                       P("first.json"), "--junit", P("first.xml")});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("promoted model"));
  const auto j = nlohmann::json::parse(ReadAll(dir_ / "first.json"));
  EXPECT_EQ(j["verdict"], "PASS");
  bool saw_skipped_regression = false, saw_latency = false;
  for (const auto& g : j["gates"]) {
    saw_skipped_regression |= g["kind"] == "regression" && g["status"] == "SKIP";
    saw_latency |= g["name"].get<std::string>().starts_with("prediction latency p99");
  }
  EXPECT_TRUE(saw_skipped_regression);
  EXPECT_TRUE(saw_latency);
  EXPECT_THAT(ReadAll(dir_ / "first.xml"), HasSubstr("<testsuites name=\"trainops gate\""));

  // A model trained on scrambled labels: blocked by thresholds and by the regression gate.
  dir_.Write("scrambled.csv", Scrambled(SyntheticIntentCsv(800, 21)));
  ASSERT_EQ(Train("bad", {"--data", P("scrambled.csv")}).exit_code, 0);
  auto bad = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("bad/model.bin"), "--json", P("bad.json"),
                     "--junit", P("bad.xml")});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("FAIL"));
  EXPECT_THAT(bad.out, HasSubstr("verdict: FAIL"));
  const auto bj = nlohmann::json::parse(ReadAll(dir_ / "bad.json"));
  bool regression_failed = false;
  for (const auto& g : bj["gates"]) regression_failed |= g["kind"] == "regression" && g["status"] == "FAIL";
  EXPECT_TRUE(regression_failed) << bj.dump(2);
  EXPECT_THAT(ReadAll(dir_ / "bad.xml"), HasSubstr("<failure"));

  // promote refuses a model whose gate report failed; release promotes nothing.
  auto promote = RunCli({"promote", bj["candidate"]["id"].get<std::string>(), "--reason", "try", "--task",
                         P("task.yaml")});
  EXPECT_EQ(promote.exit_code, 1) << promote.out << promote.err;
  auto release_bad = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("bad/model.bin")});
  EXPECT_EQ(release_bad.exit_code, 1);
  EXPECT_THAT(release_bad.err, HasSubstr("release blocked"));
  auto models = RunCli({"models", "list", "--task", P("task.yaml"), "--json"});
  ASSERT_EQ(models.exit_code, 0) << models.err;
  const auto mj = nlohmann::json::parse(models.out);
  int production = 0;
  std::string production_id;
  for (const auto& m : (mj.is_array() ? mj : mj["models"])) {
    if (m["status"] == "production") {
      ++production;
      production_id = m["id"];
    }
  }
  EXPECT_EQ(production, 1);
  EXPECT_EQ(production_id, j["candidate"]["id"]);

  // A model that differs only by seed passes the regression gate and is released.
  ASSERT_EQ(Train("reseeded", {"--seed", "9"}).exit_code, 0);
  auto reseeded = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("reseeded/model.bin")});
  EXPECT_EQ(reseeded.exit_code, 0) << reseeded.out << reseeded.err;

  // Roll back to the first model.
  auto rollback = RunCli({"rollback", "--task", P("task.yaml"), "--reason", "test rollback"});
  EXPECT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  auto after = nlohmann::json::parse(RunCli({"models", "list", "--task", P("task.yaml"), "--json"}).out);
  for (const auto& m : (after.is_array() ? after : after["models"])) {
    if (m["status"] == "production") {
      EXPECT_EQ(m["id"], j["candidate"]["id"]);
    }
  }
}

TEST_F(GateCliTest, ExplicitBaselineAndBadInput) {
  ASSERT_EQ(Train("a").exit_code, 0);
  // Against itself: every comparison is equal, so the regression gate passes.
  auto self = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("a/model.bin"), "--baseline",
                      P("a/model.bin"), "--json", "-"});
  ASSERT_EQ(self.exit_code, 0) << self.err;
  const auto j = nlohmann::json::parse(self.out);
  EXPECT_FALSE(j["baseline"].is_null());

  // A budget nobody can meet fails.
  dir_.Write("tight.yaml", Spec("  regression: {enabled: false}\n").replace(
                               Spec().find("latency_p99_us: 100000"), 22, "latency_p99_us: 0.001"));
  auto tight = RunCli({"gate", "--task", P("tight.yaml"), "--candidate", P("a/model.bin")});
  EXPECT_EQ(tight.exit_code, 1) << tight.out << tight.err;
  EXPECT_THAT(tight.out, HasSubstr("FAIL  prediction latency p99"));
  EXPECT_THAT(tight.out, HasSubstr("PASS  model file size <= 100 MB"));
  std::string small = Spec("  regression: {enabled: false}\n");
  small.replace(small.find("model_size_mb: 100"), 18, "model_size_mb: 0.001");
  dir_.Write("small.yaml", small);
  auto too_big = RunCli({"gate", "--task", P("small.yaml"), "--candidate", P("a/model.bin")});
  EXPECT_EQ(too_big.exit_code, 1);
  EXPECT_THAT(too_big.out, HasSubstr("FAIL  model file size <= 0.001 MB"));
  EXPECT_THAT(too_big.out, HasSubstr("PASS  prediction latency p99"));

  // Behavioural tests: one case the model gets right, one it cannot (wrong label on
  // purpose), so the pass rate is 0.5 and the required rate decides.
  dir_.Write("cases.yaml",
             "cases:\n"
             "  - {type: mft, text: \"where is the courier with my delivery tracking\", label: shipping}\n"
             "  - {type: mft, text: \"where is the courier with my delivery tracking\", label: payment}\n");
  for (const auto& [rate, code] : std::vector<std::pair<std::string, int>>{{"1.0", 1}, {"0.5", 0}}) {
    dir_.Write("behaviour.yaml", Spec("  regression: {enabled: false}\n  behaviour: {file: cases.yaml, "
                                      "min_pass_rate: {mft: " + rate + "}}\n"));
    auto b = RunCli({"gate", "--task", P("behaviour.yaml"), "--candidate", P("a/model.bin")});
    EXPECT_EQ(b.exit_code, code) << b.out << b.err;
    EXPECT_THAT(b.out, HasSubstr("minimum functionality pass rate >= " + (rate == "1.0" ? std::string("1") : rate)));
    EXPECT_THAT(b.out, HasSubstr("1 of 2 cases passed"));
  }

  // No test file in the spec: an input error naming the key.
  std::string no_test = Spec();
  no_test.replace(no_test.find("test: test.csv, "), 16, "");
  dir_.Write("notest.yaml", no_test);
  auto missing = RunCli({"gate", "--task", P("notest.yaml"), "--candidate", P("a/model.bin")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("data.test"));
  // A model registered under another task cannot be gated (and promoted) under this one.
  std::string other = Spec();
  other.replace(0, std::string("name: gated").size(), "name: other");
  other.replace(other.find("seed: 3"), 7, "seed: 4");  // other bytes, so a model of its own
  dir_.Write("other.yaml", other);
  ASSERT_EQ(RunCli({"train", "--task", P("other.yaml"), "--out", P("o"), "--allow-data-errors"}).exit_code, 0);
  auto wrong_task = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("o/model.bin")});
  EXPECT_EQ(wrong_task.exit_code, 2) << wrong_task.out;
  EXPECT_THAT(wrong_task.err, HasSubstr("registered for task \"other\""));

  auto no_model = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("nope/model.bin")});
  EXPECT_EQ(no_model.exit_code, 2);
  EXPECT_THAT(no_model.err, HasSubstr("nope/model.bin"));
}

}  // namespace
}  // namespace trainops
