// Multi-label metrics against hand-computed values, and the threshold and calibration fit
// (eval/label_thresholds.h) doing what docs/evaluation.md says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "eval/label_thresholds.h"
#include "eval/multi_label_metrics.h"

namespace trainops {
namespace {

TEST(MultiLabelMetricsTest, MatchesHandComputedValues) {
  MultiLabelCounts counts({"a", "b", "c"});
  counts.Add({0, 1}, {0});     // a right, b missed
  counts.Add({}, {});          // none, rightly
  counts.Add({2}, {1, 2});     // c right, b spurious
  counts.Add({0}, {0});        // exact
  // tp: a 2, b 0, c 1 = 3; predicted 4; gold 4.
  EXPECT_DOUBLE_EQ(counts.MicroPrecision(), 3.0 / 4);
  EXPECT_DOUBLE_EQ(counts.MicroRecall(), 3.0 / 4);
  EXPECT_DOUBLE_EQ(counts.MicroF1(), 0.75);
  EXPECT_DOUBLE_EQ(counts.ExactMatch(), 0.5);
  // Wrong decisions: b missed, b spurious = 2 of 4 messages x 3 labels.
  EXPECT_DOUBLE_EQ(counts.HammingLoss(), 2.0 / 12);
  // Per message F1: 2/3, 1 (both empty), 2/3, 1.
  EXPECT_DOUBLE_EQ(counts.SamplesF1(), (2.0 / 3 + 1 + 2.0 / 3 + 1) / 4);
  // Macro over labels with support: a F1 1, b F1 0, c F1 1.
  EXPECT_DOUBLE_EQ(counts.MacroF1(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(counts.GoldCardinality(), 1.0);
  EXPECT_DOUBLE_EQ(counts.PredictedCardinality(), 1.0);
  MetricSpec recall_b;
  recall_b.kind = MetricSpec::Kind::kRecall;
  recall_b.label = "b";
  EXPECT_DOUBLE_EQ(counts.Metric(recall_b), 0.0);
  MetricSpec accuracy;
  accuracy.kind = MetricSpec::Kind::kAccuracy;
  EXPECT_DOUBLE_EQ(counts.Metric(accuracy), 0.5);  // exact-set accuracy
  const nlohmann::json j = counts.ToJson();
  EXPECT_EQ(j["per_label"]["b"]["support"], 1);
  EXPECT_EQ(j["per_label"]["b"]["predicted"], 1);
}

TEST(MultiLabelThresholdTest, BestF1ThresholdCutsBetweenScores) {
  double f1 = 0;
  // Positives score 0.9 and 0.7, negatives 0.6 and 0.1: the cut falls between 0.7 and 0.6.
  const float t = BestF1Threshold({{0.9f, true}, {0.6f, false}, {0.7f, true}, {0.1f, false}}, &f1);
  EXPECT_FLOAT_EQ(t, 0.65f);
  EXPECT_DOUBLE_EQ(f1, 1.0);
  EXPECT_FLOAT_EQ(BestF1Threshold({{0.3f, false}}, &f1), 0.5f);  // no positive
  // Everything positive is best: the cut is below the lowest score.
  EXPECT_LT(BestF1Threshold({{0.2f, true}, {0.1f, true}}), 0.1f);
}

// Rows x 2 labels: label 0 separable with many positives, label 1 with no positive.
TEST(MultiLabelThresholdTest, LabelsWithoutValidationPositivesKeepTheGlobalThreshold) {
  std::vector<float> logits;
  std::vector<std::vector<uint32_t>> gold;
  for (int i = 0; i < 200; ++i) {
    const bool positive = i % 2 == 0;
    logits.push_back(positive ? 2.0f + 0.01f * static_cast<float>(i % 7) : -2.0f - 0.01f * static_cast<float>(i % 5));
    logits.push_back(-3.0f + 0.001f * static_cast<float>(i));
    gold.push_back(positive ? std::vector<uint32_t>{0} : std::vector<uint32_t>{});
  }
  const MultiLabelFit fit = FitMultiLabel(logits, 2, gold);
  ASSERT_EQ(fit.thresholds.size(), 2u);
  EXPECT_FLOAT_EQ(fit.thresholds[1], fit.global_threshold);
  for (float t : fit.thresholds) {
    EXPECT_GE(t, kMinThreshold);
    EXPECT_LE(t, kMaxThreshold);
  }
  // Calibration keeps the ranking (positive slopes) and separates label 0's classes.
  EXPECT_GT(fit.scale[0], 0.0f);
  EXPECT_GT(fit.scale[1], 0.0f);
  const float p_pos = 1 / (1 + std::exp(-(fit.scale[0] * 2.0f + fit.offset[0])));
  const float p_neg = 1 / (1 + std::exp(-(fit.scale[0] * -2.0f + fit.offset[0])));
  EXPECT_GT(p_pos, 0.9f);
  EXPECT_LT(p_neg, 0.1f);
  EXPECT_EQ(fit.summary["labels"][1]["validation_positives"], 0);
  EXPECT_TRUE(fit.summary["labels"][1]["best_threshold"].is_null());
}

// The shrinkage rule: t_k = (n_k t_k* + m t_g) / (n_k + m).
TEST(MultiLabelThresholdTest, FewPositivesMoveTheThresholdOnlyPartWay) {
  std::vector<float> logits;
  std::vector<std::vector<uint32_t>> gold;
  // Label 0: 100 positives around +3, negatives around -3 (global fit dominated by it).
  // Label 1: 2 positives at logit -1, negatives at -4: its own best cut is low.
  for (int i = 0; i < 300; ++i) {
    const bool p0 = i < 100, p1 = i >= 298;
    logits.push_back(p0 ? 3.0f : -3.0f);
    logits.push_back(p1 ? -1.0f : -4.0f);
    std::vector<uint32_t> set;
    if (p0) set.push_back(0);
    if (p1) set.push_back(1);
    gold.push_back(set);
  }
  const MultiLabelFit fit = FitMultiLabel(logits, 2, gold);
  const auto& label1 = fit.summary["labels"][1];
  ASSERT_EQ(label1["validation_positives"], 2);
  const double own = label1["best_threshold"].get<double>();
  const double expected = (2 * own + kThresholdPriorPositives * fit.global_threshold) / (2 + kThresholdPriorPositives);
  EXPECT_NEAR(fit.thresholds[1], std::clamp(expected, double{kMinThreshold}, double{kMaxThreshold}), 1e-5);
}

}  // namespace
}  // namespace trainops
