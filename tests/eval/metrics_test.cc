#include "eval/metrics.h"

#include <gtest/gtest.h>

#include "eval/calibration.h"

namespace trainops {
namespace {

TEST(MetricsTest, MatchesHandComputedValues) {
  // gold a: 3 (2 right, 1 as b); gold b: 2 (1 right, 1 as a); gold c: 1 (right).
  ConfusionMatrix c({"a", "b", "c"});
  c.Add(0, 0, 2);
  c.Add(0, 1);
  c.Add(1, 1);
  c.Add(1, 0);
  c.Add(2, 2);
  EXPECT_DOUBLE_EQ(c.Accuracy(), 4.0 / 6.0);
  LabelMetrics a = c.ForLabel(0);
  EXPECT_DOUBLE_EQ(a.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(a.recall, 2.0 / 3.0);
  LabelMetrics b = c.ForLabel(1);
  EXPECT_DOUBLE_EQ(b.precision, 0.5);
  EXPECT_DOUBLE_EQ(b.recall, 0.5);
  EXPECT_DOUBLE_EQ(c.MacroF1(), (2.0 / 3.0 + 0.5 + 1.0) / 3.0);
  EXPECT_DOUBLE_EQ(c.WeightedF1(), (2.0 / 3.0 * 3 + 0.5 * 2 + 1.0) / 6.0);
  EXPECT_DOUBLE_EQ(c.Metric(MetricSpec::Parse("recall:b")), 0.5);
  EXPECT_DOUBLE_EQ(c.Metric(MetricSpec::Parse("recall:zzz")), 0.0);
}

TEST(MetricsTest, LabelsWithoutSupportAreLeftOutOfMacroF1) {
  ConfusionMatrix c({"a", "b", "never"});
  c.Add(0, 0);
  c.Add(1, 1);
  EXPECT_DOUBLE_EQ(c.MacroF1(), 1.0);
  auto j = c.ToJson();
  EXPECT_EQ(j["n"], 2);
  EXPECT_EQ(j["confusion"]["labels"].size(), 3u);
  EXPECT_EQ(j["per_label"]["never"]["support"], 0);
}

TEST(MetricsTest, EmptyMatrixIsZeroNotNan) {
  ConfusionMatrix c({"a", "b"});
  EXPECT_EQ(c.Accuracy(), 0);
  EXPECT_EQ(c.MacroF1(), 0);
  EXPECT_EQ(c.WeightedF1(), 0);
}

TEST(CalibrationTest, OverconfidentLogitsGetTemperatureAboveOne) {
  // Logits say 99.99% but the model is right only 3 times in 4.
  std::vector<float> logits;
  std::vector<uint32_t> labels;
  for (int i = 0; i < 400; ++i) {
    logits.insert(logits.end(), {10.0f, 0.0f});
    labels.push_back(i % 4 == 0 ? 1 : 0);
  }
  float t = FitTemperature(logits, labels, 2);
  EXPECT_GT(t, 2.0f);
  EXPECT_LT(NegativeLogLikelihood(logits, labels, 2, t), NegativeLogLikelihood(logits, labels, 2, 1.0));
  // softmax(10/T) should be near 0.75.
  double p = 1.0 / (1.0 + std::exp(-10.0 / t));
  EXPECT_NEAR(p, 0.75, 0.01);
}

}  // namespace
}  // namespace trainops
