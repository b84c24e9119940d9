// The drop a cycle's retrain allows its out-of-scope threshold: the feedback's
// out-of-scope share (Laplace's rule of succession), at most the spec's cap, with the
// rows a label budget ranked left out of the sample.
#include <gtest/gtest.h>

#include "drift/retrain_rejection.h"

namespace trainops::drift {
namespace {

std::vector<LabelledMessage> Feedback(size_t in_scope, size_t oos, const std::string& prefix = "m") {
  std::vector<LabelledMessage> out;
  for (size_t i = 0; i < in_scope; ++i) out.push_back({prefix + std::to_string(i), prefix + " text " + std::to_string(i), "returns"});
  for (size_t i = 0; i < oos; ++i) out.push_back({prefix + "o" + std::to_string(i), prefix + " odd " + std::to_string(i), "oos"});
  return out;
}

TEST(RetrainRejectionTest, TheDropIsTheOutOfScopeShareBelowTheCap) {
  const RejectionDrop d = RejectionDropFromFeedback(Feedback(198, 2), "oos", {}, {}, 0.02);
  EXPECT_EQ(d.sample_rows, 200u);
  EXPECT_EQ(d.oos_rows, 2u);
  EXPECT_DOUBLE_EQ(d.oos_share, 3.0 / 202);
  EXPECT_DOUBLE_EQ(d.max_accuracy_drop, 3.0 / 202);
  EXPECT_EQ(d.ToJson().at("oos_share").at("oos_rows"), 2);
}

TEST(RetrainRejectionTest, ASmallSampleOrAnOutOfScopeSurgeKeepsTheCap) {
  // No feedback: the mean of a uniform prior, 1/2, above any cap.
  EXPECT_DOUBLE_EQ(RejectionDropFromFeedback({}, "oos", {}, {}, 0.02).max_accuracy_drop, 0.02);
  // 30 rows, none out of scope: 1/32 is still above 2 points.
  EXPECT_DOUBLE_EQ(RejectionDropFromFeedback(Feedback(30, 0), "oos", {}, {}, 0.02).max_accuracy_drop, 0.02);
  // A surge: 20% out of scope.
  EXPECT_DOUBLE_EQ(RejectionDropFromFeedback(Feedback(800, 200), "oos", {}, {}, 0.02).max_accuracy_drop, 0.02);
  // Many rows, none out of scope: the drop goes towards 0, never below it.
  const RejectionDrop none = RejectionDropFromFeedback(Feedback(5000, 0), "oos", {}, {}, 0.02);
  EXPECT_DOUBLE_EQ(none.max_accuracy_drop, 1.0 / 5002);
  EXPECT_GT(none.max_accuracy_drop, 0);
}

TEST(RetrainRejectionTest, RowsALabelBudgetRankedAreNotASampleOfTheTraffic) {
  std::vector<LabelledMessage> feedback = Feedback(398, 2);
  const std::vector<LabelledMessage> ranked = Feedback(10, 30, "picked");  // informative picks: many out of scope
  std::set<std::string> ranked_texts;
  for (const auto& f : ranked) {
    feedback.push_back(f);
    ranked_texts.insert(f.text);
  }
  const RejectionDrop d = RejectionDropFromFeedback(feedback, "oos", ranked_texts, {}, 0.02);
  EXPECT_EQ(d.ranked_rows, 40u);
  EXPECT_EQ(d.sample_rows, 400u);
  EXPECT_EQ(d.oos_rows, 2u);
  EXPECT_DOUBLE_EQ(d.max_accuracy_drop, 3.0 / 402);
  // Counted as a sample, the picks would have kept the cap.
  EXPECT_DOUBLE_EQ(RejectionDropFromFeedback(feedback, "oos", {}, {}, 0.02).max_accuracy_drop, 0.02);
}

TEST(RetrainRejectionTest, TheWindowThatTriggeredTheRetrainIsLeftOut) {
  // Earlier windows: 1% out of scope; this window: a surge.
  std::vector<LabelledMessage> feedback = Feedback(396, 4);
  std::set<std::string> window_keys;
  for (const auto& f : Feedback(160, 40, "w")) {
    feedback.push_back(f);
    window_keys.insert(f.row_key);
  }
  const RejectionDrop d = RejectionDropFromFeedback(feedback, "oos", {}, window_keys, 0.02);
  EXPECT_EQ(d.window_rows, 200u);
  EXPECT_EQ(d.sample_rows, 400u);
  EXPECT_DOUBLE_EQ(d.max_accuracy_drop, 5.0 / 402);
  EXPECT_EQ(d.ToJson().at("oos_share").at("window_rows_left_out"), 200);
  // With the surge counted, the cap would hold.
  EXPECT_DOUBLE_EQ(RejectionDropFromFeedback(feedback, "oos", {}, {}, 0.02).max_accuracy_drop, 0.02);
}

}  // namespace
}  // namespace trainops::drift
