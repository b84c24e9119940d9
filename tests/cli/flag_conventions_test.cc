// Issue 26 item 12: one convention for every command's flags (README "Commands"):
// an output flag's "-" is standard output; `--json [FILE]` writes JSON to FILE or, bare or
// "-", to standard output; `--output` names a command's output (`--out` kept as its old
// spelling); -q/-v are accepted by every command, before or after its name, and not
// together; at most one output goes to standard output.
#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve/traffic_log.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

// Every command path, as `trainops --help` and the group commands list them.
const std::vector<std::vector<std::string>>& Commands() {
  static const std::vector<std::vector<std::string>> commands = {
      {"init"},         {"train"},         {"predict"},       {"eval"},     {"compare"},
      {"check-data"},   {"runs", "list"},  {"runs", "show"},  {"models", "list"}, {"models", "show"},
      {"models", "export"}, {"registry", "migrate"},
      {"promote"},      {"rollback"},      {"gate"},          {"release"},  {"serve"},
      {"traffic", "export"}, {"monitor"},  {"cycle"},         {"cycles", "list"}, {"select"}, {"ui"}};
  return commands;
}

class FlagConventionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("train.csv", SyntheticIntentCsv(300, 171));
    dir_->Write("validation.csv", SyntheticIntentCsv(100, 172));
    dir_->Write("test.csv", SyntheticIntentCsv(100, 173));
    dir_->Write("task.yaml",
                "name: conventions\n"
                "data:\n"
                "  train: train.csv\n"
                "  validation: validation.csv\n"
                "  test: test.csv\n"
                "  text_column: text\n"
                "  label_column: intent\n"
                "threads: 1\n"
                "training:\n"
                "  epochs: 2\n"
                "checks:\n"
                "  label_error_folds: 0\n");
    auto r = RunCli({"train", "--task", File("task.yaml"), "--quiet", "--allow-data-errors", "--output", File("run")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // A traffic log with three requests, as `serve` writes it.
    serve::TrafficLogOptions o;
    o.path = dir_->path() / ".trainops/traffic.db";
    serve::TrafficLog log(o);
    for (int i = 0; i < 3; ++i) {
      serve::TrafficRecord rec;
      rec.request_id = log.NewRequestId();
      rec.time = serve::TrafficNow();
      rec.model = "m";
      rec.text = "where is my order " + std::to_string(i);
      rec.label = "a";
      ASSERT_TRUE(log.TryLog(rec));
    }
    log.Stop();
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string File(const std::string& name) { return (dir_->path() / name).string(); }
  static std::string Model() { return File("run/model.bin"); }
  // No file named "-" may appear where a command could have created one.
  static void ExpectNoDashFile() {
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::current_path() / "-"));
    EXPECT_FALSE(std::filesystem::exists(dir_->path() / "-"));
  }
  static TempDir* dir_;
};
TempDir* FlagConventionsTest::dir_ = nullptr;

TEST_F(FlagConventionsTest, TheListOfCommandsIsComplete) {
  auto r = RunCli({"--help"});
  ASSERT_EQ(r.exit_code, 0);
  std::set<std::string> listed;
  for (const auto& c : Commands()) listed.insert(c[0]);
  // CLI11 lists each subcommand on a line of its own: "  NAME   description".
  std::istringstream lines(r.out);
  std::string line;
  bool in_list = false;
  std::set<std::string> shown;
  while (std::getline(lines, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (in_list && line.size() > 2 && line[0] == ' ') shown.insert(line.substr(2, line.find(' ', 2) - 2));
  }
  EXPECT_EQ(shown, listed) << r.out;
}

TEST_F(FlagConventionsTest, EveryCommandTakesQuietAndVerboseBeforeOrAfterItsName) {
  for (const auto& command : Commands()) {
    for (const char* flag : {"-q", "--quiet", "-v", "--verbose"}) {
      std::vector<std::string> after = command;
      after.push_back(flag);
      std::vector<std::string> before = {flag};
      before.insert(before.end(), command.begin(), command.end());
      for (const auto& args : {after, before}) {
        // Without their required flags the commands stop with a usage error; the point is
        // that the error is not about -q/-v.
        auto r = RunCli(args);
        const std::string shown = fmt::format("{}", fmt::join(args, " "));
        EXPECT_THAT(r.err, Not(HasSubstr("not expected"))) << shown;
        EXPECT_THAT(r.err, Not(HasSubstr("internal error"))) << shown;
      }
    }
  }
}

TEST_F(FlagConventionsTest, QuietAndVerboseTogetherAreRefused) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--quiet", "--verbose", "models", "list"},
        std::vector<std::string>{"-q", "traffic", "export", "-v", "--output", "x.csv"},
        std::vector<std::string>{"eval", "-q", "-v", "--model", "m.bin", "--data", "d.csv"}}) {
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--quiet and --verbose"));
  }
}

TEST_F(FlagConventionsTest, DashIsStandardOutputForEveryOutputFlag) {
  // eval --report -: the HTML page on stdout.
  auto r = RunCli({"eval", "--model", Model(), "--data", File("test.csv"), "--report", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("<html"));
  EXPECT_THAT(r.out, Not(HasSubstr("macro_f1 ")));  // no table mixed into it
  // gate --junit -: JUnit XML on stdout.
  r = RunCli({"gate", "--task", File("task.yaml"), "--candidate", Model(), "--baseline", "none", "--junit", "-"});
  EXPECT_LE(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("<testsuite"));
  EXPECT_THAT(r.out, Not(HasSubstr("PASS ")));
  // traffic export --output -: the CSV on stdout.
  r = RunCli({"traffic", "export", "--task", File("task.yaml"), "--output", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("request_id,time,model,text"));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;
  // init --out - (and --output -): the spec on stdout; nothing created.
  for (const char* flag : {"--out", "--output"}) {
    r = RunCli({"init", "--data", File("train.csv"), flag, "-"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("text_column: text"));
  }
  // monitor --report -: the HTML page.
  r = RunCli({"monitor", "--task", File("task.yaml"), "--model", Model(), "--traffic", File("test.csv"),
              "--no-record", "--report", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("<html"));
  // check-data --markdown -.
  r = RunCli({"check-data", "--task", File("task.yaml"), "--markdown", "-"});
  EXPECT_LE(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("# "));
  ExpectNoDashFile();
}

TEST_F(FlagConventionsTest, OnlyOneOutputMayGoToStandardOutput) {
  auto r = RunCli({"eval", "--model", Model(), "--data", File("test.csv"), "--json", "-", "--report", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--json and --report both name standard output"));
  r = RunCli({"gate", "--task", File("task.yaml"), "--candidate", Model(), "--baseline", "none", "--json", "-",
              "--junit", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("both name standard output"));
}

TEST_F(FlagConventionsTest, AFolderOutputCannotBeStandardOutput) {
  auto r = RunCli({"train", "--task", File("task.yaml"), "--no-registry", "--output", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("a run folder"));
  ExpectNoDashFile();
}

TEST_F(FlagConventionsTest, JsonIsAFileOrStandardOutputEverywhere) {
  // Bare --json: standard output, for the commands that used to need a path...
  auto r = RunCli({"eval", "--model", Model(), "--data", File("test.csv"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out).contains("accuracy"));
  r = RunCli({"monitor", "--task", File("task.yaml"), "--model", Model(), "--traffic", File("test.csv"), "--no-record",
              "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out).contains("signals"));
  // ...and for those where it was a switch, as before.
  r = RunCli({"models", "list", "--task", File("task.yaml"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto models = nlohmann::json::parse(r.out);
  ASSERT_EQ(models.size(), 1u);
  const std::string id = models[0]["id"];
  // --json FILE writes the file, for the listing commands too.
  r = RunCli({"models", "list", "--task", File("task.yaml"), "--json", File("models.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(ReadAll(File("models.json"))), models);
  EXPECT_TRUE(r.out.empty()) << r.out;
  r = RunCli({"runs", "list", "--task", File("task.yaml"), "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 1u);
  r = RunCli({"cycles", "list", "--task", File("task.yaml"), "--json", File("cycles.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(ReadAll(File("cycles.json"))), nlohmann::json::array());
  // A show command's id may come before or after a bare --json.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"models", "show", id.substr(0, 8), "--json", "--task", File("task.yaml")},
        std::vector<std::string>{"models", "show", "--json", id.substr(0, 8), "--task", File("task.yaml")}}) {
    r = RunCli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["id"], id);
  }
  // An input named as the JSON output is refused, as for every other output.
  r = RunCli({"models", "list", "--task", File("task.yaml"), "--json", File("task.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  ExpectNoDashFile();
}

TEST_F(FlagConventionsTest, OutputIsTheSpellingEverywhereAndOutStillWorks) {
  auto r = RunCli({"init", "--data", File("train.csv"), "--out", File("a.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunCli({"init", "--data", File("train.csv"), "--output", File("b.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadAll(File("a.yaml")), ReadAll(File("b.yaml")));
  for (const auto& command : Commands()) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    r = RunCli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // A command that writes an output file or folder names it --output.
    if (r.out.find("--out ") != std::string::npos || r.out.find("--out,") != std::string::npos) {
      EXPECT_THAT(r.out, HasSubstr("--output")) << command[0];
    }
  }
}

}  // namespace
}  // namespace trainops
