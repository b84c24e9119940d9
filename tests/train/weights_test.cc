// Per-row training weights (data.weight_column, docs/task_spec.md): the optimizer's
// importance-weighted update, a column of only 1s training exactly the unweighted model
// (in memory and streamed), run.json's record of the weights, and exact resume.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "model/model_io.h"
#include "test_support.h"
#include "train/full_and_killed_runs.h"
#include "train/sgd_engine.h"
#include "train/train_run.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;
using testing::TrainFullAndKilled;

// --- The optimizer ---------------------------------------------------------------------

struct OneExample {
  Model model;
  OptimizerState state;
  EncodedData data;
  Hyperparameters hp;
};

// A 3-feature, 3-label model and one example of label 1 with the given weight.
OneExample MakeOneExample(ModelType type, float weight) {
  OneExample s;
  s.hp.type = type;
  s.hp.dim = 8;
  s.hp.epochs = 1;
  s.hp.learning_rate = 0.3f;
  s.hp.l2 = 1e-6f;
  s.hp.seed = 7;
  s.model.info.type = type;
  s.model.info.labels = {"a", "b", "c"};
  s.model.vocab.Assign({10, 20, 30});
  s.model.idf.assign(3, 1.0f);
  InitializeWeights(s.hp, s.model, s.state);
  s.data.rows = {0, 2};
  s.data.values = {0.6f, 0.8f};
  s.data.offsets = {0, 2};
  s.data.labels = {1};
  s.data.coverage = {1.0f};
  s.data.weights = {weight};
  return s;
}

// One update on the example; returns its loss.
double TrainOnce(OneExample& s) {
  SgdEngine engine(s.model, s.state, s.data, s.hp);
  return engine.Run({0}, 0, 1, 0, 10, 1);
}

float GoldProbability(const OneExample& s) {
  std::vector<float> hidden, probs;
  s.model.Logits(s.data.rows.data(), s.data.values.data(), s.data.rows.size(), hidden, probs);
  s.model.Softmax(probs, 1.0f);
  return probs[1];
}

class WeightedUpdateTest : public ::testing::TestWithParam<ModelType> {};

TEST_P(WeightedUpdateTest, AWeightOfFiveMovesTheModelMoreThanOne) {
  OneExample once = MakeOneExample(GetParam(), 1.0f), five = MakeOneExample(GetParam(), 5.0f);
  const float before = GoldProbability(once);
  const double loss_once = TrainOnce(once);
  const double loss_five = TrainOnce(five);
  EXPECT_GT(GoldProbability(once), before);
  EXPECT_GT(GoldProbability(five), GoldProbability(once) + 0.01f);
  EXPECT_NEAR(loss_five, 5 * loss_once, 1e-6) << "the reported loss is weighted too";
}

TEST_P(WeightedUpdateTest, AWeightOfOneIsTheUnweightedUpdateExactly) {
  OneExample weighted = MakeOneExample(GetParam(), 1.0f), plain = MakeOneExample(GetParam(), 1.0f);
  plain.data.weights.clear();
  EXPECT_EQ(TrainOnce(weighted), TrainOnce(plain));
  EXPECT_EQ(weighted.model.input, plain.model.input);
  EXPECT_EQ(weighted.model.output, plain.model.output);
  EXPECT_EQ(weighted.model.bias, plain.model.bias);
  EXPECT_EQ(weighted.state.input, plain.state.input);
  EXPECT_EQ(weighted.state.bias, plain.state.bias);
}

TEST_P(WeightedUpdateTest, AWeightOfZeroSkipsTheRow) {
  OneExample zero = MakeOneExample(GetParam(), 0.0f), untouched = MakeOneExample(GetParam(), 0.0f);
  EXPECT_EQ(TrainOnce(zero), 0.0);
  EXPECT_EQ(zero.model.input, untouched.model.input);
  EXPECT_EQ(zero.model.bias, untouched.model.bias);
  EXPECT_EQ(zero.state.bias, untouched.state.bias);
}

TEST_P(WeightedUpdateTest, TheAccumulatorGrowsByTheWeightTimesTheSquaredGradient) {
  OneExample once = MakeOneExample(GetParam(), 1.0f), three = MakeOneExample(GetParam(), 3.0f);
  TrainOnce(once);
  TrainOnce(three);
  for (size_t k = 0; k < once.state.bias.size(); ++k) {
    const float squared = once.state.bias[k] - kInitialAccumulator;
    EXPECT_NEAR(three.state.bias[k] - kInitialAccumulator, 3 * squared, 1e-5f) << "label " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(BothModels, WeightedUpdateTest, ::testing::Values(ModelType::kLinear, ModelType::kEmbedding),
                         [](const auto& info) { return std::string(ModelTypeName(info.param)); });

// --- Whole runs ------------------------------------------------------------------------

// The CSV with a `weight` column: `weight_of(i)` for data row i ("" leaves the cell empty).
std::string WithWeights(const std::string& csv, const std::function<std::string(size_t)>& weight_of) {
  std::istringstream in(csv);
  std::string line, out;
  std::getline(in, line);
  out = line + ",weight\n";
  for (size_t i = 0; std::getline(in, line); ++i) out += line + "," + weight_of(i) + "\n";
  return out;
}

TaskSpec WeightSpec(const TempDir& dir, const std::string& file, const std::string& train_csv) {
  TaskSpec spec;
  spec.data.train = dir.Write(file, train_csv);
  spec.data.validation = dir.Write("valid.csv", SyntheticIntentCsv(150, 2));
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.training.epochs = 3;
  spec.checkpoints.patience = 0;
  spec.threads = 1;
  return spec;
}

nlohmann::json RunJson(const std::filesystem::path& dir) { return nlohmann::json::parse(ReadAll(dir / "run.json")); }

// model.bin without its lineage (which names the training file and its fingerprint, and so
// differs between two files): the bytes of everything training computed.
std::string TrainedBytes(const TempDir& dir, const std::string& run) {
  Model model = LoadModel(dir / run / "model.bin");
  model.info.lineage = nlohmann::json::object();
  const std::filesystem::path copy = dir / (run + "-no-lineage.bin");
  SaveModel(model, copy);
  return ReadAll(copy);
}

class AllOnesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AllOnesTest, AColumnOfOnesTrainsExactlyTheUnweightedModel) {
  TempDir dir;
  const std::string csv = SyntheticIntentCsv(3000, 1);
  TaskSpec plain = WeightSpec(dir, "train.csv", csv);
  plain.training.streaming = GetParam();
  plain.training.memory_mb = 1;  // streamed: windows of one block
  plain.model.max_features = 1000000;  // its own cap, not the tiny budget's
  RunTraining(plain, dir / "plain", {});
  TaskSpec ones = plain;
  // Ones written several ways, and empty cells, all mean 1.
  ones.data.train = dir.Write("ones.csv", WithWeights(csv, [](size_t i) {
    return std::string(i % 4 == 0 ? "1" : i % 4 == 1 ? "1.0" : i % 4 == 2 ? "" : "1e0");
  }));
  ones.data.weight_column = "weight";
  RunTraining(ones, dir / "ones", {});
  EXPECT_EQ(TrainedBytes(dir, "ones"), TrainedBytes(dir, "plain"));
  const nlohmann::json train = RunJson(dir / "ones")["data"]["train"];
  EXPECT_EQ(train["weight_column"], "weight");
  EXPECT_EQ(train["weighted_rows"], 0);
  EXPECT_EQ(train["weight_sum"].get<double>(), 3000.0);
  EXPECT_FALSE(RunJson(dir / "plain")["data"]["train"].contains("weight_column"));
  if (GetParam() == "on") EXPECT_TRUE(RunJson(dir / "ones")["streaming"].is_object());
}

INSTANTIATE_TEST_SUITE_P(InMemoryAndStreamed, AllOnesTest, ::testing::Values("off", "on"),
                         [](const auto& info) { return info.param == "on" ? "Streamed" : "InMemory"; });

// Trains on the synthetic data plus one odd row whose text nothing else has, weighted
// `weight`; returns the probability (temperature 1) the model gives its label there.
float OddRowProbability(const TempDir& dir, const std::string& name, const std::string& weight,
                        const std::string& streaming) {
  const std::string csv = SyntheticIntentCsv(600, 1) + "\"zorblax quintet\",payment,chat,2026-01-10T10:00:00Z\n";
  const size_t odd = 600;
  TaskSpec spec =
      WeightSpec(dir, name + ".csv", WithWeights(csv, [&](size_t i) { return i == odd ? weight : std::string(); }));
  spec.data.weight_column = "weight";
  spec.training.streaming = streaming;
  RunTraining(spec, dir / name, {});
  Model model = LoadModel(dir / name / "model.bin");
  Model::Scratch scratch;
  SparseVector x;
  model.Encode("zorblax quintet", scratch, x);
  std::vector<float> hidden, probs;
  model.Logits(x, hidden, probs);
  model.Softmax(probs, 1.0f);
  const auto& labels = model.info.labels;
  return probs[static_cast<size_t>(std::find(labels.begin(), labels.end(), "payment") - labels.begin())];
}

TEST(WeightedRunTest, AHeavierRowIsLearnedMoreStronglyInMemoryAndStreamed) {
  TempDir dir;
  for (const std::string streaming : {"off", "on"}) {
    const float light = OddRowProbability(dir, "light-" + streaming, "1", streaming);
    const float heavy = OddRowProbability(dir, "heavy-" + streaming, "5", streaming);
    EXPECT_GT(heavy, light + 0.02f) << "streaming " << streaming;
  }
  for (const char* run : {"heavy-off", "heavy-on"}) {
    const nlohmann::json train = RunJson(dir / run)["data"]["train"];
    EXPECT_EQ(train["weighted_rows"], 1) << run;
    EXPECT_EQ(train["weight_sum"].get<double>(), 600 + 5.0) << run;
  }
}

TEST(WeightedRunTest, KilledThenResumedWeightedRunMatchesUninterruptedRun) {
  TempDir dir;
  dir.Write("train.csv", WithWeights(SyntheticIntentCsv(600, 1), [](size_t i) {
    return std::to_string(i % 5) + ".5";  // 0.5 to 4.5: every row weighted
  }));
  dir.Write("valid.csv", SyntheticIntentCsv(150, 2));
  std::vector<std::string> args = {"train", "--data", (dir / "train.csv").string(), "--validation",
                                   (dir / "valid.csv").string(), "--text-column", "text", "--label-column",
                                   "intent", "--weight-column", "weight", "--epochs", "6", "--threads", "1",
                                   "--patience", "0", "--quiet", "--no-registry"};
  auto [full, killed] = TrainFullAndKilled(args, dir.path(), 4);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  auto resumed = RunCli({"train", "--resume", (dir / "killed").string(), "--no-registry"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming from step-"), std::string::npos) << resumed.err;
  EXPECT_EQ(ReadAll(dir / "killed/model.bin"), ReadAll(dir / "full/model.bin"));
  EXPECT_EQ(RunJson(dir / "full")["data"]["train"]["weight_column"], "weight");
  EXPECT_EQ(RunJson(dir / "full")["data"]["train"]["weighted_rows"], 600);
}

}  // namespace
}  // namespace trainops
