// End-to-end tests of the command line: exit codes, messages on stderr, output files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("train.csv", SyntheticIntentCsv(500, 11));
    dir_->Write("test.csv", SyntheticIntentCsv(120, 12));
    auto r = RunCli({"train", "--data", (dir_->path() / "train.csv").string(), "--text-column", "text",
                     "--label-column", "intent", "--epochs", "5", "--threads", "2", "--out",
                     (dir_->path() / "run").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    train_out_ = new std::string(r.out);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete train_out_;
  }
  static std::string Model() { return (dir_->path() / "run/model.bin").string(); }
  static std::string Test() { return (dir_->path() / "test.csv").string(); }
  static TempDir* dir_;
  static std::string* train_out_;
};
TempDir* CliTest::dir_ = nullptr;
std::string* CliTest::train_out_ = nullptr;

TEST_F(CliTest, TrainWithoutSpecUsesASeededValidationSplit) {
  EXPECT_NE(train_out_->find("selected checkpoint"), std::string::npos) << *train_out_;
  auto run = nlohmann::json::parse(ReadAll(dir_->path() / "run/run.json"));
  EXPECT_EQ(run["data"]["validation"]["split_of"], "train");
  EXPECT_EQ(run["data"]["validation"]["rows"].get<int>() + run["data"]["train"]["rows"].get<int>(), 550);
}

TEST_F(CliTest, PredictWritesOneRowPerInputInOrder) {
  TempDir out;
  auto r = RunCli({"predict", "--model", Model(), "--data", Test(), "--output", (out / "p.csv").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = Split(ReadAll(out / "p.csv"), '\n');
  ASSERT_EQ(lines.size(), 122u);  // header + 120 rows + trailing empty
  EXPECT_EQ(lines[0], "label,confidence");
  auto fields = Split(lines[1], ',');
  ASSERT_EQ(fields.size(), 2u);
  double confidence = std::stod(fields[1]);
  EXPECT_GT(confidence, 0.0);
  EXPECT_LE(confidence, 1.0);
}

TEST_F(CliTest, PredictTopK) {
  auto r = RunCli({"predict", "--model", Model(), "--data", Test(), "--top-k", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = Split(r.out, '\n');
  EXPECT_EQ(lines[0], "label_1,confidence_1,label_2,confidence_2,label_3,confidence_3");
  auto fields = Split(lines[1], ',');
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_GE(std::stod(fields[1]), std::stod(fields[3]));
  EXPECT_GE(std::stod(fields[3]), std::stod(fields[5]));
}

TEST_F(CliTest, PredictFromStdinAnswersEachLine) {
  auto r = RunCli({"predict", "--model", Model()}, "i want to return it, send back label\nwhere is my delivery tracking\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = Split(r.out, '\n');
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].starts_with("returns,")) << r.out;
  EXPECT_TRUE(lines[1].starts_with("shipping,")) << r.out;
}

TEST_F(CliTest, EvalJsonHasTheContractKeys) {
  auto r = RunCli({"eval", "--model", Model(), "--data", Test(), "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"accuracy", "macro_f1", "weighted_f1", "n", "per_label", "confusion"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["n"], 120);
  EXPECT_GT(j["accuracy"].get<double>(), 0.8);
  EXPECT_TRUE(j["per_label"]["returns"].contains("precision"));
  EXPECT_EQ(j["confusion"]["matrix"].size(), j["confusion"]["labels"].size());
}

TEST_F(CliTest, EvalWritesJsonFileAndPrintsTable) {
  TempDir out;
  auto r = RunCli({"eval", "--model", Model(), "--data", Test(), "--json", (out / "m.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("macro_f1"), std::string::npos);
  EXPECT_NE(r.out.find("returns"), std::string::npos);
  EXPECT_TRUE(nlohmann::json::parse(ReadAll(out / "m.json")).contains("accuracy"));
}

TEST_F(CliTest, LabelSeenOnlyInTestCountsAsError) {
  TempDir out;
  auto path = out.Write("t.csv", "text,intent\nrefund money back please,refunds\nwhere is the gift card,gift_cards\n");
  auto r = RunCli({"eval", "--model", Model(), "--data", path.string(), "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["per_label"]["gift_cards"]["support"], 1);
  EXPECT_EQ(j["per_label"]["gift_cards"]["recall"], 0);
}

TEST(CliErrorsTest, UsageErrorsExitTwoWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  TempDir dir;
  auto garbage = dir.Write("garbage.bin", "not a model");
  std::vector<Case> cases = {
      {{}, "trainops"},
      {{"frobnicate"}, "unknown command \"frobnicate\""},
      {{"evall"}, "did you mean \"eval\"?"},
      {{"train", "--bogus"}, "--bogus"},
      {{"train", "--data", "x.csv", "--out", (dir / "o").string()}, "--text-column"},
      {{"train", "--task", "/no/such.yaml", "--out", (dir / "o").string()}, "/no/such.yaml"},
      {{"predict", "--model", garbage.string(), "--data", "x.csv"}, "not a trainops model file"},
      {{"predict", "--model", "/no/model.bin"}, "/no/model.bin"},
      {{"eval", "--model", "/no/model.bin", "--data", "x.csv"}, "/no/model.bin"},
      {{"train", "--resume", dir.path().string()}, "not a training run folder"},
  };
  for (const auto& c : cases) {
    auto r = RunCli(c.args);
    EXPECT_EQ(r.exit_code, 2) << Join(c.args, " ") << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << Join(c.args, " ") << "\n" << r.err;
  }
}

// Parameter flags are checked by the parameter table: no value means "the default".
TEST(CliErrorsTest, ParameterFlagsOutOfBoundsExitTwoNamingFlagValueAndRange) {
  struct Case {
    std::vector<std::string> flag;
    std::vector<std::string> expected;
  };
  TempDir dir;
  auto data = dir.Write("train.csv", SyntheticIntentCsv(60, 3));
  const std::vector<Case> cases = {
      {{"--epochs", "0"}, {"--epochs: got \"0\"", "1..10000", "training.epochs", "20 (linear), 25 (embedding)"}},
      {{"--epochs", "-1"}, {"--epochs: got \"-1\"", "1..10000"}},
      {{"--epochs", "ten"}, {"--epochs: expected an integer, got \"ten\""}},
      {{"--lr", "0"}, {"--lr: got \"0\"", "(0, 10]", "training.learning_rate"}},
      {{"--l2", "-1"}, {"--l2: got \"-1\"", "[0, 1]"}},
      {{"--threads", "-2"}, {"--threads: got \"-2\"", "auto or 1..512"}},
      {{"--dim", "0"}, {"--dim: got \"0\"", "1..1024"}},
      {{"--min-count", "0"}, {"--min-count", "1..1000000"}},
      {{"--keep-last", "0"}, {"--keep-last", "1..1000"}},
      {{"--word-ngrams", "9"}, {"--word-ngrams", "0..5"}},
      {{"--model", "lineer"}, {"--model: got \"lineer\", did you mean \"linear\"?"}},
      {{"--threshold-rule", "nope"}, {"--threshold-rule", "target_oos_recall"}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"train", "--data", data.string(), "--text-column", "text", "--label-column",
                                     "intent", "--out", (dir / "run").string(), "--no-registry", "--quiet"};
    args.insert(args.end(), c.flag.begin(), c.flag.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << Join(c.flag, " ") << "\n" << r.err;
    for (const auto& e : c.expected) EXPECT_NE(r.err.find(e), std::string::npos) << Join(c.flag, " ") << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "run")) << Join(c.flag, " ");
  }
  // A resumed run keeps its parameters; only --threads may differ.
  auto r = RunCli({"train", "--resume", (dir / "run").string(), "--epochs", "3"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--epochs cannot change a resumed run"), std::string::npos) << r.err;
}

TEST(CliHelpTest, ListParametersPrintsTheDocumentedTable) {
  auto r = RunCli({"train", "--list-parameters"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string doc = ReadAll(testing::SourceDir() / "docs/task_spec.md");
  EXPECT_NE(doc.find(r.out), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| `training.epochs` | `--epochs` |"), std::string::npos) << r.out;
}

TEST(CliErrorsTest, BadRowInTrainingDataNamesFileAndLine) {
  TempDir dir;
  auto path = dir.Write("train.csv", "text,intent\nhello,a\n   ,b\nbye,b\n");
  auto r = RunCli({"train", "--data", path.string(), "--text-column", "text", "--label-column", "intent",
                   "--out", (dir / "run").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("train.csv:3"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "run/model.bin"));
}

TEST(CliHelpTest, EveryCommandDocumentsItself) {
  for (const char* command : {"init", "train", "predict", "eval"}) {
    auto r = RunCli({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find("--"), std::string::npos) << command;
  }
}

TEST(CliInitTest, WritesASpecThatTrains) {
  TempDir dir;
  dir.Write("data.csv", SyntheticIntentCsv(300, 5));
  auto r = RunCli({"init", "--data", (dir / "data.csv").string(), "--out", (dir / "task.yaml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("text column:  text"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("label column: intent"), std::string::npos) << r.out;
  auto again = RunCli({"init", "--data", (dir / "data.csv").string(), "--out", (dir / "task.yaml").string()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
  auto train = RunCli({"train", "--task", (dir / "task.yaml").string(), "--epochs", "2", "--out",
                       (dir / "run").string(), "--quiet"});
  EXPECT_EQ(train.exit_code, 0) << train.err;
}

// Issue 26, item 7: a run started with a relative spec path resumes from another folder
// (the saved spec's paths used to be re-resolved against the spec's folder:
// "shoes/shoes/train.csv: file not found").
TEST(ResumeElsewhereTest, ARunStartedWithARelativeSpecResumesFromAnotherFolder) {
  testing::TempDir d;
  std::filesystem::create_directories(d / "shoes");
  std::filesystem::create_directories(d / "elsewhere");
  d.Write("shoes/train.csv", testing::SyntheticIntentCsv(300, 7));
  d.Write("shoes/task.yaml", "name: shoes\ndata: {train: train.csv, text_column: text, label_column: intent}\n"
                             "training: {epochs: 2}\nthreads: 1\n");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(d.path());
  auto first = testing::RunCli({"train", "--task", "shoes/task.yaml", "--out", "runs/good", "--no-registry", "-q"});
  std::filesystem::current_path(d / "elsewhere");
  auto resumed = testing::RunCli({"train", "--resume", "../runs/good", "--no-registry"});
  std::filesystem::current_path(cwd);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.err.find("file not found"), std::string::npos) << resumed.err;
  // The throughput counts this process's steps (none left), not the checkpoint's.
  EXPECT_EQ(resumed.out.find("e+"), std::string::npos) << resumed.out;
  const auto run = nlohmann::json::parse(testing::ReadAll(d / "runs/good/run.json"));
  EXPECT_LT(run["examples_per_second"].get<double>(), 1e8);
}

}  // namespace
}  // namespace trainops
