// Mistakes at the boundary are the user's to fix: exit 2 and a message naming the path and
// the fix, never "internal error" (exit 3, kept for real bugs). And a blank line on
// predict's stdin gets an answer line that says it was not classified.
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

class BoundaryErrorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("train.csv", SyntheticIntentCsv(400, 21));
    auto r = RunCli({"train", "--data", (dir_->path() / "train.csv").string(), "--text-column", "text",
                     "--label-column", "intent", "--epochs", "3", "--threads", "1", "--no-registry", "--out",
                     (dir_->path() / "run").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::vector<std::string> TrainArgs(const std::string& out) {
    return {"train", "--data", (dir_->path() / "train.csv").string(), "--text-column", "text", "--label-column",
            "intent", "--epochs", "1", "--no-registry", "--quiet", "--out", out};
  }
  static std::string Model() { return (dir_->path() / "run/model.bin").string(); }
  static TempDir* dir_;
};
TempDir* BoundaryErrorsTest::dir_ = nullptr;

void ExpectUserError(const testing::CliResult& r, const std::string& names) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

TEST_F(BoundaryErrorsTest, ImpossibleOutputFoldersAreUserErrors) {
  ExpectUserError(RunCli(TrainArgs("/proc/nope/run")), "/proc/nope/run");
  ExpectUserError(RunCli(TrainArgs("/dev/null/run")), "/dev/null/run");
  const auto file = dir_->Write("a-file", "x");
  ExpectUserError(RunCli(TrainArgs((file / "run").string())), file.string());
}

TEST_F(BoundaryErrorsTest, UnwritableOutputFilesAreRefusedBeforeTheWork) {
  ExpectUserError(RunCli({"eval", "--model", Model(), "--data", (dir_->path() / "train.csv").string(), "--json",
                          "/proc/nope/eval.json"}),
                  "--json /proc/nope/eval.json");
  ExpectUserError(RunCli({"eval", "--model", Model(), "--data", (dir_->path() / "train.csv").string(), "--report",
                          dir_->path().string()}),
                  "is a folder");
  ExpectUserError(RunCli({"predict", "--model", Model(), "--data", (dir_->path() / "train.csv").string(),
                          "--output", "/nonexistent-folder/p.csv"}),
                  "/nonexistent-folder");
}

TEST_F(BoundaryErrorsTest, MissingFilesAreNamed) {
  ExpectUserError(RunCli({"predict", "--model", (dir_->path() / "nope.bin").string()}), "nope.bin");
  ExpectUserError(RunCli({"eval", "--model", Model(), "--data", (dir_->path() / "nope.csv").string()}), "nope.csv");
  ExpectUserError(RunCli({"train", "--task", (dir_->path() / "nope.yaml").string(), "--out",
                          (dir_->path() / "r").string()}),
                  "nope.yaml");
}

TEST_F(BoundaryErrorsTest, DamagedRunFilesAreUserErrorsOnResume) {
  TempDir run;
  // Not JSON at all.
  run.Write("train_config.json", "{not json");
  ExpectUserError(RunCli({"train", "--resume", run.path().string()}), "train_config.json");
  // JSON, but not what a run folder holds.
  run.Write("train_config.json", R"({"format": 1, "threads": "two"})");
  ExpectUserError(RunCli({"train", "--resume", run.path().string()}), "train_config.json");
}

TEST_F(BoundaryErrorsTest, MetricsJsonlHasOnlyWholeLines) {
  // Rewritten atomically per checkpoint: every line parses and the file ends with a newline.
  const std::string metrics = ReadAll(dir_->path() / "run/metrics.jsonl");
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.back(), '\n');
  size_t lines = 0;
  for (const auto& line : Split(metrics, '\n')) {
    if (line.empty()) continue;
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
    ++lines;
  }
  EXPECT_EQ(lines, nlohmann::json::parse(ReadAll(dir_->path() / "run/run.json"))["checkpoints"].get<size_t>());
}

TEST_F(BoundaryErrorsTest, ABlankStdinLineIsAnsweredAsRejectedNotGivenALabel) {
  auto r = RunCli({"predict", "--model", Model()}, "refund my order please\n\n   \nwhere is my parcel\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = Split(r.out, '\n');
  ASSERT_GE(lines.size(), 4u);
  EXPECT_NE(lines[0].substr(0, lines[0].find(',')), "");
  EXPECT_EQ(lines[1], ",0.000000");  // no out-of-scope label to answer with: empty label, no confidence
  EXPECT_EQ(lines[2], ",0.000000");
  EXPECT_NE(lines[3].substr(0, lines[3].find(',')), "");
  EXPECT_NE(r.err.find("stdin line 2: no text to classify"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stdin line 3"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace trainops
