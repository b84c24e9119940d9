// Out-of-scope rejection when training has no out-of-scope rows: the model stores the
// coverage-scaled rejection score, train chooses the threshold on it, and on CLINC150
// (shared data, skipped without it) that rejects most out-of-scope texts of a held-out
// split at the default rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "data/csv_writer.h"
#include "data/dataset.h"
#include "eval/eval_report.h"
#include "eval/evaluator.h"
#include "model/inference.h"
#include "model/model_io.h"
#include "test_support.h"
#include "train/train_run.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::SyntheticIntentCsv;
using testing::TempDir;

TEST(OosRejectionTest, TrainStoresTheCoverageScoreAndChoosesTheThresholdOnIt) {
  TempDir dir;
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", SyntheticIntentCsv(600, 1));
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.training.epochs = 5;
  spec.threads = 1;
  spec.oos_label = "oos";
  TrainOutcome out = RunTraining(spec, dir / "run", {});
  Model model = LoadModel(out.model_path);
  EXPECT_EQ(model.info.reject_score, RejectScore::kCoverageProbability);
  EXPECT_GT(model.info.unseen_feature_idf, 1.0f);
  EXPECT_GT(model.info.reject_threshold, 0.0f);
  auto run = nlohmann::json::parse(ReadAll(dir / "run" / "run.json"));
  EXPECT_EQ(run["rejection"]["score"], "coverage_probability");
  EXPECT_EQ(run["rejection"]["rule"], "accuracy_drop");
  EXPECT_FLOAT_EQ(run["rejection"]["threshold"].get<float>(), model.info.reject_threshold);
  // A text of n-grams training never saw is rejected, whatever its top probability.
  Model::Scratch scratch;
  const Decision d = Classify(model, "qqzx vvwk jjyp", scratch);
  EXPECT_LT(scratch.x.coverage, 0.3f);
  EXPECT_LT(d.reject_score, model.info.reject_threshold);
  EXPECT_TRUE(d.rejected);
  EXPECT_EQ(LabelName(model, d.label), model.info.oos_label);
}

// Seeded per-label holdout (labels sorted, Fisher-Yates with a 64-bit LCG), so the split
// does not depend on the standard library's shuffle.
std::vector<bool> HoldOut(const std::vector<Example>& rows, double fraction, uint64_t seed) {
  std::map<std::string, std::vector<size_t>> by_label;
  for (size_t i = 0; i < rows.size(); ++i) by_label[rows[i].label].push_back(i);
  std::vector<bool> held(rows.size(), false);
  uint64_t state = seed;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  };
  for (auto& [label, idx] : by_label) {
    for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[next(i)]);
    const size_t k = static_cast<size_t>(static_cast<double>(idx.size()) * fraction + 0.5);
    for (size_t i = 0; i < k; ++i) held[idx[i]] = true;
  }
  return held;
}

// CLINC150 train.csv: hold out a seeded 20% (in-scope and oos rows) as test, train on the
// in-scope rest (the product carves validation from it), default rule. Measured on this
// split (2 threads, 2026-11-24): oos recall 0.95 (19 of 20), in-scope accuracy 0.911. The
// floors leave margin for two-thread training noise (2 of the 20 oos rows, 3 points).
TEST(OosRejectionTest, Clinc150WithoutOosTrainingRejectsHeldOutOosTexts) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  DataSource source;
  source.path = shared / "clinc150" / "train.csv";
  source.text_column = "text";
  source.label_column = "intent";
  Dataset data = LoadDataset(source);
  ASSERT_GT(data.examples.size(), 15000u);
  const std::vector<bool> held = HoldOut(data.examples, 0.2, 20261124);
  TempDir dir;
  std::string train = "text,intent\n", test = "text,intent\n";
  size_t test_oos = 0;
  for (size_t i = 0; i < data.examples.size(); ++i) {
    const Example& ex = data.examples[i];
    const std::string line = CsvLine({ex.text, ex.label});
    if (held[i]) {
      test += line;
      test_oos += ex.label == "oos";
    } else if (ex.label != "oos") {
      train += line;
    }
  }
  ASSERT_EQ(test_oos, 20u);
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", train);
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.oos_label = "oos";
  spec.threads = 2;
  TrainOutcome out = RunTraining(spec, dir / "run", {});
  Model model = LoadModel(out.model_path);
  EvalInput input;
  input.data = dir.Write("test.csv", test);
  input.threads = 2;
  EvalResult result = Evaluate(model, input);
  nlohmann::json oos = OosMetrics(result);
  const double recall = oos["oos_recall"].get<double>();
  const double in_scope = oos["in_scope_accuracy"].get<double>();
  std::cout << "CLINC150 held-out, no oos in training: in-scope accuracy " << in_scope << ", oos recall "
            << recall << " (threshold " << model.info.reject_threshold << ")\n";
  EXPECT_GE(recall, 0.85);    // 17 of 20
  EXPECT_GE(in_scope, 0.88);  // fastText under the same rule: 0.742 (official test set)
}

}  // namespace
}  // namespace trainops
