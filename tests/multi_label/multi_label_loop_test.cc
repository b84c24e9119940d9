// A multi-label model after release, through the real binary: the monitor's set signals
// (label_rates, label_cardinality, no-label rate, exact-set and micro-F1 feedback), feedback
// given as sets in every form ("a|b", a JSON list, "[]" for none), a cycle that learns a new
// intent from set feedback, and `select` on a multi-label model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "multi_label_data.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using testing::MultiLabelCsv;
using testing::MultiLabelCsvOptions;
using testing::ReadAll;
using testing::RunCli;
using testing::TempDir;

const json* Signal(const json& report, const std::string& name) {
  for (const json& s : report.at("signals")) {
    if (s.at("name") == name) return &s;
  }
  return nullptr;
}

// The window's texts without their labels: traffic nobody has labelled yet.
std::string TextsOnly(const std::string& csv) {
  std::string out = "text\n";
  size_t pos = csv.find('\n') + 1;
  while (pos < csv.size()) {
    const size_t end = csv.find('\n', pos);
    const std::string line = csv.substr(pos, end - pos);
    out += line.substr(0, line.rfind(',')) + "\n";
    pos = end + 1;
  }
  return out;
}

class MultiLabelLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("train.csv", MultiLabelCsv(600, 1));
    dir_.Write("test.csv", MultiLabelCsv(200, 2));
    spec_ = dir_.Write("task.yaml",
                       "name: shoes_multi\n"
                       "data:\n  train: train.csv\n  test: test.csv\n  text_column: text\n  label_column: intents\n"
                       "task:\n  multi_label: true\nseed: 3\nthreads: 1\n"
                       // Declared out of alphabetical order: sets must compare by name, not position.
                       "labels: [sizing, shipping, returns, refunds]\n");
    auto t = RunCli({"train", "--task", spec_.string(), "--out", (dir_ / "runs/first").string(), "--quiet"});
    ASSERT_EQ(t.exit_code, 0) << t.err;
    auto p = RunCli({"promote", (dir_ / "runs/first/model.bin").string(), "--task", spec_.string(), "--force",
                     "--reason", "test setup"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
  }

  std::pair<int, json> Monitor(const std::string& window_csv) {
    auto m = RunCli({"monitor", "--task", spec_.string(), "--traffic", dir_.Write("w.csv", window_csv).string(),
                     "--json", "-", "--quiet"});
    last_err_ = m.err;
    return {m.exit_code, m.exit_code <= 1 ? json::parse(m.out) : json()};
  }

  TempDir dir_;
  std::filesystem::path spec_;
  std::string last_err_;
};

TEST_F(MultiLabelLoopTest, MonitorReadsLabelSets) {
  // Traffic like the training data, a third of it labelled, the empty set written "[]";
  // one row's set as a JSON list, one in another order.
  MultiLabelCsvOptions labelled;
  labelled.empty_set = "[]";
  std::string window = MultiLabelCsv(300, 5, labelled);
  window += "hello about the blue trail and refund my card and these are too small,\"[\"\"sizing\"\", \"\"refunds\"\"]\"\n";
  window += "hello about the red city and where is my package and i want a refund,shipping|refunds\n";
  auto [code, report] = Monitor(window);
  ASSERT_EQ(code, 0) << last_err_;
  EXPECT_EQ(report.at("task_kind"), "multi_label");
  EXPECT_TRUE(report.at("alerts").empty()) << report.at("alerts").dump();
  for (const char* name : {"label_rates", "label_cardinality", "rejection_rate", "top_confidence", "feature_coverage"}) {
    const json* s = Signal(report, name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_TRUE(s->at("tested").get<bool>()) << name << ": " << s->dump();
  }
  EXPECT_EQ(report.at("label_rates").size(), 4u);
  const json& accuracy = report.at("feedback_accuracy");
  EXPECT_EQ(accuracy.at("rows"), 302);
  EXPECT_GT(accuracy.at("value").get<double>(), 0.7);  // exact-set accuracy
  EXPECT_GT(report.at("feedback_micro_f1").at("value").get<double>(), 0.85);
  EXPECT_TRUE(report.at("estimated_accuracy").is_object());
  EXPECT_EQ(report.at("unknown_labels").size(), 0u);
  // The label cardinality's reference is validation's: about 1.5 labels a message.
  EXPECT_NEAR(Signal(report, "label_cardinality")->at("reference").get<double>(), 1.5, 0.4);
  // The HTML report lists each label's predicted rate against validation.
  auto html = RunCli({"monitor", "--task", spec_.string(), "--traffic", (dir_ / "w.csv").string(), "--report",
                      (dir_ / "monitor.html").string(), "--no-record", "--quiet"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  const std::string page = ReadAll(dir_ / "monitor.html");
  EXPECT_THAT(page, HasSubstr("Predicted rate per label"));
  EXPECT_THAT(page, HasSubstr("<td>refunds</td>"));

  // Every message about shipping: the label rates move, and say which label.
  MultiLabelCsvOptions shipping;
  shipping.only = "shipping";
  auto [shifted_code, shifted] = Monitor(MultiLabelCsv(300, 6, shipping));
  ASSERT_EQ(shifted_code, 0) << last_err_;
  const json* rates = Signal(shifted, "label_rates");
  ASSERT_NE(rates, nullptr);
  EXPECT_TRUE(rates->at("alert").get<bool>()) << rates->dump();
  EXPECT_THAT(rates->at("detail").get<std::string>(), HasSubstr("moved most: shipping"));
  EXPECT_TRUE(Signal(shifted, "label_cardinality")->at("alert").get<bool>());
}

TEST_F(MultiLabelLoopTest, MalformedOrUnknownSetFeedback) {
  std::string window = MultiLabelCsv(40, 7);
  window += "hello about the blue trail and refund my card,refunds||sizing\n";
  auto [code, report] = Monitor(window);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(last_err_, HasSubstr("w.csv:42: feedback \"refunds||sizing\""));
  EXPECT_THAT(last_err_, HasSubstr("remove the extra separator"));

  // A label the model lacks inside a set is an unknown label; the rest of the set counts.
  std::string unknown = MultiLabelCsv(40, 8);
  for (int i = 0; i < 6; ++i) unknown += "hello about the red city and swap the pair please,exchanges|sizing\n";
  auto [unknown_code, with_unknown] = Monitor(unknown);
  ASSERT_EQ(unknown_code, 0) << last_err_;
  ASSERT_EQ(with_unknown.at("unknown_labels").size(), 1u);
  EXPECT_EQ(with_unknown.at("unknown_labels")[0].at("label"), "exchanges");
  EXPECT_EQ(with_unknown.at("unknown_labels")[0].at("rows"), 6);
  EXPECT_TRUE(Signal(with_unknown, "unknown_labels")->at("alert").get<bool>());
}

TEST_F(MultiLabelLoopTest, CycleLearnsANewIntentFromSetFeedback) {
  // A window where customers start asking for exchanges, every message labelled.
  MultiLabelCsvOptions week;
  week.with_exchanges = true;
  week.empty_set = "[]";
  auto c = RunCli({"cycle", "--task", spec_.string(), "--traffic", dir_.Write("w1.csv", MultiLabelCsv(400, 9, week)).string(),
                   "--label-budget", "10", "--json", "-", "--quiet"});
  ASSERT_LE(c.exit_code, 1) << c.err;
  const json r = json::parse(c.out);
  EXPECT_THAT(r.at("alerts").dump(), HasSubstr("unknown_labels"));
  ASSERT_TRUE(r.at("retrained").get<bool>()) << r.at("decision");
  EXPECT_TRUE(r.at("promoted").get<bool>()) << r.at("gate_report").dump();
  EXPECT_EQ(r.at("selection").at("rows"), 0);  // every message of the window is labelled already
  // The candidate trained on the sets: "[]" became an empty cell, the new intent a label.
  const std::filesystem::path derived =
      std::filesystem::path(r.at("training").at("spec").get<std::string>()).parent_path() / "train.csv";
  const std::string train = ReadAll(derived);
  EXPECT_THAT(train, HasSubstr("exchanges"));
  EXPECT_THAT(train, ::testing::Not(HasSubstr("[]")));

  // The new production model routes exchanges, alongside the other intents.
  const std::string production = r.at("production").get<std::string>();
  auto exported = RunCli({"models", "export", production, "--task", spec_.string(), "--output",
                          (dir_ / "production.bin").string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto predicted = RunCli({"predict", "--model", (dir_ / "production.bin").string()},
                          "hello about the blue trail and swap the pair please and refund my card\n");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  // predict lists a set in the model's label order; compared as a set.
  std::string set = predicted.out.substr(0, predicted.out.find(','));
  EXPECT_TRUE(set == "exchanges|refunds" || set == "refunds|exchanges") << predicted.out;

  // The next window, unlabelled: the cycle picks the messages to label next with the new model.
  auto next = RunCli({"cycle", "--task", spec_.string(), "--traffic",
                      dir_.Write("w2.csv", TextsOnly(MultiLabelCsv(100, 10, week))).string(),
                      "--label-budget", "10", "--json", "-", "--quiet"});
  ASSERT_LE(next.exit_code, 1) << next.err;
  const json n = json::parse(next.out);
  EXPECT_FALSE(n.at("retrained").get<bool>());
  EXPECT_EQ(n.at("selection").at("rows"), 10);
}

TEST_F(MultiLabelLoopTest, SelectPicksMessagesForAMultiLabelModel) {
  std::string window = "text\n";
  for (int i = 0; i < 30; ++i) window += fmt::format("hello about the trail {} and these are too small\n", i);
  window += "can i swap them for another colour\n";            // words the model never saw
  window += "hello there and maybe a refund or maybe not\n";     // a label near its threshold
  const auto w = dir_.Write("window.csv", window);
  auto s = RunCli({"select", "--task", spec_.string(), "--traffic", w.string(), "--budget", "3", "--random-share", "0",
                   "--output", (dir_ / "picked.csv").string()});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const std::string picked = ReadAll(dir_ / "picked.csv");
  EXPECT_THAT(picked, HasSubstr("swap them for another colour"));
  EXPECT_THAT(picked, HasSubstr("drifted"));
}

}  // namespace
}  // namespace trainops
