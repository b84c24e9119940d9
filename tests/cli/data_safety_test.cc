// Issue 16: nothing the user has is lost or overwritten silently, a failed write is never
// reported as success, and bad input is refused with exit 2 naming the place to fix.
#include <sys/wait.h>

#include <cstdlib>

#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

struct ShellResult {
  int exit_code = -1;
  std::string err;
};

// Runs `trainops ARGS` through the shell inside `dir` (for relative paths and redirections).
// `env` is put before the command ("NAME=VALUE ...").
ShellResult RunIn(const std::filesystem::path& dir, const std::string& args, const std::string& env = "") {
  const auto err_file = dir.parent_path() / (dir.filename().string() + ".stderr.txt");
  const std::string cmd = "cd '" + dir.string() + "' && " + env + " '" + std::string(TRAINOPS_BINARY) + "' " + args +
                          " 2> '" + err_file.string() + "'";
  const int status = std::system(cmd.c_str());
  ShellResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = ReadAll(err_file);
  std::filesystem::remove(err_file);
  return r;
}

// A task folder (task.yaml, train/validation/test CSVs, behaviour.yaml) and a model trained on it.
class DataSafetyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("train.csv", SyntheticIntentCsv(400, 161));
    dir_->Write("validation.csv", SyntheticIntentCsv(120, 162));
    dir_->Write("test.csv", SyntheticIntentCsv(120, 163));
    dir_->Write("behaviour.yaml", "tests: []\n");
    dir_->Write("task.yaml",
                "name: safety\n"
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
    auto r = RunCli({"train", "--task", Task(), "--no-registry", "--quiet", "--allow-data-errors", "--out",
                     (dir_->path() / "run").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Task() { return (dir_->path() / "task.yaml").string(); }
  static std::string Model() { return (dir_->path() / "run/model.bin").string(); }
  static std::string File(const std::string& name) { return (dir_->path() / name).string(); }
  static TempDir* dir_;
};
TempDir* DataSafetyTest::dir_ = nullptr;

void ExpectRefused(int exit_code, const std::string& err, const std::string& names) {
  EXPECT_EQ(exit_code, 2) << err;
  EXPECT_NE(err.find(names), std::string::npos) << err;
  EXPECT_EQ(err.find("internal error"), std::string::npos) << err;
}

TEST_F(DataSafetyTest, WriteCleanIntoTheTaskFolderIsRefusedHoweverItIsWritten) {
  const std::string before = ReadAll(File("train.csv"));
  const std::string abs = dir_->path().string();
  for (const std::string& dir : std::vector<std::string>{".", "./", abs, abs + "/"}) {
    const auto r = RunIn(dir_->path(), "check-data --task task.yaml --write-clean '" + dir + "'");
    ExpectRefused(r.exit_code, r.err, "--write-clean");
    EXPECT_EQ(ReadAll(File("train.csv")), before) << dir;
  }
  // Through a symbolic link to the folder, too.
  TempDir other;
  std::filesystem::create_directory_symlink(dir_->path(), other / "link");
  const auto r = RunCli({"check-data", "--task", Task(), "--write-clean", (other / "link").string()});
  ExpectRefused(r.exit_code, r.err, "--write-clean");
  EXPECT_EQ(ReadAll(File("train.csv")), before);
}

TEST_F(DataSafetyTest, AnOutputThatIsAnInputIsRefused) {
  TempDir reg;
  const std::string registry = (reg / "registry.db").string();
  const std::map<std::string, std::string> before = {{"train.csv", ReadAll(File("train.csv"))},
                                                     {"validation.csv", ReadAll(File("validation.csv"))},
                                                     {"test.csv", ReadAll(File("test.csv"))},
                                                     {"task.yaml", ReadAll(File("task.yaml"))},
                                                     {"run/model.bin", ReadAll(Model())}};
  // As written, relative, and through "./": all the same file.
  auto r = RunIn(dir_->path(), "gate --task task.yaml --candidate run/model.bin --registry '" + registry +
                                   "' --json test.csv");
  ExpectRefused(r.exit_code, r.err, "--json test.csv");
  r = RunIn(dir_->path(), "eval --model run/model.bin --data train.csv --json ./train.csv");
  ExpectRefused(r.exit_code, r.err, "--json ./train.csv");
  r = RunIn(dir_->path(), "eval --model run/model.bin --data train.csv --report run/../run/model.bin");
  ExpectRefused(r.exit_code, r.err, "--report");
  r = RunIn(dir_->path(), "eval --model run/model.bin --data train.csv --markdown '" + File("train.csv") + "'");
  ExpectRefused(r.exit_code, r.err, "--markdown");
  r = RunIn(dir_->path(), "predict --model run/model.bin --data validation.csv --output validation.csv");
  ExpectRefused(r.exit_code, r.err, "--output validation.csv");
  r = RunIn(dir_->path(), "check-data --task task.yaml --json task.yaml");
  ExpectRefused(r.exit_code, r.err, "--json task.yaml");
  r = RunIn(dir_->path(), "check-data --task task.yaml --markdown validation.csv");
  ExpectRefused(r.exit_code, r.err, "--markdown validation.csv");
  r = RunIn(dir_->path(), "gate --task task.yaml --candidate run/model.bin --registry '" + registry +
                              "' --junit '" + registry + "'");
  ExpectRefused(r.exit_code, r.err, "--junit");
  r = RunIn(dir_->path(), "init --data train.csv --out train.csv --force");
  ExpectRefused(r.exit_code, r.err, "--output train.csv");
  for (const auto& [name, bytes] : before) EXPECT_EQ(ReadAll(File(name)), bytes) << name;
}

TEST_F(DataSafetyTest, WriteErrorsOnStandardOutputAreErrors) {
  auto r = RunIn(dir_->path(), "predict --model run/model.bin --data test.csv > /dev/full");
  ExpectRefused(r.exit_code, r.err, "standard output");
  EXPECT_EQ(r.err.find("predicted"), std::string::npos) << r.err;
  r = RunIn(dir_->path(), "predict --model run/model.bin < test.csv > /dev/full");
  ExpectRefused(r.exit_code, r.err, "standard output");
  r = RunIn(dir_->path(), "eval --model run/model.bin --data test.csv --json - > /dev/full");
  ExpectRefused(r.exit_code, r.err, "standard output");
  r = RunIn(dir_->path(), "check-data --task task.yaml > /dev/full");
  ExpectRefused(r.exit_code, r.err, "standard output");
}

TEST_F(DataSafetyTest, PromoteRegistersOnlyAModelOfTheTask) {
  TempDir reg;
  const std::string registry = (reg / "registry.db").string();
  const auto not_a_model = reg.Write("hostname", "box\n");
  auto r = RunCli({"promote", not_a_model.string(), "--task", Task(), "--registry", registry, "--reason", "x",
                   "--force"});
  ExpectRefused(r.exit_code, r.err, "nothing was registered or promoted");
  r = RunCli({"promote", File("train.csv"), "--task", Task(), "--registry", registry, "--reason", "x", "--force"});
  ExpectRefused(r.exit_code, r.err, "nothing was registered or promoted");
  // A model of another task.
  r = RunCli({"promote", Model(), "--task-name", "another-task", "--registry", registry, "--reason", "x",
              "--force"});
  ExpectRefused(r.exit_code, r.err, "trained for task \"safety\"");
  r = RunCli({"models", "list", "--registry", registry, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 0u) << r.out;
}

TEST_F(DataSafetyTest, ReadOnlyCommandsNeverRecreateAnEmptyRegistry) {
  TempDir reg;
  const auto registry = reg.Write("registry.db", "");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"models", "list", "--registry", registry.string()},
        std::vector<std::string>{"runs", "list", "--registry", registry.string()},
        std::vector<std::string>{"rollback", "--registry", registry.string(), "--task-name", "safety", "--reason",
                                 "x"}}) {
    const auto r = RunCli(args);
    ExpectRefused(r.exit_code, r.err, "empty (0 bytes)");
    EXPECT_EQ(std::filesystem::file_size(registry), 0u) << args[0];
  }
}

TEST_F(DataSafetyTest, AFileWithoutRecordEndsIsAnErrorNotEndlessMemory) {
  auto r = RunCli({"check-data", "--data", "/dev/zero", "--format", "csv", "--text-column", "text",
                   "--label-column", "intent"});
  ExpectRefused(r.exit_code, r.err, "/dev/zero:1: field 1 is longer than 1 MiB");
  r = RunCli({"predict", "--model", Model(), "--data", "/dev/zero", "--format", "jsonl"});
  ExpectRefused(r.exit_code, r.err, "/dev/zero:1: the line is longer than 16 MiB");
}

TEST_F(DataSafetyTest, StandardInputWithoutLineEndsIsAnErrorNotEndlessMemory) {
  const auto r = RunIn(dir_->path(), "predict --model run/model.bin < /dev/zero");
  ExpectRefused(r.exit_code, r.err, "standard input:1: the line is longer than 16 MiB");
}

TEST_F(DataSafetyTest, AFlagsErrorNamesTheFlagAndNumbersAreCheckedUpFront) {
  TempDir out;
  struct Case {
    std::vector<std::string> flag;
    std::string names;
  };
  const std::vector<Case> cases = {{{"--threads", "100000"}, "--threads"}, {{"--lr", "inf"}, "--lr"},
                                   {{"--lr", "nan"}, "--lr"},             {{"--l2", "inf"}, "--l2"},
                                   {{"--l2", "nan"}, "--l2"},             {{"--autotune", "nan"}, "--autotune"},
                                   {{"--seed", "-1"}, "--seed"},          {{"--epochs", "1e3"}, "--epochs"}};
  for (const auto& c : cases) {
    std::vector<std::string> args = {"train", "--task", Task(), "--no-registry", "--out", (out / "r").string()};
    args.insert(args.end(), c.flag.begin(), c.flag.end());
    const auto r = RunCli(args);
    ExpectRefused(r.exit_code, r.err, c.names);
    EXPECT_EQ(r.err.find("task.yaml"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out / "r")) << c.flag[0];
  }
  TempDir spec_dir;
  const auto spec = spec_dir.Write("t.yaml", "name: s\ndata:\n  train: " + File("train.csv") +
                                                 "\n  text_column: text\n  label_column: intent\ntraining:\n"
                                                 "  learning_rate: 1e39\n");
  const auto r = RunCli({"train", "--task", spec.string(), "--no-registry", "--out", (out / "r").string()});
  ExpectRefused(r.exit_code, r.err, "t.yaml:7: key training.learning_rate");
}

TEST_F(DataSafetyTest, ADivergedRunSaysSoAndLeavesNoRunFolder) {
  TempDir out;
  const auto d = RunIn(dir_->path(),
                       "train --task task.yaml --no-registry --allow-data-errors --out '" + (out / "d").string() + "'",
                       "TRAINOPS_FAULT_NAN_LOSS_AT_EPOCH=2");
  ExpectRefused(d.exit_code, d.err, "loss became NaN at epoch 2");
  EXPECT_NE(d.err.find("lower training.learning_rate"), std::string::npos) << d.err;
  EXPECT_FALSE(std::filesystem::exists(out / "d")) << d.err;
}

TEST_F(DataSafetyTest, AUtf16FileIsNamedWithTheFix) {
  TempDir d;
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("text,intent\nhello,a\n")) {
    utf16 += c;
    utf16 += '\0';
  }
  const auto file = d.Write("u16.csv", utf16);
  auto r = RunCli({"check-data", "--data", file.string(), "--text-column", "text", "--label-column", "intent"});
  ExpectRefused(r.exit_code, r.err, "the file is UTF-16");
  EXPECT_NE(r.err.find("iconv -f UTF-16 -t UTF-8"), std::string::npos) << r.err;
  r = RunCli({"predict", "--model", Model(), "--data", file.string()});
  ExpectRefused(r.exit_code, r.err, "the file is UTF-16");
}

TEST_F(DataSafetyTest, InvalidUtf8OnStdinGetsAPerLineErrorAsWithData) {
  auto r = RunCli({"predict", "--model", Model()}, "where is my order\nbad \xFF text\nrefund please\n");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("stdin line 2: invalid UTF-8 at byte offset 4"), std::string::npos) << r.err;
  // Every line still gets its answer line, in order; the bad one is empty.
  const auto lines = [](const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t end; (end = s.find('\n', start)) != std::string::npos; start = end + 1)
      out.push_back(s.substr(start, end - start));
    return out;
  }(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[1], ",");
  EXPECT_NE(lines[0], ",");
  EXPECT_NE(lines[2], ",");
  // --on-bad-row skip: a warning, exit 0, as with --data.
  r = RunCli({"predict", "--model", Model(), "--on-bad-row", "skip"}, "bad \xFF text\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("stdin line 1: invalid UTF-8"), std::string::npos) << r.err;
}

// Issue 26, item 10: --data does what stdin does: a bad row gets an empty answer line,
// the rest are answered, exit 2 at the end (not a stop at the first bad row).
TEST_F(DataSafetyTest, InvalidUtf8InDataGetsAnEmptyLineAndExit2AtTheEnd) {
  TempDir d;
  const auto file = d.Write("w.csv", "text\nwhere is my order\n\"bad \xFF text\"\nrefund please\n");
  auto r = RunCli({"predict", "--model", Model(), "--data", file.string(), "--output", (d / "p.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("w.csv:3"), std::string::npos) << r.err;
  const std::string out = ReadAll(d / "p.csv");
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(out.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), 4u) << out;  // header and one line per row
  EXPECT_NE(lines[1], ",");
  EXPECT_EQ(lines[2], ",");
  EXPECT_NE(lines[3], ",");
  r = RunCli({"predict", "--model", Model(), "--data", file.string(), "--on-bad-row", "skip"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Issue 26, item 11: a NUL byte in a text is a bad row naming its place; a folder given as
// data says it is a folder.
TEST_F(DataSafetyTest, ANulByteIsABadRowAndAFolderIsNamedAsOne) {
  TempDir d;
  const auto file = d.Write("w.csv", std::string("text\nwhere is my order\n\"bad\0text\"\nrefund please\n", 48));
  auto r = RunCli({"predict", "--model", Model(), "--data", file.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("w.csv:3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NUL byte"), std::string::npos) << r.err;
  std::filesystem::create_directories(d / "data");
  r = RunCli({"eval", "--model", Model(), "--data", (d / "data").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is a folder"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("cannot tell the file format"), std::string::npos) << r.err;
}

// Issue 26, item 13: --top-k beyond the label count writes the label count.
TEST_F(DataSafetyTest, TopKIsCappedAtTheLabelCount) {
  auto r = RunCli({"predict", "--model", Model(), "--top-k", "1000"}, "where is my order\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string header = r.out.substr(0, r.out.find('\n'));
  const size_t pairs = static_cast<size_t>(std::count(header.begin(), header.end(), ',') + 1) / 2;
  EXPECT_GE(pairs, 2u);
  EXPECT_LE(pairs, 20u) << "capped at the model's labels, not 1,000 column pairs: " << header;
  EXPECT_NE(r.err.find("the model has"), std::string::npos) << r.err;
}

// Issue 26, item 13: a finding under the tolerance is a warning named by its check, not
// "warning: data error"; select's notes are notes, not "warning: note:".
TEST_F(DataSafetyTest, WarningsSayWhatTheyAreOnce) {
  TempDir d;
  std::string csv = SyntheticIntentCsv(4000, 5, 4);  // 2 conflicting rows: 0.05%, under the 0.1% tolerance
  csv += "\"has my parcel gone through\",returns,chat,2026-01-10T10:00:00Z\n"
         "\"has my parcel gone through\",shipping,chat,2026-01-11T10:00:00Z\n";
  const auto train = d.Write("train.csv", csv);
  auto r = RunCli({"train", "--data", train.string(), "--text-column", "text", "--label-column", "intent", "--epochs",
                   "1", "--threads", "1", "--out", (d / "run").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: [conflicting_labels]"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("warning: data error"), std::string::npos) << r.err;
}

TEST_F(DataSafetyTest, SplitsThatAreTheSameDataAreErrors) {
  TempDir d;
  // The same file, however its path is written.
  const auto same_fixed = d.Write("same.yaml", "name: safety\ndata:\n  text_column: text\n  label_column: intent\n"
                                               "  train: " + File("train.csv") + "\n  test: " +
                                                   (dir_->path() / "." / "train.csv").string() + "\n");
  for (const auto& args : {std::vector<std::string>{"check-data", "--task", same_fixed.string()},
                           std::vector<std::string>{"train", "--task", same_fixed.string(), "--no-registry", "--out",
                                                    (d / "r").string()}}) {
    const auto r = RunCli(args);
    ExpectRefused(r.exit_code, r.err, "is the same file as data.train");
  }
  EXPECT_FALSE(std::filesystem::exists(d / "r"));
  // Two files holding mostly the same rows.
  const auto copy = d.Write("copy.csv", ReadAll(File("train.csv")));
  const auto shared = d.Write("shared.yaml", "name: safety\ndata:\n  text_column: text\n  label_column: intent\n"
                                             "  train: " + File("train.csv") + "\n  validation: " + copy.string() +
                                                 "\nchecks:\n  label_error_folds: 0\n");
  auto r = RunCli({"check-data", "--task", shared.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("hold mostly the same data"), std::string::npos) << r.out;
  r = RunCli({"train", "--task", shared.string(), "--no-registry", "--out", (d / "r2").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("hold mostly the same data"), std::string::npos) << r.err;
}

TEST_F(DataSafetyTest, AHeaderOnlyFileIsAnErrorInCheckDataAndTrain) {
  TempDir d;
  const auto empty = d.Write("empty.csv", "text,intent\n");
  for (const auto& args :
       {std::vector<std::string>{"check-data", "--data", empty.string(), "--text-column", "text", "--label-column",
                                 "intent"},
        std::vector<std::string>{"train", "--data", empty.string(), "--text-column", "text", "--label-column",
                                 "intent", "--no-registry", "--out", (d / "r").string()}}) {
    const auto r = RunCli(args);
    ExpectRefused(r.exit_code, r.err, "has no rows");
  }
}

TEST_F(DataSafetyTest, GateRefusesAModelOfAnotherTask) {
  TempDir d;
  const auto r0 = RunCli({"train", "--data", File("train.csv"), "--text-column", "text", "--label-column", "intent",
                          "--epochs", "1", "--threads", "1", "--no-registry", "--quiet", "--allow-data-errors",
                          "--out", (d / "other").string()});
  ASSERT_EQ(r0.exit_code, 0) << r0.err;
  const std::string other = (d / "other/model.bin").string();
  const std::string registry = (d / "registry.db").string();
  auto r = RunCli({"gate", "--task", Task(), "--candidate", other, "--registry", registry});
  ExpectRefused(r.exit_code, r.err, "--candidate " + other + ": this model was trained for task \"train\"");
  r = RunCli({"gate", "--task", Task(), "--candidate", Model(), "--baseline", other, "--registry", registry});
  ExpectRefused(r.exit_code, r.err, "--baseline " + other + ": this model was trained for task \"train\"");
}

}  // namespace
}  // namespace trainops
