// End to end through the CLI: segments (missing values, single-class, multi-value),
// a label only in test, models with and without an out-of-scope label, rejection in
// predict and eval, determinism of intervals, the spec's evaluation section, compare.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

// Test rows: channel empty for some (missing segment), "phone" holds only returns
// (single class), tags hold several values separated by ';', "exchange" is never in
// training, "oos" rows are out of scope.
std::string TestCsv() {
  std::string csv = "text,intent,channel,tags\n";
  const char* returns[] = {"i want to return these unwanted shoes", "please send back label for return",
                           "return label needed for unwanted boots", "how do i send back my order return"};
  const char* shipping[] = {"where is my delivery tracking", "courier did not arrive with delivery",
                            "tracking says delivery will arrive late", "my courier tracking is wrong"};
  const char* sizing[] = {"these shoes are too tight what size", "the fit is narrow need a bigger size",
                          "size guide says fit is tight", "narrow fit boots wrong size"};
  const char* payment[] = {"my card was charged twice", "invoice shows paypal charged wrong",
                           "card charged but no invoice", "paypal invoice card problem"};
  for (int i = 0; i < 40; ++i) {
    const char* channel = i % 5 == 0 ? "" : (i % 2 ? "email" : "chat");
    const char* tags = i % 3 == 0 ? "a;b" : (i % 3 == 1 ? "a" : "b");
    csv += std::string("\"") + returns[i % 4] + "\",returns," + channel + "," + tags + "\n";
    csv += std::string("\"") + shipping[i % 4] + "\",shipping," + channel + "," + tags + "\n";
    csv += std::string("\"") + sizing[i % 4] + "\",sizing," + channel + "," + tags + "\n";
    csv += std::string("\"") + payment[i % 4] + "\",payment," + channel + "," + tags + "\n";
  }
  for (int i = 0; i < 12; ++i) csv += std::string("\"") + returns[i % 4] + " today\",returns,phone,a\n";
  for (int i = 0; i < 6; ++i) csv += "\"swap for a different colour please\",exchange,email,b\n";
  for (int i = 0; i < 10; ++i) csv += "\"what is the weather on mars " + std::to_string(i) + "\",oos,chat,a\n";
  csv += "\"<img src=x onerror=alert(1)> </script><b>bold</b>\",exchange,\"<i>seg</i>\",a\n";
  return csv;
}

class EvalCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("train.csv", SyntheticIntentCsv(800, 5, 4));
    dir_->Write("test.csv", TestCsv());
    for (auto [out, oos] : {std::pair{"plain", ""}, std::pair{"withoos", "oos"}}) {
      std::vector<std::string> args = {"train", "--data", Path("train.csv"), "--text-column", "text",
                                       "--label-column", "intent", "--threads", "1", "--epochs", "5",
                                       "--out", Path(out), "--quiet"};
      if (*oos) args.insert(args.end(), {"--oos-label", oos});
      auto r = RunCli(args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Path(const std::string& name) { return (dir_->path() / name).string(); }
  static nlohmann::json EvalJson(std::vector<std::string> extra) {
    std::vector<std::string> args = {"eval", "--data", Path("test.csv"), "--json", "-", "--threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  static TempDir* dir_;
};
TempDir* EvalCliTest::dir_ = nullptr;

TEST_F(EvalCliTest, JsonKeepsOldKeysAndAddsNewOnes) {
  auto j = EvalJson({"--model", Path("plain/model.bin"), "--segments", "channel"});
  for (const char* key : {"accuracy", "macro_f1", "weighted_f1", "n", "per_label", "confusion", "segments",
                          "calibration", "oos", "failures"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["n"], 40 * 4 + 12 + 6 + 10 + 1);
  EXPECT_EQ(j["calibration"]["after"]["bins"].size(), 10u);
  EXPECT_FALSE(j["oos"]["enabled"].get<bool>());  // model without out-of-scope
}

TEST_F(EvalCliTest, SegmentsHandleMissingValuesAndSingleClass) {
  auto j = EvalJson({"--model", Path("plain/model.bin"), "--segments", "channel", "--min-support", "20"});
  const auto& col = j["segments"]["columns"][0];
  EXPECT_EQ(col["column"], "channel");
  std::map<std::string, nlohmann::json> by_value;
  for (const auto& s : col["segments"]) by_value[s["value"]] = s;
  ASSERT_TRUE(by_value.count("(missing)"));
  EXPECT_EQ(by_value["(missing)"]["n"], 32);  // every fifth of 40 x 4 rows
  ASSERT_TRUE(by_value.count("phone"));
  EXPECT_TRUE(by_value["phone"]["single_class"].get<bool>());
  EXPECT_TRUE(by_value["phone"]["too_small"].get<bool>());  // 12 < 20
  EXPECT_EQ(by_value["phone"]["per_label_recall"].size(), 1u);
  EXPECT_FALSE(by_value["email"]["too_small"].get<bool>());
  const auto& ci = by_value["email"]["accuracy_ci"];
  EXPECT_LE(ci[0].get<double>(), by_value["email"]["accuracy"].get<double>());
  EXPECT_GE(ci[1].get<double>(), by_value["email"]["accuracy"].get<double>());
  EXPECT_TRUE(col["gap"].contains("p_value"));
  EXPECT_GE(col["gap"]["segments_compared"].get<int>(), 2);
}

TEST_F(EvalCliTest, MultiValueSegmentsCountARowInEachValue) {
  auto j = EvalJson({"--model", Path("plain/model.bin"), "--segments", "tags", "--segment-split", ";"});
  std::map<std::string, uint64_t> n;
  for (const auto& s : j["segments"]["columns"][0]["segments"]) n[s["value"]] = s["n"];
  EXPECT_EQ(n.size(), 2u);
  // a: i%3 in {0,1} of 160 rows (108) + 12 phone + 10 oos + 1; b: i%3 in {0,2} (108) + 6.
  EXPECT_EQ(n["a"], 108u + 12 + 10 + 1);
  EXPECT_EQ(n["b"], 108u + 6);
  auto whole = EvalJson({"--model", Path("plain/model.bin"), "--segments", "tags"});
  EXPECT_EQ(whole["segments"]["columns"][0]["segments"].size(), 3u);  // "a;b", "a", "b"
}

std::map<std::string, std::map<std::string, uint64_t>> SegmentCounts(const nlohmann::json& j) {
  std::map<std::string, std::map<std::string, uint64_t>> out;
  for (const auto& col : j["segments"]["columns"]) {
    for (const auto& s : col["segments"]) out[col["column"]][s["value"]] = s["n"];
  }
  return out;
}

TEST_F(EvalCliTest, SegmentSplitPerColumnFromFlags) {
  // channel keeps one value per cell next to tags split per character ("a;b" -> a, ;, b).
  auto j = EvalJson({"--model", Path("plain/model.bin"), "--segments", "channel,tags", "--segment-split",
                     "tags=chars"});
  auto n = SegmentCounts(j);
  EXPECT_TRUE(n["channel"].count("email"));
  EXPECT_FALSE(n["channel"].count("e"));
  EXPECT_EQ(n["tags"]["a"], 108u + 12 + 10 + 1);
  EXPECT_EQ(n["tags"][";"], 56u);  // i % 3 == 0: 14 of 40, times 4 rows
  EXPECT_EQ(j["segments"]["columns"][0]["split"], "none");
  EXPECT_EQ(j["segments"]["columns"][1]["split"], "chars");
  EXPECT_EQ(j["segments"]["split"]["tags"], "chars");
  // Repeated: a default for every column plus a per-column exception (empty = none).
  auto k = EvalJson({"--model", Path("plain/model.bin"), "--segments", "channel,tags", "--segment-split", "chars",
                     "--segment-split", "channel="});
  n = SegmentCounts(k);
  EXPECT_TRUE(n["channel"].count("email"));
  EXPECT_EQ(n["tags"][";"], 56u);  // i % 3 == 0: 14 of 40, times 4 rows
  auto m = EvalJson({"--model", Path("plain/model.bin"), "--segments", "channel,tags", "--segment-split", "tags=;"});
  n = SegmentCounts(m);
  EXPECT_EQ(n["tags"].size(), 2u);
  EXPECT_EQ(n["tags"]["b"], 108u + 6);
  // The old form still applies to every column.
  auto old = EvalJson({"--model", Path("plain/model.bin"), "--segments", "tags", "--segment-split", ";"});
  EXPECT_EQ(old["segments"]["split"], ";");
  EXPECT_EQ(SegmentCounts(old)["tags"].size(), 2u);
}

TEST_F(EvalCliTest, SegmentSplitErrorsNameTheColumn) {
  auto r = RunCli({"eval", "--model", Path("plain/model.bin"), "--data", Path("test.csv"), "--segments", "tags",
                   "--segment-split", "tagz=chars"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("column \"tagz\" is not a segment column"));
  EXPECT_THAT(r.err, HasSubstr("did you mean \"tags\""));
  r = RunCli({"eval", "--model", Path("plain/model.bin"), "--data", Path("test.csv"), "--segments", "tags",
              "--segment-split", "tags=chars", "--segment-split", "tags=;"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("names column \"tags\" twice"));
}

TEST_F(EvalCliTest, SpecSegmentSplitMappingAppliesPerColumn) {
  dir_->Write("split.yaml",
              "data:\n  train: train.csv\n  text_column: text\n  label_column: intent\n"
              "  segment_columns: [channel, tags]\n"
              "evaluation:\n  segment_split: {tags: ';'}\n  bootstrap_resamples: 20\n");
  auto j = EvalJson({"--model", Path("plain/model.bin"), "--task", Path("split.yaml")});
  auto n = SegmentCounts(j);
  EXPECT_TRUE(n["channel"].count("email"));
  EXPECT_EQ(n["tags"].size(), 2u);
  // A flag replaces the spec's split as a whole.
  auto f = EvalJson({"--model", Path("plain/model.bin"), "--task", Path("split.yaml"), "--segment-split", "chars"});
  EXPECT_EQ(SegmentCounts(f)["tags"].size(), 3u);  // a, ;, b
  dir_->Write("badsplit.yaml",
              "data:\n  train: train.csv\n  text_column: text\n  label_column: intent\n"
              "  segment_columns: [channel, tags]\n"
              "evaluation:\n  segment_split:\n    chanel: chars\n");
  auto r = RunCli({"eval", "--model", Path("plain/model.bin"), "--data", Path("test.csv"), "--task",
                   Path("badsplit.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("badsplit.yaml:8: key evaluation.segment_split: column \"chanel\""));
  EXPECT_THAT(r.err, HasSubstr("did you mean \"channel\""));
}

TEST_F(EvalCliTest, LabelOnlyInTestIsAnErrorCategoryWithRecallZero) {
  auto j = EvalJson({"--model", Path("plain/model.bin")});
  EXPECT_EQ(j["per_label"]["exchange"]["support"], 7);
  EXPECT_EQ(j["per_label"]["exchange"]["recall"], 0.0);
  bool found = false;
  for (const auto& c : j["failures"]["categories"]) {
    if (c["id"] == "unseen_label") {
      found = true;
      EXPECT_EQ(c["count"].get<int>(), 7 + 10);  // exchange and oos: the model has no such class
      EXPECT_LE(c["examples"].size(), 5u);
    }
  }
  EXPECT_TRUE(found) << j["failures"].dump(1);
  // Ranked by impact, descending.
  double last = 1e18;
  for (const auto& c : j["failures"]["categories"]) {
    EXPECT_LE(c["impact"].get<double>(), last);
    last = c["impact"].get<double>();
  }
}

TEST_F(EvalCliTest, OosLabelWithoutTrainingRowsRejectsToTheLabel) {
  auto run = nlohmann::json::parse(ReadAll(Path("withoos/run.json")));
  EXPECT_EQ(run["rejection"]["rule"], "accuracy_drop");  // no oos rows in validation
  EXPECT_EQ(run["rejection"]["oos_label_is_class"], false);
  auto j = EvalJson({"--model", Path("withoos/model.bin"), "--threshold", "0.999"});
  EXPECT_TRUE(j["oos"]["enabled"].get<bool>());
  EXPECT_FALSE(j["oos"]["label_is_class"].get<bool>());
  EXPECT_EQ(j["oos"]["oos_rows"], 10);
  EXPECT_EQ(j["oos"]["threshold_source"], "flag");
  // Almost everything is rejected: all 10 oos rows count as correct.
  EXPECT_DOUBLE_EQ(j["oos"]["oos_recall"].get<double>(), 1.0);
  EXPECT_EQ(j["per_label"]["oos"]["recall"], 1.0);
  auto off = EvalJson({"--model", Path("withoos/model.bin"), "--threshold", "0"});
  EXPECT_EQ(off["oos"]["oos_recall"], 0.0);
  EXPECT_EQ(off["oos"]["threshold_source"], "off");
  // predict outputs the label the model has no class for.
  auto p = RunCli({"predict", "--model", Path("withoos/model.bin"), "--threshold", "0.999"},
                  "what is the weather on mars\n");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.out, HasSubstr("oos,"));
  // --oos-label at eval time works for a model trained without one.
  auto flag = EvalJson({"--model", Path("plain/model.bin"), "--oos-label", "oos", "--threshold", "0.999"});
  EXPECT_DOUBLE_EQ(flag["oos"]["oos_recall"].get<double>(), 1.0);
}

TEST_F(EvalCliTest, IntervalsAreDeterministicWithASeed) {
  std::vector<std::string> args = {"--model", Path("plain/model.bin"), "--segments", "channel", "--resamples",
                                   "300"};
  auto a = EvalJson([&] { auto v = args; v.insert(v.end(), {"--seed", "5"}); return v; }());
  auto b = EvalJson([&] { auto v = args; v.insert(v.end(), {"--seed", "5"}); return v; }());
  auto c = EvalJson([&] { auto v = args; v.insert(v.end(), {"--seed", "6"}); return v; }());
  EXPECT_EQ(a["segments"].dump(), b["segments"].dump());
  EXPECT_NE(a["segments"].dump(), c["segments"].dump());
  EXPECT_EQ(a["segments"]["resamples"], 300);
}

TEST_F(EvalCliTest, SpecEvaluationSectionSetsSegmentsAndCosts) {
  dir_->Write("task.yaml",
              "data:\n  train: train.csv\n  text_column: text\n  label_column: intent\n"
              "oos_label: oos\n"
              "evaluation:\n  segments: [tags]\n  segment_split: ';'\n  bootstrap_resamples: 50\n"
              "  costs: {exchange: 10}\n  max_failure_examples: 2\n");
  auto j = EvalJson({"--model", Path("plain/model.bin"), "--task", Path("task.yaml")});
  EXPECT_EQ(j["segments"]["columns"][0]["column"], "tags");
  EXPECT_EQ(j["segments"]["resamples"], 50);
  EXPECT_TRUE(j["oos"]["enabled"].get<bool>());
  const auto& top = j["failures"]["categories"][0];
  EXPECT_LE(top["examples"].size(), 2u);
  // With oos named, the unseen-label category holds exchange only, weighted 10 each.
  for (const auto& c : j["failures"]["categories"]) {
    if (c["id"] == "unseen_label") {
      EXPECT_DOUBLE_EQ(c["impact"].get<double>(), 70.0);
    }
  }
  dir_->Write("bad.yaml",
              "data:\n  train: train.csv\n  text_column: text\n  label_column: intent\n"
              "evaluation:\n  threshold_rule: balance\n");
  auto r = RunCli({"eval", "--model", Path("plain/model.bin"), "--data", Path("test.csv"), "--task", Path("bad.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("evaluation.threshold_rule"));
  EXPECT_THAT(r.err, HasSubstr("did you mean \"balanced\""));
}

TEST_F(EvalCliTest, ReportsAreWrittenAndEscapeDataText) {
  auto r = RunCli({"eval", "--model", Path("plain/model.bin"), "--data", Path("test.csv"), "--segments", "channel",
                   "--report", Path("r.html"), "--markdown", Path("r.md"), "--max-examples", "100", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = ReadAll(Path("r.html"));
  EXPECT_THAT(html, HasSubstr("id=\"report-data\""));
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_EQ(html.find("<i>seg</i>"), std::string::npos);
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_THAT(html, HasSubstr("\\u003cimg src=x"));
  EXPECT_THAT(html, HasSubstr("\\u003ci\\u003eseg"));
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no other URL
  std::string md = ReadAll(Path("r.md"));
  EXPECT_THAT(md, HasSubstr("### Segments by `channel`"));
  EXPECT_EQ(md.find("<i>seg</i>"), std::string::npos);
  EXPECT_THAT(md, HasSubstr("&lt;i&gt;seg&lt;/i&gt;"));
}

TEST_F(EvalCliTest, CompareReportsPairedTestAndDisagreements) {
  auto r = RunCli({"compare", "--model", Path("plain/model.bin"), "--model", Path("withoos/model.bin"), "--data",
                   Path("test.csv"), "--threshold", "0.9", "--oos-label", "oos", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["n"], 189);
  EXPECT_TRUE(j["mcnemar"].contains("p_value"));
  const auto& p = j["paired"];
  EXPECT_EQ(p["only_a_right"].get<uint64_t>() + p["only_b_right"].get<uint64_t>() + p["both_right"].get<uint64_t>() +
                p["both_wrong"].get<uint64_t>(),
            189u);
  EXPECT_EQ(j["a_right_b_wrong"].size(), std::min<uint64_t>(20, p["only_a_right"].get<uint64_t>()));
  EXPECT_TRUE(j["per_label"].contains("returns"));
  auto one = RunCli({"compare", "--model", Path("plain/model.bin"), "--data", Path("test.csv")});
  EXPECT_EQ(one.exit_code, 2);
  EXPECT_THAT(one.err, HasSubstr("exactly two --model"));
}

// Issue 26, item 5: compare --json never writes over one of its inputs.
TEST_F(EvalCliTest, CompareRefusesToWriteOverItsInputs) {
  const std::string data_before = ReadAll(Path("test.csv"));
  const std::string model_before = ReadAll(Path("withoos/model.bin"));
  for (const std::string& target : {Path("test.csv"), Path("withoos/model.bin"), Path("plain/model.bin")}) {
    auto r = RunCli({"compare", "--model", Path("plain/model.bin"), "--model", Path("withoos/model.bin"), "--data",
                     Path("test.csv"), "--json", target});
    EXPECT_EQ(r.exit_code, 2) << target;
    EXPECT_THAT(r.err, HasSubstr("which this command reads")) << r.err;
  }
  EXPECT_EQ(ReadAll(Path("test.csv")), data_before);
  EXPECT_EQ(ReadAll(Path("withoos/model.bin")), model_before);
}

// Issue 26, item 9: header-only data is refused (exit 2), not scored as "n 0 accuracy 0".
TEST_F(EvalCliTest, HeaderOnlyDataIsRefusedByEvalAndCompare) {
  dir_->Write("empty.csv", "text,intent,channel,tags\n");
  auto e = RunCli({"eval", "--model", Path("plain/model.bin"), "--data", Path("empty.csv")});
  EXPECT_EQ(e.exit_code, 2) << e.out;
  EXPECT_THAT(e.err, HasSubstr("no rows to evaluate on (only a header"));
  auto c = RunCli({"compare", "--model", Path("plain/model.bin"), "--model", Path("withoos/model.bin"), "--data",
                   Path("empty.csv")});
  EXPECT_EQ(c.exit_code, 2) << c.out;
  EXPECT_THAT(c.err, HasSubstr("no rows to evaluate on"));
}

// Issue 26, item 13: --resamples 0 gives no interval (null, and none printed), not [0, 0].
TEST_F(EvalCliTest, NoResamplesMeansNoInterval) {
  auto j = EvalJson({"--model", Path("plain/model.bin"), "--segments", "channel", "--resamples", "0"});
  EXPECT_TRUE(j["accuracy_ci"].is_null()) << j["accuracy_ci"];
  EXPECT_TRUE(j["macro_f1_ci"].is_null());
  for (const auto& [label, r] : j["segments"]["overall"]["per_label_recall"].items()) EXPECT_TRUE(r["ci"].is_null());
  auto text = RunCli({"eval", "--model", Path("plain/model.bin"), "--data", Path("test.csv"), "--segments", "channel",
                      "--resamples", "0"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, ::testing::Not(HasSubstr("[0.0000, 0.0000]")));
}

}  // namespace
}  // namespace trainops
