// What training records about its validation rows: the model file's reference statistics,
// the threshold-only out-of-scope set-up (the oos label only in validation) and the guarded
// temperature fit with its run.json record.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eval/calibration.h"
#include "model/model_io.h"
#include "test_support.h"
#include "text/feature_hash.h"
#include "train/train_run.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::SyntheticIntentCsv;
using testing::TempDir;

// Out-of-scope texts: words none of the synthetic intents use.
std::string OosRows(size_t rows) {
  static const char* kWords[] = {"weather", "paris", "recipe", "pasta", "senate", "vote", "guitar", "chord",
                                 "planet", "orbit", "poem", "rhyme", "stock", "market", "movie", "actor"};
  std::mt19937_64 rng(7);
  std::string csv;
  for (size_t i = 0; i < rows; ++i) {
    std::string text;
    for (int w = 0; w < 4; ++w) text += std::string(w ? " " : "") + kWords[rng() % 16];
    csv += fmt::format("\"{}\",oos,chat,2026-03-1{}T10:00:00Z\n", text, i % 10);
  }
  return csv;
}

std::vector<nlohmann::json> MetricsLines(const std::filesystem::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

size_t IndexOf(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

// Top calibrated probability of a text under the model's temperature.
float Confidence(const Model& model, std::string_view text) {
  Model::Scratch scratch;
  SparseVector x;
  model.Encode(text, scratch, x);
  std::vector<float> hidden, logits;
  model.Logits(x, hidden, logits);
  model.Softmax(logits, model.info.temperature);
  return *std::max_element(logits.begin(), logits.end());
}

TEST(ReferenceStatsTrainingTest, ModelFileCarriesStatisticsOfTheValidationRows) {
  TempDir dir;
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", SyntheticIntentCsv(600, 1));
  const std::string validation_csv = SyntheticIntentCsv(150, 2);
  spec.data.validation = dir.Write("valid.csv", validation_csv);
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.training.epochs = 5;
  spec.threads = 1;
  TrainOutcome out = RunTraining(spec, dir / "run", {});
  const Model model = LoadModel(out.model_path);
  ASSERT_TRUE(model.reference_stats.has_value());
  const ReferenceStats& s = *model.reference_stats;
  EXPECT_EQ(s.rows, 150u);
  ASSERT_GE(s.labels.size(), model.num_labels());
  EXPECT_TRUE(std::equal(model.info.labels.begin(), model.info.labels.end(), s.labels.begin()));
  // The label prior is the validation file's.
  for (const char* intent : {"returns", "shipping", "sizing", "payment"}) {
    size_t expected = 0;
    for (size_t at = validation_csv.find(std::string(",") + intent + ","); at != std::string::npos;
         at = validation_csv.find(std::string(",") + intent + ",", at + 1)) {
      ++expected;
    }
    EXPECT_EQ(s.label_counts[IndexOf(s.labels, intent)], expected) << intent;
  }
  for (const Histogram* h : {&s.top_confidence, &s.top_two_margin, &s.feature_coverage, &s.text_length, &s.oov_rate}) {
    EXPECT_EQ(h->Total(), 150u);
  }
  // Validation shares its vocabulary with train: nearly every word is known.
  EXPECT_GT(s.word_tokens, 450u);
  EXPECT_LT(static_cast<double>(s.oov_tokens), 0.02 * static_cast<double>(s.word_tokens));
  EXPECT_TRUE(s.train_words.MayContain(text_internal::HashToken("delivery")));
  // A trained model is confident on most in-scope rows.
  EXPECT_GT(s.top_confidence.counts.back() + s.top_confidence.counts[18] + s.top_confidence.counts[17], 50u);

  const auto run = nlohmann::json::parse(ReadAll(dir / "run" / "run.json"));
  EXPECT_EQ(run["reference_stats"]["rows"], 150);
  EXPECT_EQ(run["reference_stats"]["train_distinct_words"], s.train_words.distinct_words);
  EXPECT_EQ(run["calibration"]["rows"], 150);
  EXPECT_FLOAT_EQ(run["calibration"]["temperature"].get<float>(), model.info.temperature);
}

TEST(ReferenceStatsTrainingTest, OosLabelOnlyInValidationTunesTheThresholdWithoutBeingAClass) {
  TempDir dir;
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", SyntheticIntentCsv(600, 1));
  spec.data.validation = dir.Write("valid.csv", SyntheticIntentCsv(150, 2) + OosRows(40));
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.training.epochs = 5;
  spec.threads = 1;
  spec.oos_label = "oos";
  TrainOutcome out = RunTraining(spec, dir / "run", {});
  const Model model = LoadModel(out.model_path);
  EXPECT_EQ(model.num_labels(), 4u);
  EXPECT_EQ(IndexOf(model.info.labels, "oos"), model.num_labels());
  EXPECT_EQ(model.info.oos_label, "oos");
  EXPECT_GT(model.info.reject_threshold, 0.0f);

  const auto run = nlohmann::json::parse(ReadAll(dir / "run" / "run.json"));
  const auto& rejection = run["rejection"];
  EXPECT_EQ(rejection["validation_oos_rows"], 40);
  EXPECT_EQ(rejection["threshold_only_oos_rows"], 40);
  EXPECT_EQ(rejection["oos_label_is_class"], false);
  EXPECT_EQ(rejection["rule"], "balanced");  // auto, with out-of-scope rows to balance
  EXPECT_GT(rejection["validation_oos_recall"].get<double>(), 0.8);
  // Checkpoints are chosen on in-scope rows only: with the 40 unanswerable rows counted,
  // accuracy could not exceed 150 / 190 = 0.79.
  const auto lines = MetricsLines(dir / "run" / "metrics.jsonl");
  ASSERT_FALSE(lines.empty());
  EXPECT_GT(lines.back()["validation_accuracy"].get<double>(), 0.85);
  EXPECT_EQ(run["calibration"]["rows"], 150);

  ASSERT_TRUE(model.reference_stats.has_value());
  const ReferenceStats& s = *model.reference_stats;
  EXPECT_EQ(s.rows, 190u);
  const size_t oos = IndexOf(s.labels, "oos");
  ASSERT_LT(oos, s.labels.size());
  EXPECT_EQ(s.label_counts[oos], 40u);
  EXPECT_GT(s.predicted_counts[oos], 30u);  // rejected texts are answered with the oos label
  // Out-of-scope words were never trained on: the OOV histogram's top bin holds them.
  EXPECT_GE(s.oov_rate.counts.back(), 40u);
}

// 30 validation rows, every one classified correctly: the unguarded fit collapsed to
// T = 0.12 on such a set and gibberish came out near-certain.
TEST(ReferenceStatsTrainingTest, TinySeparableValidationKeepsTheTemperatureSane) {
  static const char* kWords[][5] = {{"alpha", "apple", "anchor", "arrow", "amber"},
                                    {"bravo", "banana", "bottle", "button", "bridge"},
                                    {"charlie", "cherry", "candle", "castle", "copper"}};
  static const char* kLabels[] = {"a", "b", "c"};
  auto rows = [&](size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string csv = "text,label\n";
    for (size_t i = 0; i < n; ++i) {
      const size_t label = i % 3;
      std::string text;
      for (int w = 0; w < 4; ++w) text += std::string(w ? " " : "") + kWords[label][rng() % 5];
      csv += fmt::format("{},{}\n", text, kLabels[label]);
    }
    return csv;
  };
  TempDir dir;
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", rows(270, 1));
  spec.data.validation = dir.Write("valid.csv", rows(30, 2));
  spec.training.epochs = 10;
  spec.threads = 1;
  TrainOutcome out = RunTraining(spec, dir / "run", {});
  const Model model = LoadModel(out.model_path);
  const auto run = nlohmann::json::parse(ReadAll(dir / "run" / "run.json"));
  EXPECT_EQ(run["chosen_checkpoint"]["validation_accuracy"], 1.0);
  const auto& calibration = run["calibration"];
  EXPECT_EQ(calibration["rows"], 30);
  EXPECT_EQ(calibration["errors"], 0);
  EXPECT_EQ(calibration["fitted"], false);
  EXPECT_EQ(calibration["method"], "none");
  EXPECT_EQ(calibration["temperature"], 1.0);
  EXPECT_NE(calibration["reason"].get<std::string>().find("fewer than 50"), std::string::npos);
  EXPECT_EQ(model.info.temperature, 1.0f);
  EXPECT_LT(Confidence(model, "qqzx vvwk jjyp"), 0.6f);
  EXPECT_LT(Confidence(model, "asdfgh"), 0.6f);
  // The same model at the collapsed temperature: a few shared character n-grams make it
  // near-certain.
  Model collapsed = model;
  collapsed.info.temperature = 0.12f;
  EXPECT_GT(Confidence(collapsed, "asdfgh"), 0.95f);
  EXPECT_GT(Confidence(model, "alpha apple anchor"), Confidence(model, "qqzx vvwk jjyp"));
}

// Two labels, logits (margin, 0) with gold 0 unless `wrong`: row i is misclassified.
void SeparatedLogits(size_t rows, std::vector<float>& logits, std::vector<uint32_t>& labels,
                     const std::vector<size_t>& wrong = {}) {
  logits.clear();
  labels.clear();
  for (size_t i = 0; i < rows; ++i) {
    logits.insert(logits.end(), {1.0f + 0.1f * static_cast<float>(i % 7), 0.0f});
    labels.push_back(std::find(wrong.begin(), wrong.end(), i) != wrong.end() ? 1 : 0);
  }
}

TEST(TemperatureGuardTest, TooFewRowsKeepTemperatureOne) {
  std::vector<float> logits;
  std::vector<uint32_t> labels;
  SeparatedLogits(30, logits, labels, {3});
  const TemperatureFit fit = FitTemperatureGuarded(logits, labels, 2);
  EXPECT_FALSE(fit.fitted);
  EXPECT_EQ(fit.temperature, 1.0f);
  EXPECT_EQ(fit.rows, 30u);
  EXPECT_EQ(fit.errors, 1u);
  EXPECT_EQ(fit.ToJson()["method"], "none");
}

TEST(TemperatureGuardTest, PerfectlySeparatedRowsKeepTemperatureOne) {
  std::vector<float> logits;
  std::vector<uint32_t> labels;
  SeparatedLogits(500, logits, labels);
  // Unguarded, the likelihood only improves as T shrinks.
  EXPECT_LT(NegativeLogLikelihood(logits, labels, 2, 0.1), NegativeLogLikelihood(logits, labels, 2, 1.0));
  const TemperatureFit fit = FitTemperatureGuarded(logits, labels, 2);
  EXPECT_FALSE(fit.fitted);
  EXPECT_EQ(fit.temperature, 1.0f);
  EXPECT_NE(fit.reason.find("classified correctly"), std::string::npos) << fit.reason;
}

TEST(TemperatureGuardTest, NearlySeparatedRowsStayWithinTheBounds) {
  std::vector<float> logits;
  std::vector<uint32_t> labels;
  SeparatedLogits(60, logits, labels, {0});  // one error, on the smallest margin
  const TemperatureFit fit = FitTemperatureGuarded(logits, labels, 2);
  EXPECT_TRUE(fit.fitted);
  EXPECT_EQ(fit.method, "map_log_normal_prior");
  EXPECT_GE(fit.temperature, kMinTemperature * 0.999);
  EXPECT_LT(fit.temperature, 1.0f);  // the data still says "sharpen"
  // Rows the model has no class for (out-of-scope) are not part of the fit.
  std::vector<float> more = logits;
  std::vector<uint32_t> more_labels = labels;
  for (int i = 0; i < 20; ++i) {
    more.insert(more.end(), {5.0f, 0.0f});
    more_labels.push_back(2);
  }
  EXPECT_EQ(FitTemperatureGuarded(more, more_labels, 2).temperature, fit.temperature);
}

}  // namespace
}  // namespace trainops
