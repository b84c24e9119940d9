// Hyper-parameters: resolution of unset parameters per model type, and the JSON of run.json,
// train_config.json and model files (generated from the parameter table) including files
// written before the table existed.
#include "train/hyperparameters.h"

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "task/parameters.h"
#include "test_support.h"
#include "train/train_run.h"

namespace trainops {
namespace {

TEST(HyperparametersTest, UnsetParametersTakeTheirModelTypesDefaults) {
  TaskSpec spec;
  Hyperparameters linear = ResolveHyperparameters(spec);
  EXPECT_EQ(linear.epochs, 20);
  EXPECT_FLOAT_EQ(linear.learning_rate, 0.3f);
  EXPECT_FLOAT_EQ(linear.l2, 1e-6f);
  spec.model.type = ModelType::kEmbedding;
  Hyperparameters embedding = ResolveHyperparameters(spec);
  EXPECT_EQ(embedding.epochs, 25);
  EXPECT_FLOAT_EQ(embedding.learning_rate, 0.2f);
  EXPECT_EQ(embedding.features, FeatureConfig{});
  // Set values win, zero included where zero is a real value.
  spec.training.epochs = 3;
  spec.training.l2 = 0.0;
  Hyperparameters set = ResolveHyperparameters(spec);
  EXPECT_EQ(set.epochs, 3);
  EXPECT_EQ(set.l2, 0.0f);
}

TEST(HyperparametersTest, JsonRoundTripsAndHasTheTablesKeys) {
  TaskSpec spec;
  spec.model.type = ModelType::kEmbedding;
  spec.model.dim = 64;
  spec.training.learning_rate = 0.15;
  spec.seed = 18446744073709551615ull;
  const Hyperparameters h = ResolveHyperparameters(spec);
  const nlohmann::json j = h.ToJson();
  for (const Parameter& p : Parameters()) {
    if (!p.json_key.empty()) {
      EXPECT_TRUE(j.contains(p.json_key)) << p.json_key;
    }
  }
  EXPECT_EQ(j["model"], "embedding");
  EXPECT_EQ(j["dim"], 64);
  EXPECT_EQ(j["seed"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(j["feature_norm"], "joint");  // the default
  const Hyperparameters back = Hyperparameters::FromJson(j);
  EXPECT_EQ(back.ToJson(), j);
  EXPECT_EQ(back.learning_rate, h.learning_rate);
}

TEST(HyperparametersTest, JsonWrittenBeforeTheTableStillLoads) {
  // The `hyperparameters` of a run.json written by the previous release (char n-grams 2..5,
  // an autotuned l2 of 0 and char n-grams off in the second).
  const auto old = nlohmann::json::parse(R"({"buckets":4194304,"char_ngram_max":5,"char_ngram_min":2,"dim":100,
      "epochs":20,"l2":9.999999974752427e-07,"learning_rate":0.30000001192092896,"min_count":1,
      "model":"linear","seed":42,"word_ngrams":2})");
  const Hyperparameters h = Hyperparameters::FromJson(old);
  EXPECT_EQ(h.features.char_ngram_max, 5);
  EXPECT_EQ(h.epochs, 20);
  EXPECT_FLOAT_EQ(h.learning_rate, 0.3f);
  // Those runs normalized each text vector with one norm over all n-grams: a resumed run
  // keeps doing so, and says so now.
  EXPECT_FALSE(h.features.block_norm);
  auto with_norm = old;
  with_norm["feature_norm"] = "joint";
  EXPECT_EQ(h.ToJson(), with_norm);
  auto tuned = with_norm;
  tuned["l2"] = 0.0;
  tuned["char_ngram_min"] = 0;
  tuned["char_ngram_max"] = 0;
  EXPECT_EQ(Hyperparameters::FromJson(tuned).ToJson(), tuned);
}

TEST(HyperparametersTest, BadJsonNamesTheKey) {
  auto j = ResolveHyperparameters(TaskSpec{}).ToJson();
  j["epochs"] = 0;
  try {
    Hyperparameters::FromJson(j);
    FAIL() << "epochs 0 was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("\"epochs\" (training.epochs): got \"0\""), std::string::npos) << e.what();
  }
  j["epochs"] = "many";
  EXPECT_THROW(Hyperparameters::FromJson(j), InputError);
}

// A run folder written before the table saved its unset hyper-parameters as
// `epochs: 0`, `learning_rate: 0`, `l2: -1` in train_config.json's spec; it still resumes.
TEST(HyperparametersTest, RunStartedBeforeTheTableResumes) {
  testing::TempDir dir;
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", testing::SyntheticIntentCsv(300, 1));
  spec.data.validation = dir.Write("valid.csv", testing::SyntheticIntentCsv(80, 2));
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.checkpoints.patience = 0;
  spec.threads = 1;
  spec.training.epochs = 2;
  RunTraining(spec, dir / "run", {});
  const std::string reference = testing::ReadAll(dir / "run/model.bin");
  auto config = nlohmann::json::parse(testing::ReadAll(dir / "run/train_config.json"));
  std::string yaml = config["spec_yaml"].get<std::string>();
  const size_t training = yaml.find("training:\n");
  ASSERT_NE(training, std::string::npos) << yaml;
  const size_t epochs = yaml.find("  epochs: 2\n", training);
  ASSERT_NE(epochs, std::string::npos) << yaml;
  yaml.replace(epochs, std::string("  epochs: 2\n").size(), "  epochs: 0\n  learning_rate: 0\n  l2: -1\n");
  config["spec_yaml"] = yaml;
  WriteFileAtomically(dir / "run/train_config.json", config.dump(2));
  std::filesystem::remove_all(dir / "run/checkpoints");
  std::filesystem::create_directories(dir / "run/checkpoints");
  std::filesystem::remove(dir / "run/model.bin");
  ResumeTraining(dir / "run", 0, {});
  // The hyper-parameters come from the config's JSON (epochs 2), not the spec's markers.
  EXPECT_EQ(testing::ReadAll(dir / "run/model.bin"), reference);
}

}  // namespace
}  // namespace trainops
