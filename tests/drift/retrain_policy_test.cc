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

TEST(RetrainPolicy, RecoveryRetrainsRightAfterATriggeredRetrainWhileFeedbackStaysLow) {
  PolicyHistory h = Ready();
  h.windows_since_retrain = 1;  // the previous window retrained, as the policy decided
  h.windows_since_triggered_retrain = 1;
  // Even a weak (unconfirmed) drop: the retrain that was meant to fix it has not.
  const RetrainDecision d = DecideRetrain(Report({{"feedback_accuracy", -0.07, 0.05}}), DriftSpec{}, h);
  EXPECT_TRUE(d.triggered) << d.reason;
  EXPECT_TRUE(d.recovery);
  EXPECT_NE(d.reason.find("recovery"), std::string::npos);
  EXPECT_NE(d.reason.find("hysteresis"), std::string::npos);  // says what it waived
  const RetrainDecision strong = DecideRetrain(Report({{"feedback_accuracy", -0.2, 0.05}}), DriftSpec{}, h);
  EXPECT_TRUE(strong.recovery);
  EXPECT_NE(strong.reason.find("cooldown"), std::string::npos);
}

TEST(RetrainPolicy, LabelsTheModelStillLacksRecoverToo) {
  // With a label budget the labels of a new domain arrive a window after the retrain
  // their traffic triggered: the model that retrain made still lacks them.
  PolicyHistory h = Ready();
  h.windows_since_retrain = 1;
  h.windows_since_triggered_retrain = 1;
  const RetrainDecision d = DecideRetrain(Report({{"unknown_labels", 29, 5}}), DriftSpec{}, h);
  EXPECT_TRUE(d.triggered) << d.reason;
  EXPECT_TRUE(d.recovery);
  EXPECT_NE(d.reason.find("labels the production model still lacks"), std::string::npos) << d.reason;
}

TEST(RetrainPolicy, RecoveryNeedsAFeedbackDropAndEnoughNewFeedbackAndDoesNotChain) {
  PolicyHistory h = Ready();
  h.windows_since_retrain = 1;
  h.windows_since_triggered_retrain = 1;
  // A stable window after the retrain: nothing alerted, nothing to recover from.
  RetrainDecision d = DecideRetrain(Report({}), DriftSpec{}, h);
  EXPECT_FALSE(d.triggered);
  EXPECT_FALSE(d.recovery);
  // Other signals alone (the traffic moved, accuracy held) are no reason to recover.
  d = DecideRetrain(Report({{"oov_share", 0.3, 0.05}, {"estimated_accuracy", -0.2, 0.05}}), DriftSpec{}, h);
  EXPECT_FALSE(d.triggered);
  EXPECT_NE(d.reason.find("cooldown"), std::string::npos);
  const json low = Report({{"feedback_accuracy", -0.2, 0.05}});
  h.feedback_since_retrain = 10;
  d = DecideRetrain(low, DriftSpec{}, h);
  EXPECT_FALSE(d.triggered);
  // The last retrain was itself a recovery: the cooldown holds.
  h.feedback_since_retrain = 500;
  h.windows_since_triggered_retrain = 2;
  d = DecideRetrain(low, DriftSpec{}, h);
  EXPECT_FALSE(d.triggered);
  EXPECT_NE(d.reason.find("cooldown"), std::string::npos);
  // Off when drift.recovery_windows is 0.
  DriftSpec off;
  off.recovery_windows = 0;
  h.windows_since_triggered_retrain = 1;
  EXPECT_FALSE(DecideRetrain(low, off, h).triggered);
  EXPECT_TRUE(DecideRetrain(low, DriftSpec{}, h).triggered);
}

}  // namespace
}  // namespace trainops::drift
