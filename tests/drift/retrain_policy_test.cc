// The retrain policy: which alerts retrain, hysteresis for weak triggers, cooldown, the
// minimum of new feedback, and that a prior shift alone never retrains.
#include "drift/retrain_policy.h"

#include <gtest/gtest.h>

namespace trainops::drift {
namespace {

using nlohmann::json;

json SignalJson(const std::string& name, bool alert, double effect, double threshold) {
  return {{"name", name}, {"alert", alert}, {"effect", effect}, {"threshold", threshold}};
}

// A report where the named signals alerted with the given effects (others quiet).
json Report(const std::vector<std::tuple<std::string, double, double>>& alerted) {
  json signals = json::array();
  for (const char* name : {"predicted_label_mix", "top_confidence", "feature_coverage", "oov_share", "rejection_rate",
                           "estimated_accuracy", "feedback_accuracy", "per_label_recall", "unknown_labels"}) {
    bool found = false;
    for (const auto& [n, effect, threshold] : alerted) {
      if (n == name) {
        signals.push_back(SignalJson(n, true, effect, threshold));
        found = true;
      }
    }
    if (!found) signals.push_back(SignalJson(name, false, 0, 0.05));
  }
  return {{"signals", signals}};
}

PolicyHistory Ready() {
  PolicyHistory h;
  h.feedback_since_retrain = 500;
  return h;
}

TEST(RetrainPolicy, APriorShiftAloneNeverRetrains) {
  const RetrainDecision d = DecideRetrain(Report({{"predicted_label_mix", 0.6, 0.1}}), DriftSpec{}, Ready());
  EXPECT_FALSE(d.triggered);
  EXPECT_TRUE(d.fired.empty());
}

TEST(RetrainPolicy, AStrongFeedbackDropRetrainsAtOnce) {
  const RetrainDecision d = DecideRetrain(Report({{"feedback_accuracy", -0.2, 0.05}}), DriftSpec{}, Ready());
  EXPECT_TRUE(d.triggered) << d.reason;
  ASSERT_EQ(d.fired, std::vector<std::string>{"feedback_accuracy"});
  EXPECT_TRUE(d.triggers[0].at("strong").get<bool>());
}

TEST(RetrainPolicy, AWeakTriggerWaitsForASecondWindow) {
  const json weak = Report({{"feedback_accuracy", -0.07, 0.05}});
  PolicyHistory h = Ready();
  const RetrainDecision first = DecideRetrain(weak, DriftSpec{}, h);
  EXPECT_FALSE(first.triggered);
  EXPECT_EQ(first.fired, std::vector<std::string>{"feedback_accuracy"});  // recorded for the next window
  EXPECT_NE(first.reason.find("hysteresis"), std::string::npos);
  h.fired.push_back(first.fired);
  EXPECT_TRUE(DecideRetrain(weak, DriftSpec{}, h).triggered);
  // A quiet window in between resets the streak.
  h.fired.push_back({});
  EXPECT_FALSE(DecideRetrain(weak, DriftSpec{}, h).triggered);
}

TEST(RetrainPolicy, CoverageNeedsTheEstimateToFallToo) {
  EXPECT_FALSE(DecideRetrain(Report({{"oov_share", 0.3, 0.05}}), DriftSpec{}, Ready()).triggered);
  const RetrainDecision both =
      DecideRetrain(Report({{"oov_share", 0.3, 0.05}, {"estimated_accuracy", -0.2, 0.05}}), DriftSpec{}, Ready());
  EXPECT_TRUE(both.triggered);
  EXPECT_EQ(both.fired, std::vector<std::string>{"coverage_and_estimate"});
}

TEST(RetrainPolicy, CooldownAndMissingFeedbackHoldTheRetrain) {
  const json strong = Report({{"unknown_labels", 40, 5}});
  PolicyHistory h = Ready();
  h.windows_since_retrain = 1;
  RetrainDecision d = DecideRetrain(strong, DriftSpec{}, h);
  EXPECT_FALSE(d.triggered);
  EXPECT_NE(d.reason.find("cooldown"), std::string::npos);
  h.windows_since_retrain = 2;
  h.feedback_since_retrain = 10;
  d = DecideRetrain(strong, DriftSpec{}, h);
  EXPECT_FALSE(d.triggered);
  EXPECT_NE(d.reason.find("min_feedback_rows"), std::string::npos);
  h.feedback_since_retrain = 50;
  EXPECT_TRUE(DecideRetrain(strong, DriftSpec{}, h).triggered);
}

TEST(RetrainPolicy, OnlyTheSpecsTriggersCount) {
  DriftSpec spec;
  spec.retrain_on = {"unknown_labels"};
  EXPECT_FALSE(DecideRetrain(Report({{"feedback_accuracy", -0.3, 0.05}}), spec, Ready()).triggered);
  spec.retrain_on = {"per_label_recall"};
  EXPECT_TRUE(DecideRetrain(Report({{"per_label_recall", -0.6, 0.2}}), spec, Ready()).triggered);
}

}  // namespace
}  // namespace trainops::drift
