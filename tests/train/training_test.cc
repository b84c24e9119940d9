#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/model_io.h"
#include "test_support.h"
#include "train/checkpoint.h"
#include "train/full_and_killed_runs.h"
#include "train/split.h"
#include "train/train_run.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;
using testing::TrainFullAndKilled;

TaskSpec SyntheticSpec(const TempDir& dir, int epochs = 6) {
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", SyntheticIntentCsv(600, 1));
  spec.data.validation = dir.Write("valid.csv", SyntheticIntentCsv(150, 2));
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.training.epochs = epochs;
  spec.checkpoints.patience = 0;
  spec.threads = 1;
  return spec;
}

std::vector<nlohmann::json> MetricsLines(const std::filesystem::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(TrainingTest, WritesModelCheckpointsMetricsAndRunRecord) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir);
  spec.checkpoints.keep_last = 2;
  spec.model.ensemble = "none";  // (the default) the shipped weights are the best checkpoint's (below)
  TrainOutcome outcome = RunTraining(spec, dir / "run", {});
  ASSERT_TRUE(std::filesystem::exists(dir / "run/model.bin"));
  auto lines = MetricsLines(dir / "run/metrics.jsonl");
  ASSERT_EQ(lines.size(), 6u);
  for (const char* key : {"step", "epoch", "elapsed_seconds", "train_loss", "validation_loss",
                          "validation_metric", "learning_rate"}) {
    EXPECT_TRUE(lines[0].contains(key)) << key;
  }
  EXPECT_LT(lines.back()["train_loss"].get<double>(), lines.front()["train_loss"].get<double>());
  nlohmann::json run = nlohmann::json::parse(ReadAll(dir / "run/run.json"));
  for (const char* key : {"spec", "data", "chosen_checkpoint", "validation_metric", "wall_seconds",
                          "examples_per_second", "hyperparameters"}) {
    EXPECT_TRUE(run.contains(key)) << key;
  }
  EXPECT_TRUE(run["data"]["train"]["fingerprint"].get<std::string>().starts_with("xxh3:"));
  EXPECT_GT(run["validation_metric"].get<double>(), 0.8);
  // Where the time went: every phase, none negative, together (about) the run's wall time.
  double phases = 0;
  for (const char* phase : {"features", "training", "ensemble", "calibration", "writing_model"}) {
    ASSERT_TRUE(run["phase_seconds"].contains(phase)) << phase;
    EXPECT_GE(run["phase_seconds"][phase].get<double>(), 0.0) << phase;
    phases += run["phase_seconds"][phase].get<double>();
  }
  EXPECT_LE(phases, run["wall_seconds"].get<double>());
  EXPECT_GE(phases, 0.9 * run["wall_seconds"].get<double>());
  // The best checkpoint plus the last two are kept, nothing else.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "run/checkpoints")) {
    EXPECT_TRUE(e.path().extension() == ".ckpt") << e.path();
    ++files;
  }
  EXPECT_LE(files, 3u);
  EXPECT_TRUE(std::filesystem::exists(dir / "run" / run["chosen_checkpoint"]["file"].get<std::string>()));
  // The selected model is the best checkpoint's weights.
  Model model = LoadModel(dir / "run/model.bin");
  Model best = ReadCheckpoint(dir / "run" / run["chosen_checkpoint"]["file"].get<std::string>()).model;
  EXPECT_EQ(model.input, QuantizeRoundTrip(best.input, best.dim));
  EXPECT_GT(model.info.temperature, 0.0f);
}

// model.ensemble: embedding (opt-in): an embedding model trained on the same rows is
// folded into the shipped linear model (train/embedding_companion.h). The file is still a
// linear model of the same shape, its weights are no longer the selected checkpoint's, and
// run.json says what each part scored.
TEST(TrainingTest, TheEmbeddingCompanionIsFoldedIntoTheShippedLinearModel) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir);
  EXPECT_EQ(spec.model.ensemble, "none") << "the default";
  spec.model.ensemble = "embedding";
  TrainOutcome outcome = RunTraining(spec, dir / "run", {});
  const nlohmann::json run = nlohmann::json::parse(ReadAll(dir / "run/run.json"));
  ASSERT_EQ(run["ensemble"]["companion"], "embedding") << run["ensemble"].dump();
  EXPECT_EQ(run["ensemble"]["hyperparameters"]["model"], "embedding");
  EXPECT_EQ(run["ensemble"]["hyperparameters"]["dim"], spec.model.dim);
  EXPECT_NE(run["ensemble"]["hyperparameters"]["seed"], run["hyperparameters"]["seed"]);
  for (const char* part : {"linear", "embedding", "ensemble"}) {
    EXPECT_GT(run["ensemble"]["validation_accuracy"][part].get<double>(), 0.8) << part;
  }
  EXPECT_GT(run["phase_seconds"]["ensemble"].get<double>(), 0.0);
  const Model model = LoadModel(dir / "run/model.bin");
  EXPECT_EQ(model.info.type, ModelType::kLinear);
  EXPECT_EQ(model.dim, model.num_labels());
  EXPECT_TRUE(model.output.empty());
  const Model best = ReadCheckpoint(dir / "run" / run["chosen_checkpoint"]["file"].get<std::string>()).model;
  ASSERT_EQ(model.input.size(), best.input.size());
  EXPECT_NE(model.input, QuantizeRoundTrip(best.input, best.dim));

  // The same spec with model.ensemble none ships the selected checkpoint alone; one thread,
  // so both runs' linear parts are the same and only the companion differs.
  spec.model.ensemble = "none";
  RunTraining(spec, dir / "alone", {});
  const nlohmann::json alone = nlohmann::json::parse(ReadAll(dir / "alone/run.json"));
  EXPECT_EQ(alone["ensemble"]["companion"], "none");
  EXPECT_EQ(alone["ensemble"]["why"], "model.ensemble is none");
  EXPECT_EQ(alone["chosen_checkpoint"]["step"], run["chosen_checkpoint"]["step"]);
  EXPECT_EQ(LoadModel(dir / "alone/model.bin").input, QuantizeRoundTrip(best.input, best.dim));
}

TEST(TrainingTest, RefusesToOverwriteAnExistingRun) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 1);
  RunTraining(spec, dir / "run", {});
  std::string before = ReadAll(dir / "run/model.bin");
  try {
    RunTraining(spec, dir / "run", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos);
  }
  EXPECT_EQ(ReadAll(dir / "run/model.bin"), before);
}

TEST(TrainingTest, OneThreadIsBitForBitDeterministic) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 3);
  RunTraining(spec, dir / "a", {});
  RunTraining(spec, dir / "b", {});
  EXPECT_EQ(ReadAll(dir / "a/model.bin"), ReadAll(dir / "b/model.bin"));
  spec.seed = 43;
  RunTraining(spec, dir / "c", {});
  EXPECT_NE(ReadAll(dir / "a/model.bin"), ReadAll(dir / "c/model.bin"));
}

TEST(TrainingTest, EarlyStoppingHonoursPatience) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 200);
  spec.checkpoints.patience = 2;
  TrainOutcome outcome = RunTraining(spec, dir / "run", {});
  auto lines = MetricsLines(dir / "run/metrics.jsonl");
  EXPECT_LT(lines.size(), 200u);
  EXPECT_NE(outcome.run["stop_reason"].get<std::string>().find("early stop"), std::string::npos);
  // The last `patience` checkpoints did not improve on the best.
  ASSERT_GE(lines.size(), 3u);
  EXPECT_FALSE(lines[lines.size() - 1]["best"].get<bool>());
  EXPECT_FALSE(lines[lines.size() - 2]["best"].get<bool>());
}

// A run of `epochs` epochs (no early stop) whose output is damaged by `sabotage` at
// checkpoint `at`: the error it failed with ("" when it succeeded) and the checkpoints it reached.
struct SabotagedRun {
  std::string error;
  int checkpoints = 0;
};
SabotagedRun TrainWithSabotageAt(const TempDir& dir, int epochs, int at, const std::function<void()>& sabotage) {
  TaskSpec spec = SyntheticSpec(dir, epochs);
  spec.checkpoints.patience = 0;
  TrainCallbacks callbacks;
  SabotagedRun run;
  callbacks.on_checkpoint = [&](const nlohmann::json&) {
    if (++run.checkpoints == at) sabotage();
  };
  try {
    RunTraining(spec, dir / "run", callbacks);
  } catch (const std::exception& e) {
    run.error = e.what();
  }
  return run;
}

// metrics.jsonl is written in the background (train_run_execute.cc): a write that fails
// must still fail the run, not vanish with its thread. From the second checkpoint on, the
// file's name is taken by a non-empty folder, so the rename that installs the next version
// cannot succeed.
TEST(TrainingTest, AFailedMetricsWriteFailsTheRun) {
  TempDir dir;
  const std::filesystem::path metrics = dir / "run/metrics.jsonl";
  const SabotagedRun run = TrainWithSabotageAt(dir, 6, 2, [&] {
    std::error_code ec;
    std::filesystem::remove(metrics, ec);
    std::filesystem::create_directories(metrics / "taken", ec);
  });
  ASSERT_FALSE(run.error.empty()) << "the run succeeded without its metrics file";
  EXPECT_NE(run.error.find("metrics.jsonl"), std::string::npos) << run.error;
  EXPECT_GE(run.checkpoints, 2);
}

// A small run's last checkpoint file is still being written when training ends (it is
// waited for after calibration): its failure must still fail the run, before model.bin.
TEST(TrainingTest, AFailedLastCheckpointWriteFailsTheRunAndWritesNoModel) {
  TempDir dir;
  const std::filesystem::path folder = dir / "run/checkpoints";
  const SabotagedRun run = TrainWithSabotageAt(dir, 2, 1, [&] {
    // From here on no checkpoint file can be written: a file stands where the folder was.
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
    std::ofstream(folder) << "not a folder";
  });
  ASSERT_FALSE(run.error.empty()) << "the run succeeded without its checkpoint files";
  EXPECT_NE(run.error.find("checkpoints"), std::string::npos) << run.error;
  EXPECT_GE(run.checkpoints, 1);  // checkpoint 1's own write may be the one that failed
  EXPECT_FALSE(std::filesystem::exists(dir / "run/model.bin"));
}

TEST(TrainingTest, CheckpointsEveryNUpdates) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 2);
  spec.checkpoints.every_updates = 250;
  RunTraining(spec, dir / "run", {});
  auto lines = MetricsLines(dir / "run/metrics.jsonl");
  // 600 rows x 2 epochs = 1200 updates: checkpoints at 250, 500, 750, 1000 and the end.
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["step"], 250);
  EXPECT_EQ(lines[4]["step"], 1200);
}

TEST(TrainingTest, EmbeddingModelLearns) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 8);
  spec.model.type = ModelType::kEmbedding;
  spec.model.dim = 16;
  TrainOutcome outcome = RunTraining(spec, dir / "run", {});
  EXPECT_GT(outcome.run["validation_metric"].get<double>(), 0.7);
  EXPECT_EQ(LoadModel(dir / "run/model.bin").dim, 16u);
}

TEST(TrainingTest, AutotuneRecordsItsTrials) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 3);
  spec.training.autotune_seconds = 2;
  TrainOutcome outcome = RunTraining(spec, dir / "run", {});
  const auto& tuned = outcome.run["autotune"];
  ASSERT_TRUE(tuned.is_object());
  EXPECT_GE(tuned["trials"].size(), 1u);
  EXPECT_TRUE(tuned.contains("chosen"));
}

TEST(TrainingTest, SplitIsStratifiedAndSeeded) {
  std::vector<Example> examples;
  for (int i = 0; i < 100; ++i) {
    std::string text = "t";  // not "t" + to_string(i): GCC 12 warns falsely (-Wrestrict) on that
    text += std::to_string(i);
    examples.push_back({text, i < 80 ? "a" : "b", {}, "", 0});
  }
  examples.push_back({"lonely", "c", {}, "", 0});
  SplitResult s = StratifiedSplit(examples, 0.1, 7);
  int va = 0, vb = 0;
  for (const auto& e : s.validation) (e.label == "a" ? va : vb) += e.label == "c" ? 0 : 1;
  EXPECT_EQ(va, 8);
  EXPECT_EQ(vb, 2);
  EXPECT_EQ(s.train.size() + s.validation.size(), 101u);
  for (const auto& e : s.validation) EXPECT_NE(e.label, "c");  // single examples stay in train
  SplitResult again = StratifiedSplit(examples, 0.1, 7);
  ASSERT_EQ(again.validation.size(), s.validation.size());
  for (size_t i = 0; i < s.validation.size(); ++i) EXPECT_EQ(again.validation[i].text, s.validation[i].text);
}

// The resume guarantee: a run killed (SIGKILL) in the middle of writing a checkpoint and
// then resumed ends with exactly the model an uninterrupted run produces.
TEST(ResumeTest, KilledMidCheckpointThenResumedMatchesUninterruptedRun) {
  TempDir dir;
  dir.Write("train.csv", SyntheticIntentCsv(600, 1));
  dir.Write("valid.csv", SyntheticIntentCsv(150, 2));
  std::vector<std::string> args = {"train", "--data", (dir / "train.csv").string(), "--validation",
                                   (dir / "valid.csv").string(), "--text-column", "text", "--label-column",
                                   "intent", "--epochs", "6", "--threads", "1", "--patience", "0", "--quiet"};
  auto [full, killed] = TrainFullAndKilled(args, dir.path(), 4);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "killed/model.bin"));
  // The half-written checkpoint exists only as a temporary file.
  bool saw_temp = false;
  for (const auto& e : std::filesystem::directory_iterator(dir / "killed/checkpoints")) {
    saw_temp |= e.path().filename().string().find(".tmp.") != std::string::npos;
  }
  EXPECT_TRUE(saw_temp);

  auto resumed = RunCli({"train", "--resume", (dir / "killed").string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming from step-"), std::string::npos) << resumed.err;
  EXPECT_EQ(ReadAll(dir / "killed/model.bin"), ReadAll(dir / "full/model.bin"));
  EXPECT_EQ(MetricsLines(dir / "killed/metrics.jsonl").size(), 6u);
  for (const auto& e : std::filesystem::directory_iterator(dir / "killed/checkpoints")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "temp file left behind";
  }
}

// A checkpoint whose vocabulary is not the one the data gives on resume (a run started
// by a trainops that chose its features otherwise, here: a saved spec whose cap was
// edited) is refused with what to do, instead of continuing with mismatched weights.
TEST(ResumeTest, ACheckpointOfAnotherVocabularyIsRefused) {
  TempDir dir;
  dir.Write("train.csv", SyntheticIntentCsv(600, 1));
  dir.Write("valid.csv", SyntheticIntentCsv(150, 2));
  std::vector<std::string> args = {"train", "--data", (dir / "train.csv").string(), "--validation",
                                   (dir / "valid.csv").string(), "--text-column", "text", "--label-column",
                                   "intent", "--epochs", "6", "--threads", "1", "--patience", "0", "--quiet",
                                   "--max-features", "200"};
  auto [full, killed] = TrainFullAndKilled(args, dir.path(), 4);
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  const auto config = dir / "killed/train_config.json";
  nlohmann::json j = nlohmann::json::parse(ReadAll(config));
  std::string yaml = j["spec_yaml"];
  const size_t at = yaml.find("max_features: 200");
  ASSERT_NE(at, std::string::npos) << yaml;
  yaml.replace(at, std::string("max_features: 200").size(), "max_features: 0");
  j["spec_yaml"] = yaml;
  dir.Write("killed/train_config.json", j.dump(2));
  auto resumed = RunCli({"train", "--resume", (dir / "killed").string()});
  EXPECT_EQ(resumed.exit_code, 2) << resumed.err;
  EXPECT_NE(resumed.err.find("the checkpoint has weights for 200 features"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("--max-features 200"), std::string::npos) << resumed.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "killed/model.bin"));
}

TEST(ResumeTest, DamagedNewestCheckpointFallsBackToThePreviousOne) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 4);
  spec.checkpoints.keep_last = 4;
  RunTraining(spec, dir / "run", {});
  std::string reference = ReadAll(dir / "run/model.bin");
  // Damage the newest checkpoint and drop the finished model: as if the crash came late.
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir / "run/checkpoints")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  {
    std::fstream f(files.back(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('X');
  }
  std::filesystem::remove(dir / "run/model.bin");
  std::vector<std::string> messages;
  TrainCallbacks callbacks;
  callbacks.info = [&](const std::string& m) { messages.push_back(m); };
  ResumeTraining(dir / "run", 0, callbacks);
  EXPECT_EQ(ReadAll(dir / "run/model.bin"), reference);
  bool warned = false;
  for (const auto& m : messages) warned |= m.find("skipping damaged checkpoint") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(ResumeTest, RefusesWhenTheDataChanged) {
  TempDir dir;
  TaskSpec spec = SyntheticSpec(dir, 2);
  RunTraining(spec, dir / "run", {});
  dir.Write("train.csv", SyntheticIntentCsv(600, 99));
  try {
    ResumeTraining(dir / "run", 0, {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("changed since the run started"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainops
