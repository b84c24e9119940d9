// The data policy of a cycle's retrain (drift/retrain_data.h): the latest label wins,
// unsettled conflicts are left out, feedback and new labels are weighted, the
// out-of-scope label is not, held-out and leaked feedback go where they belong.
#include "drift/retrain_data.h"

#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace trainops::drift {
namespace {

using nlohmann::json;
using testing::TempDir;

std::string Word(int i) { return {static_cast<char>('a' + i / 26), static_cast<char>('a' + i % 26)}; }

class RetrainDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string train = "text,intent\n";
    // a: 10 rows, b: 20, c: 30 (median 20), each text its own message (no digits: the
    // normalized text masks them)
    for (int i = 0; i < 10; ++i) train += fmt::format("alpha question {},a\n", Word(i));
    for (int i = 0; i < 20; ++i) train += fmt::format("beta question {},b\n", Word(i));
    for (int i = 0; i < 30; ++i) train += fmt::format("gamma question {},c\n", Word(i));
    train += "Where is it?,a\nwhere is it,b\n";  // the same text twice (normalized), two labels
    train += "Which size fits,c\n";             // relabelled by feedback below
    dir_.Write("train.csv", train);
    dir_.Write("test.csv", "text,intent\nalpha in test,a\n");
    dir_.Write("val.csv", "text,intent\nalpha in validation,a\n");
    WriteSpec("  validation: val.csv\n");
  }
  void WriteSpec(const std::string& extra) {
    dir_.Write("task.yaml", "name: t\ndata:\n  train: train.csv\n  test: test.csv\n" + extra +
                                "  text_column: text\n  label_column: intent\noos_label: oos\n");
  }
  TaskSpec Spec() const { return LoadTaskSpec(dir_ / "task.yaml"); }
  // Each training row's weight by text and label ("1+1" for two copies of weight 1).
  static std::map<std::string, std::string> Weights(const RetrainData& d) {
    std::map<std::string, std::string> w;
    for (const auto& row : d.train) {
      std::string& cell = w[row[0] + "|" + row[1]];
      cell += (cell.empty() ? "" : "+") + row.back();
    }
    return w;
  }
  TempDir dir_;
};

TEST_F(RetrainDataTest, TheLatestLabelWinsAndConflictsNobodySettledAreLeftOut) {
  const std::vector<LabelledMessage> feedback = {
      {"f1", "which SIZE fits?", "b", false},  // corrects the training row "Which size fits" (c)
      {"f2", "beta again", "a", false},
      {"f3", "beta again", "b", false},  // the newer label of the same text
  };
  const RetrainData d = BuildRetrainData(Spec(), feedback);
  EXPECT_EQ(d.header.back(), "weight");
  EXPECT_EQ(d.policy.at("superseded_count"), 2);  // the training row and the older feedback
  const json& s = d.policy.at("superseded_rows");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].at("text"), "Which size fits");
  EXPECT_EQ(s[0].at("label"), "c");
  EXPECT_EQ(s[0].at("new_label"), "b");
  EXPECT_NE(s[0].at("source").get<std::string>().find("train.csv:64"), std::string::npos) << s[0].dump();
  EXPECT_EQ(s[1].at("source"), "feedback f2");
  EXPECT_EQ(d.policy.at("conflicting_left_out_count"), 2);
  const auto w = Weights(d);
  EXPECT_FALSE(w.count("Where is it?|a"));
  EXPECT_FALSE(w.count("where is it|b"));
  EXPECT_FALSE(w.count("Which size fits|c"));
  EXPECT_TRUE(w.count("which SIZE fits?|b"));
  EXPECT_FALSE(w.count("beta again|a"));
  EXPECT_TRUE(w.count("beta again|b"));
  EXPECT_EQ(d.spec_rows, 60u);
  EXPECT_EQ(d.feedback_rows, 2u);
}

TEST_F(RetrainDataTest, FeedbackAndNewLabelsAreWeightedTheOutOfScopeLabelIsNot) {
  std::vector<LabelledMessage> feedback = {{"f1", "alpha fresh", "a", false},
                                           {"f2", "delta one", "d", false},
                                           {"f3", "delta two", "d", false},
                                           {"f4", "no idea what this is", "oos", false},
                                           {"f5", "epsilon", "e", false},
                                           {"f6", "delta three", "d", false},
                                           {"f7", "delta four", "d", false}};
  const RetrainData d = BuildRetrainData(Spec(), feedback);
  const auto w = Weights(d);
  EXPECT_EQ(w.at("alpha question aa|a"), "1");
  EXPECT_EQ(w.at("alpha fresh|a"), "1.5");           // drift.feedback_weight
  EXPECT_EQ(w.at("delta one|d"), "5");               // balance_share 1 x median 20 over 4 rows
  EXPECT_EQ(w.at("epsilon|e"), "10");                // capped at drift.max_row_weight
  EXPECT_EQ(w.at("no idea what this is|oos"), "1");  // the catch-all is not an intent
  EXPECT_TRUE(d.validation.empty());                 // the spec has a validation file

  // drift.feedback_as: copies: a row of weight w trains as round(w) copies of weight 1.
  TaskSpec copies = Spec();
  copies.drift.feedback_as = "copies";
  const auto c = Weights(BuildRetrainData(copies, feedback));
  EXPECT_EQ(c.at("alpha question aa|a"), "1");
  EXPECT_EQ(c.at("alpha fresh|a"), "1+1");
  EXPECT_EQ(c.at("delta one|d"), "1+1+1+1+1");
  EXPECT_EQ(c.at("epsilon|e"), "1+1+1+1+1+1+1+1+1+1");
  EXPECT_EQ(c.at("no idea what this is|oos"), "1");
  const json& labels = d.policy.at("weights").at("new_labels");
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0].at("label"), "d");
  EXPECT_EQ(d.policy.at("thin_new_labels").size(), 2u);  // d and e have fewer than min_examples_per_label

  // feedback_weight 1 and balance_share 0: every row weighs 1, as a retrain did before.
  TaskSpec plain = Spec();
  plain.drift.feedback_weight = 1;
  plain.drift.balance_share = 0;
  const RetrainData p = BuildRetrainData(plain, feedback);
  EXPECT_EQ(p.train.size(), 61u + feedback.size());
  for (const auto& row : p.train) EXPECT_EQ(row.back(), "1") << row[0];
}

TEST_F(RetrainDataTest, WithoutAValidationFileDistinctMessagesAreCarvedAndNoCopyIsScoredAsUnseen) {
  WriteSpec("");
  std::vector<LabelledMessage> feedback;
  for (int i = 0; i < 6; ++i) feedback.push_back({fmt::format("f{}", i), "delta " + Word(i), "d", false});
  feedback.push_back({"z", "zeta alone", "z", false});
  TaskSpec spec = Spec();
  spec.drift.feedback_as = "copies";  // the carve matters most when a message is repeated
  const RetrainData d = BuildRetrainData(spec, feedback);
  ASSERT_TRUE(d.carved_validation);
  std::map<std::string, int> in_validation, in_train;
  for (const auto& row : d.validation) ++in_validation[row[0]];
  for (const auto& row : d.train) ++in_train[row[0]];
  for (const auto& [text, n] : in_validation) {
    EXPECT_EQ(n, 1) << text;                    // each message once
    EXPECT_FALSE(in_train.count(text)) << text;  // and none of its copies in train
  }
  EXPECT_EQ(d.policy.at("validation").at("rows"), d.validation.size());
  EXPECT_GE(d.policy.at("validation").at("feedback_rows").get<size_t>(), 1u);  // the new label is validated too
  EXPECT_TRUE(in_train.count("zeta alone"));  // a label's only message trains
  // A tenth of each label's messages (training.validation_split), at least one.
  EXPECT_EQ(d.validation.size(), 1u + 2u + 3u + 1u);  // a: 10, b: 20, c: 31, d: 6
}

TEST_F(RetrainDataTest, HeldOutFeedbackGatesAndFeedbackInTheTestDataNeverTrains) {
  const std::vector<LabelledMessage> feedback = {{"f1", "alpha in test", "a", false},
                                                 {"f2", "kept to gate", "b", true}};
  const RetrainData d = BuildRetrainData(Spec(), feedback);
  EXPECT_EQ(d.leaked_rows, 1u);
  EXPECT_EQ(d.holdout_rows, 1u);
  EXPECT_EQ(d.feedback_rows, 0u);
  ASSERT_EQ(d.test.size(), 2u);
  EXPECT_EQ(d.test[1][0], "kept to gate");
  EXPECT_EQ(d.test[1].back(), "1");
}

TEST_F(RetrainDataTest, AWeightColumnNameTheSpecUsesIsNotReused) {
  dir_.Write("train.csv", "text,weight\nhello there,a\nhi there,b\n");
  dir_.Write("test.csv", "text,weight\nhello,a\n");
  dir_.Write("task.yaml", "name: t\ndata:\n  train: train.csv\n  test: test.csv\n  text_column: text\n"
                          "  label_column: weight\n");
  const RetrainData d = BuildRetrainData(Spec(), {});
  EXPECT_EQ(d.weight_column, "_weight");
  EXPECT_EQ(d.header, (std::vector<std::string>{"text", "weight", "_weight"}));
}

}  // namespace
}  // namespace trainops::drift
