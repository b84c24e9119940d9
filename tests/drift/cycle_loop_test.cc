// The loop that learns (issue 23), end to end through the real binary: a cycle's retrain
// settles relabelled and conflicting rows instead of stopping, a failed retrain still
// records the cycle, accuracy that stays low retrains in consecutive windows while a
// stable stream never does, the label budget writes the messages to label next and
// weighs their labels when they come back, a retrain's out-of-scope threshold gives up no
// more in-scope accuracy than the earlier feedback's out-of-scope share, and the production
// model's threshold follows the feedback on the traffic it served.
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve/traffic_log.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;
using nlohmann::json;

const json* Signal(const json& report, const std::string& name) {
  for (const json& s : report.at("signals")) {
    if (s.at("name") == name) return &s;
  }
  return nullptr;
}

// The CSV's rows (after the header) with their intent replaced by a seeded uniform draw:
// labels that no model can learn, so feedback accuracy stays low however often it retrains.
std::string RandomLabels(const std::string& csv, uint64_t seed) {
  static const char* kIntents[] = {"returns", "shipping", "sizing", "payment"};
  std::mt19937_64 rng(seed);
  std::string out;
  size_t pos = csv.find('\n') + 1;
  out = csv.substr(0, pos);
  while (pos < csv.size()) {
    const size_t end = csv.find('\n', pos);
    std::string line = csv.substr(pos, end - pos);
    const size_t text_end = line.rfind('"') + 1;  // texts are quoted; the intent follows
    const size_t intent_end = line.find(',', text_end + 1);
    line = line.substr(0, text_end + 1) + kIntents[rng() % 4] + line.substr(intent_end);
    out += line + "\n";
    pos = end + 1;
  }
  return out;
}

// 3 out-of-scope rows in the synthetic traffic's columns.
std::string OutOfScopeRows() {
  std::string rows;
  for (int i = 0; i < 3; ++i) {
    rows += fmt::format("\"what is the weather on planet {}\",oos,chat,2026-02-01T10:00:00Z\n", i);
  }
  return rows;
}

class CycleLoopTest : public ::testing::Test {
 public:
  using Outcome = std::pair<int, json>;  // a cycle's exit code and JSON

 protected:
  void SetUp() override {
    dir_.Write("train.csv", SyntheticIntentCsv(900, 1, 4));
    dir_.Write("test.csv", SyntheticIntentCsv(300, 2, 4));
    WriteSpec("");
  }
  void WriteSpec(const std::string& extra) {
    spec_ = dir_.Write("task.yaml",
                       "name: shoes\n"
                       "data:\n  train: train.csv\n  test: test.csv\n  text_column: text\n  label_column: intent\n"
                       "seed: 3\nthreads: 1\n" + extra);
  }
  void Release() {
    auto t = RunCli({"train", "--task", spec_.string(), "--out", (dir_ / "runs/first").string(), "--quiet",
                     "--allow-data-errors"});
    ASSERT_EQ(t.exit_code, 0) << t.err;
    auto r = RunCli({"promote", (dir_ / "runs/first/model.bin").string(), "--task", spec_.string(), "--force",
                     "--reason", "test setup"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  Outcome Cycle(std::vector<std::string> extra) {
    std::vector<std::string> args = {"cycle", "--task", spec_.string(), "--json", "-", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto c = RunCli(args);
    last_err_ = c.err;
    return {c.exit_code, c.exit_code <= 1 ? json::parse(c.out) : json()};
  }
  // A cycle on a window of the first model's labels with 3 out-of-scope rows: feedback
  // for later retrains, no retrain of its own.
  json CycleOnAStableWindowWithOutOfScopeRows() {
    auto [code, r] =
        Cycle({"--traffic", dir_.Write("stable.csv", SyntheticIntentCsv(300, 60, 4) + OutOfScopeRows()).string()});
    EXPECT_LE(code, 1) << last_err_;
    EXPECT_FALSE(r.value("retrained", true)) << r.dump();
    return r;
  }
  json Cycles() {
    auto list = RunCli({"cycles", "list", "--task", spec_.string(), "--json"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    return json::parse(list.out);
  }

  TempDir dir_;
  std::filesystem::path spec_;
  std::string last_err_;
};

TEST_F(CycleLoopTest, RelabelledAndConflictingTrainingRowsNoLongerBlockACycle) {
  // 30 texts the training data has under two labels (3% of the rows: the pre-train check
  // calls that an error), and 5 training texts an agent has since relabelled.
  std::string train = ReadAll(dir_ / "train.csv");
  for (int i = 0; i < 15; ++i) {
    train += fmt::format("\"conflicted question number {}\",returns,email,2026-01-01T10:00:00Z\n", i);
    train += fmt::format("\"conflicted question number {}\",shipping,email,2026-01-01T10:00:00Z\n", i);
  }
  for (int i = 0; i < 5; ++i) train += fmt::format("\"relabel me please {}\",sizing,chat,2026-01-01T10:00:00Z\n", i);
  dir_.Write("train.csv", train);
  Release();

  // New labels (5 and 6) trigger a retrain; the window also corrects the 5 texts.
  std::string window = SyntheticIntentCsv(300, 12, 6);
  for (int i = 0; i < 5; ++i) window += fmt::format("\"relabel me please {}\",payment,chat,2026-02-01T10:00:00Z\n", i);
  auto [code, r] = Cycle({"--traffic", dir_.Write("w1.csv", window).string()});
  ASSERT_LE(code, 1) << last_err_;
  EXPECT_TRUE(r.at("retrained").get<bool>()) << r.at("decision");
  ASSERT_TRUE(r.at("superseded_rows").is_array());
  std::set<std::string> superseded;
  for (const json& s : r.at("superseded_rows")) {
    EXPECT_EQ(s.at("label"), "sizing");
    EXPECT_EQ(s.at("new_label"), "payment");
    EXPECT_THAT(s.at("source").get<std::string>(), HasSubstr("train.csv:"));
    superseded.insert(s.at("text"));
  }
  EXPECT_EQ(superseded.size(), 5u);
  const json& policy = r.at("training").at("data_policy");
  EXPECT_EQ(policy.at("conflicting_left_out_count"), 30);
  EXPECT_EQ(policy.at("superseded_count"), 5);

  // What the candidate trained on: the corrected labels, and none of the conflicts.
  const std::string derived = ReadAll(std::filesystem::path(r.at("training").at("spec").get<std::string>())
                                          .parent_path() / "train.csv");
  EXPECT_THAT(derived, HasSubstr("relabel me please 0,payment"));
  EXPECT_THAT(derived, ::testing::Not(HasSubstr("relabel me please 0,sizing")));
  EXPECT_THAT(derived, ::testing::Not(HasSubstr("conflicted question")));
  // The registry keeps the same report.
  const json cycles = Cycles();
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_TRUE(cycles[0].at("retrained").get<bool>());
}

TEST_F(CycleLoopTest, ARowRelabelledTwiceKeepsTheLatestLabel) {
  Release();
  const std::string header = "id,text,intent\n";
  std::string first = header, second = header;
  for (int i = 0; i < 40; ++i) {
    first += fmt::format("m{},\"where is my delivery courier {}\",shipping\n", i, i);
    second += fmt::format("m{},\"where is my delivery courier {}\",{}\n", i, i, i == 7 ? "returns" : "shipping");
  }
  auto [c1, r1] = Cycle({"--traffic", dir_.Write("w1.csv", first).string()});
  ASSERT_LE(c1, 1) << last_err_;
  EXPECT_EQ(r1.at("feedback").at("new_rows"), 40);
  auto [c2, r2] = Cycle({"--traffic", dir_.Write("w2.csv", second).string()});
  ASSERT_LE(c2, 1) << last_err_;
  EXPECT_EQ(r2.at("feedback").at("relabelled_rows"), 1);
  EXPECT_EQ(r2.at("feedback").at("new_rows"), 0);
  EXPECT_EQ(r2.at("feedback").at("already_recorded"), 39);
  // A third read of the second window changes nothing.
  auto [c3, r3] = Cycle({"--traffic", (dir_ / "w2.csv").string()});
  ASSERT_LE(c3, 1) << last_err_;
  EXPECT_EQ(r3.at("feedback").at("relabelled_rows"), 0);
  EXPECT_EQ(r3.at("feedback").at("already_recorded"), 40);
}

TEST_F(CycleLoopTest, AFailedRetrainStillRecordsTheWindow) {
  Release();
  // The work folder cannot be created (its parent is a file): a person must fix that.
  dir_.Write("not_a_folder", "x");
  // The selection's default place is in that folder too: it fails as well, and neither
  // failure loses the window.
  auto [code, r] = Cycle({"--traffic", dir_.Write("w1.csv", SyntheticIntentCsv(300, 12, 6)).string(), "--work-dir",
                          (dir_ / "not_a_folder" / "cycles").string(), "--label-budget", "5"});
  EXPECT_EQ(code, 2);
  EXPECT_THAT(last_err_, HasSubstr("not_a_folder"));
  EXPECT_THAT(last_err_, HasSubstr("is recorded with its monitoring, alerts and feedback"));
  const json cycles = Cycles();
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_TRUE(cycles[0].at("triggered").get<bool>());
  EXPECT_FALSE(cycles[0].at("retrained").get<bool>());
  EXPECT_FALSE(cycles[0].at("alerts").empty());
  // Its feedback was kept: the next cycle sees the window as recorded and retrains.
  auto [next, again] = Cycle({"--traffic", (dir_ / "w1.csv").string()});
  ASSERT_LE(next, 1) << last_err_;
  EXPECT_EQ(again.at("feedback").at("new_rows"), 0);
  EXPECT_TRUE(again.at("retrained").get<bool>()) << again.at("decision");
}

TEST_F(CycleLoopTest, AccuracyThatStaysLowRetrainsInConsecutiveWindowsAStableStreamNever) {
  Release();
  // Retrain, recover in the next window (the cooldown waived), then the cooldown holds
  // (recoveries do not chain), then the policy triggers again.
  std::vector<bool> retrained, recovery;
  for (int w = 0; w < 4; ++w) {
    const auto path = dir_.Write(fmt::format("noisy{}.csv", w), RandomLabels(SyntheticIntentCsv(300, 40 + w, 4), w));
    auto [code, r] = Cycle({"--traffic", path.string()});
    ASSERT_LE(code, 1) << last_err_;
    retrained.push_back(r.at("retrained").get<bool>());
    recovery.push_back(r.at("recovery").get<bool>());
    if (w == 1) {
      EXPECT_THAT(r.at("decision").get<std::string>(), HasSubstr("recovery")) << r.dump();
    }
    if (w == 2) {
      EXPECT_THAT(r.at("decision").get<std::string>(), HasSubstr("cooldown")) << r.dump();
    }
  }
  EXPECT_EQ(retrained, (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(recovery, (std::vector<bool>{false, true, false, false}));
  const json cycles = Cycles();  // the history says which retrain was a recovery
  ASSERT_EQ(cycles.size(), 4u);
  EXPECT_TRUE(cycles[1].at("recovery").get<bool>());
  EXPECT_THAT(cycles[1].at("decision").get<std::string>(), HasSubstr("recovery"));
}

TEST_F(CycleLoopTest, TheRetrainsRejectionGivesUpNoMoreInScopeAccuracyThanTheFeedbacksOutOfScopeShare) {
  WriteSpec("oos_label: oos\n");
  Release();
  const double n = CycleOnAStableWindowWithOutOfScopeRows().at("feedback").at("new_rows").get<double>();
  // New labels: a retrain. The out-of-scope share is estimated on the earlier window.
  auto [code, r] = Cycle({"--traffic", dir_.Write("w2.csv", SyntheticIntentCsv(300, 12, 6)).string()});
  ASSERT_LE(code, 1) << last_err_;
  ASSERT_TRUE(r.at("retrained").get<bool>()) << r.at("decision");
  const json& rule = r.at("training").at("threshold_rule");
  ASSERT_TRUE(rule.is_object()) << r.at("training").dump();
  EXPECT_EQ(rule.at("rule"), "accuracy_drop");
  const json& share = rule.at("oos_share");
  EXPECT_EQ(share.at("oos_rows"), 3);
  EXPECT_EQ(share.at("sample_rows"), n);
  EXPECT_EQ(share.at("ranked_rows_left_out"), 0);
  EXPECT_EQ(share.at("window_rows_left_out"), r.at("feedback").at("new_rows"));
  EXPECT_DOUBLE_EQ(share.at("estimate").get<double>(), 4 / (n + 2));
  const double drop = rule.at("max_accuracy_drop").get<double>();
  EXPECT_DOUBLE_EQ(drop, 4 / (n + 2));
  EXPECT_LT(drop, 0.02);  // below the spec's 2 points
  // The candidate's threshold was chosen with that drop.
  const std::filesystem::path run_dir = r.at("training").at("run_dir").get<std::string>();
  const json run = json::parse(ReadAll(run_dir / "run.json"));
  EXPECT_THAT(run.at("rejection").at("rationale").get<std::string>(),
              HasSubstr(fmt::format("within {:.2f} points", 100 * drop)));
}

// The first retrain of a task (no earlier window to estimate the share on), or any
// retrain with drift.oos_share_drop off: the spec's drop.
void ExpectTheSpecsDrop(const CycleLoopTest::Outcome& cycle, bool with_estimate) {
  const auto& [code, r] = cycle;
  ASSERT_LE(code, 1);
  ASSERT_TRUE(r.at("retrained").get<bool>()) << r.at("decision");
  const json& rule = r.at("training").at("threshold_rule");
  EXPECT_EQ(rule.at("rule"), "accuracy_drop");
  EXPECT_DOUBLE_EQ(rule.at("max_accuracy_drop").get<double>(), 0.02);
  EXPECT_EQ(rule.contains("oos_share"), with_estimate);
  // On, with no earlier window: (0 + 1) / (0 + 2), above the cap.
  if (with_estimate) EXPECT_EQ(rule.at("oos_share").at("sample_rows"), 0);
  const json run = json::parse(ReadAll(std::filesystem::path(r.at("training").at("run_dir").get<std::string>()) /
                                       "run.json"));
  EXPECT_THAT(run.at("rejection").at("rationale").get<std::string>(), HasSubstr("within 2.00 points"));
}

TEST_F(CycleLoopTest, TheFirstRetrainHasNoEarlierFeedbackAndKeepsTheSpecsDrop) {
  WriteSpec("oos_label: oos\n");
  Release();
  const std::string window = SyntheticIntentCsv(300, 12, 6) + OutOfScopeRows();
  ExpectTheSpecsDrop(Cycle({"--traffic", dir_.Write("w1.csv", window).string()}), true);
}

TEST_F(CycleLoopTest, WithOosShareDropOffTheRetrainKeepsTheSpecsDrop) {
  WriteSpec("oos_label: oos\ndrift:\n  oos_share_drop: false\n");
  Release();
  CycleOnAStableWindowWithOutOfScopeRows();
  ExpectTheSpecsDrop(Cycle({"--traffic", dir_.Write("w2.csv", SyntheticIntentCsv(300, 12, 6)).string()}), false);
}

// A first model that rejects by a 10-point drop serves traffic that is almost all in scope:
// the cycle moves its threshold to the one the served rows' feedback supports (a sign test
// on the rows whose answer changes), releases the same weights with it through the gates,
// and recomputes the reference statistics, so the next stable window raises no rejection
// or label-mix alert. A later retrain is gated against the refreshed model scored at the
// threshold it was trained with.
TEST_F(CycleLoopTest, TheProductionThresholdFollowsTheServedTraffic) {
  WriteSpec("oos_label: oos\nevaluation:\n  max_accuracy_drop: 0.1\n");
  Release();
  const std::string window = SyntheticIntentCsv(300, 60, 4) + OutOfScopeRows();
  auto [code, r] = Cycle({"--traffic", dir_.Write("stable.csv", window).string()});
  ASSERT_LE(code, 1) << last_err_;
  EXPECT_FALSE(r.at("retrained").get<bool>());
  const json& t = r.at("threshold_refresh");
  ASSERT_TRUE(t.at("refresh").get<bool>()) << t.dump();
  EXPECT_TRUE(t.at("promoted").get<bool>()) << t.dump();
  EXPECT_TRUE(r.at("promoted").get<bool>());
  EXPECT_EQ(r.at("production"), t.at("model"));
  EXPECT_NE(r.at("production"), r.at("model"));  // the model monitored this window
  EXPECT_LT(t.at("best_threshold").get<double>(), t.at("current_threshold").get<double>());
  EXPECT_GT(t.at("gained").get<size_t>(), t.at("lost").get<size_t>());
  EXPECT_LE(t.at("p_value").get<double>(), 0.05);
  EXPECT_EQ(t.at("rows").get<size_t>() + t.at("left_out").at("trained_or_validated_on").get<size_t>(),
            r.at("feedback").at("new_rows").get<size_t>());
  EXPECT_EQ(t.at("oos_rows"), 3);

  // The refreshed model: same labels, the new threshold, fewer validation rows rejected.
  const json models = json::parse(RunCli({"models", "list", "--task", spec_.string(), "--json"}).out);
  bool found = false;
  for (const json& m : models) {
    if (m.at("id") != t.at("model")) continue;
    found = true;
    const json& meta = m.at("metrics").at("threshold_refresh");
    EXPECT_EQ(meta.at("from_model"), r.at("model"));
    EXPECT_DOUBLE_EQ(meta.at("trained_threshold").get<double>(), t.at("current_threshold").get<double>());
  }
  EXPECT_TRUE(found) << models.dump();

  auto [code2, r2] = Cycle({"--traffic", dir_.Write("stable2.csv", SyntheticIntentCsv(300, 61, 4)).string()});
  ASSERT_LE(code2, 1) << last_err_;
  EXPECT_EQ(r2.at("model"), t.at("model"));
  for (const std::string& alert : r2.at("alerts")) {
    EXPECT_NE(alert, "rejection_rate");
    EXPECT_NE(alert, "predicted_label_mix");
  }

  // New labels: a retrain, gated against the refreshed production at its trained threshold.
  auto [code3, r3] = Cycle({"--traffic", dir_.Write("w3.csv", SyntheticIntentCsv(300, 12, 6)).string()});
  ASSERT_LE(code3, 1) << last_err_;
  ASSERT_TRUE(r3.at("retrained").get<bool>()) << r3.at("decision");
  EXPECT_THAT(r3.at("gate_report").at("verdict").get<std::string>(),
              HasSubstr(fmt::format("scored at its trained threshold {:.4f}", t.at("current_threshold").get<double>())));
}

TEST_F(CycleLoopTest, WithThresholdRefreshOffTheProductionModelStays) {
  WriteSpec("oos_label: oos\nevaluation:\n  max_accuracy_drop: 0.1\ndrift:\n  threshold_refresh: false\n");
  Release();
  auto [code, r] = Cycle({"--traffic", dir_.Write("stable.csv", SyntheticIntentCsv(300, 60, 4)).string()});
  ASSERT_LE(code, 1) << last_err_;
  EXPECT_FALSE(r.at("promoted").get<bool>());
  EXPECT_EQ(r.at("production"), r.at("model"));
  EXPECT_FALSE(r.at("threshold_refresh").at("refresh").get<bool>());
  EXPECT_THAT(r.at("threshold_refresh").at("reason").get<std::string>(), HasSubstr("drift.threshold_refresh is off"));
}

// The refresh rereads the production model's run to tell which rows it trained on and to
// recompute its reference statistics; when that data changed since, it keeps the threshold
// and says why, and the cycle goes on.
TEST_F(CycleLoopTest, AThresholdRefreshNeedsTheRunsDataAsItTrained) {
  WriteSpec("oos_label: oos\nevaluation:\n  max_accuracy_drop: 0.1\n");
  Release();
  dir_.Write("train.csv", ReadAll(dir_ / "train.csv") + "\"one more row written after training\",returns,web,"
                                                       "2026-01-01T00:00:00Z\n");
  auto [code, r] = Cycle({"--traffic", dir_.Write("stable.csv", SyntheticIntentCsv(300, 60, 4)).string()});
  ASSERT_LE(code, 1) << last_err_;
  EXPECT_FALSE(r.at("promoted").get<bool>());
  EXPECT_FALSE(r.at("threshold_refresh").at("refresh").get<bool>());
  EXPECT_THAT(r.at("threshold_refresh").at("reason").get<std::string>(), HasSubstr("changed since it trained"));
}

TEST_F(CycleLoopTest, AStableStreamNeverRetrains) {
  Release();
  for (int w = 0; w < 3; ++w) {
    auto [code, r] = Cycle({"--traffic", dir_.Write(fmt::format("s{}.csv", w), SyntheticIntentCsv(300, 60 + w, 4))});
    ASSERT_EQ(code, 0) << last_err_;
    EXPECT_FALSE(r.at("triggered").get<bool>()) << r.at("decision");
    EXPECT_FALSE(r.at("recovery").get<bool>());
  }
}

TEST_F(CycleLoopTest, TheLabelBudgetPicksMessagesAndWeighsTheirLabelsWhenTheyReturn) {
  Release();
  // The window arrives without labels.
  std::string unlabelled;
  const std::string labelled = SyntheticIntentCsv(300, 12, 4);
  {
    std::string line;
    std::istringstream in(labelled);
    std::getline(in, line);
    unlabelled = "text,time\n";
    while (std::getline(in, line)) {
      const size_t text_end = line.rfind('"') + 1;
      unlabelled += line.substr(0, text_end) + "," + line.substr(line.rfind(',') + 1) + "\n";
    }
  }
  const auto selection = dir_ / "to_label.csv";
  auto [code, r] = Cycle({"--traffic", dir_.Write("w1.csv", unlabelled).string(), "--label-budget", "20",
                          "--selection", selection.string()});
  ASSERT_EQ(code, 0) << last_err_;
  ASSERT_TRUE(r.at("selection").is_object());
  EXPECT_EQ(r.at("selection").at("rows"), 20);
  EXPECT_EQ(r.at("selection").at("random"), 2);
  const std::string csv = ReadAll(selection);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "id,time,text,score,reason,stratum");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 21);

  // Agents label the picks (with the stream's true labels); they come back with the next window.
  std::map<std::string, std::string> truth;
  {
    std::istringstream in(labelled);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const size_t text_end = line.rfind('"');
      const std::string text = line.substr(1, text_end - 1);
      const size_t intent_end = line.find(',', text_end + 2);
      truth[text] = line.substr(text_end + 2, intent_end - text_end - 2);
    }
  }
  std::string labels = "time,text,intent\n";
  {
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      // id is empty (the traffic has none): ",TIME,TEXT,..." (the texts have no commas).
      std::vector<std::string> fields;
      std::istringstream cells(line);
      for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(cell);
      ASSERT_GE(fields.size(), 3u) << line;
      std::string text = fields[2];
      if (!text.empty() && text.front() == '"') text = text.substr(1, text.size() - 2);
      labels += fields[1] + ",\"" + text + "\"," + truth.at(text) + "\n";
    }
  }
  auto [code2, r2] = Cycle({"--traffic", dir_.Write("w2.csv", unlabelled).string(), "--feedback",
                            dir_.Write("labels.csv", labels).string()});
  ASSERT_LE(code2, 1) << last_err_;
  EXPECT_EQ(r2.at("feedback").at("late").at("rows"), 20);
  EXPECT_EQ(r2.at("feedback").at("from_selection").at("ranked"), 18);
  EXPECT_EQ(r2.at("feedback").at("from_selection").at("random"), 2);
  EXPECT_EQ(r2.at("window").at("rows"), 300);
  EXPECT_EQ(r2.at("window").at("late_feedback_rows"), 20);
  const json* fb = Signal(r2, "feedback_accuracy");
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(r2.at("feedback_accuracy").at("estimator"), "stratified");
  // 18 hard picks and 2 random ones say little about the window's accuracy: reported, not tested.
  EXPECT_LT(fb->at("effective_rows").get<double>(), 30);
  EXPECT_FALSE(fb->at("tested").get<bool>());
  EXPECT_FALSE(r2.at("triggered").get<bool>()) << r2.at("decision");
}

TEST_F(CycleLoopTest, LabelsGivenThroughTheServerForSelectedRequestsReturnWithTheNextWindow) {
  Release();
  const std::filesystem::path log = testing::DefaultTestTrafficLog(dir_ / ".trainops" / "traffic.db");
  std::map<std::string, std::string> truth;  // request id -> intent
  auto open_log = [&] {
    serve::TrafficLogOptions o;
    o.path = log;
    return std::make_unique<serve::TrafficLog>(o);
  };
  {
    auto traffic = open_log();
    traffic->Start();
    const std::string csv = SyntheticIntentCsv(80, 15, 4);
    size_t i = 0;
    for (size_t pos = csv.find('\n') + 1; pos < csv.size(); ++i) {
      const size_t end = csv.find('\n', pos);
      const std::string line = csv.substr(pos, end - pos);
      pos = end + 1;
      const size_t close = line.find("\",");
      serve::TrafficRecord rec;
      rec.request_id = "r" + std::to_string(i);
      rec.time = i < 40 ? "2026-03-02T10:00:00.000Z" : "2026-03-10T10:00:00.000Z";
      rec.text = line.substr(1, close - 1);
      rec.model = "m";
      truth[rec.request_id] = line.substr(close + 2, line.find(',', close + 2) - close - 2);
      ASSERT_TRUE(traffic->TryLog(rec));
    }
    traffic->Stop();
  }
  const auto selection = dir_ / "to_label.csv";
  auto [c1, r1] = Cycle({"--since", "2026-03-01", "--until", "2026-03-09", "--label-budget", "10", "--selection",
                         selection.string()});
  ASSERT_EQ(c1, 0) << last_err_;
  EXPECT_EQ(r1.at("selection").at("candidates"), 40);
  // Agents label the picks through the server during the next week.
  std::vector<std::string> picked;
  {
    std::istringstream in(ReadAll(selection));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) picked.push_back(line.substr(0, line.find(',')));
  }
  ASSERT_EQ(picked.size(), 10u);
  {
    auto traffic = open_log();
    traffic->Start();
    for (const auto& id : picked) ASSERT_TRUE(traffic->TryLogFeedback({id, truth.at(id), "2026-03-11T09:00:00.000Z"}));
    traffic->Stop();
  }
  auto [c2, r2] = Cycle({"--since", "2026-03-09", "--until", "2026-03-16"});
  ASSERT_LE(c2, 1) << last_err_;
  EXPECT_EQ(r2.at("window").at("rows"), 40);
  EXPECT_EQ(r2.at("window").at("late_feedback_rows"), 10);
  EXPECT_EQ(r2.at("window").at("first"), "2026-03-10T10:00:00.000Z");  // late rows keep their own week
  EXPECT_EQ(r2.at("feedback").at("from_selection").at("ranked"), 9);
  EXPECT_EQ(r2.at("feedback").at("from_selection").at("random"), 1);
  EXPECT_EQ(r2.at("feedback").at("new_rows"), 10);
}

TEST_F(CycleLoopTest, LabelBudgetErrorsNameTheFix) {
  Release();
  const auto window = dir_.Write("w1.csv", SyntheticIntentCsv(100, 12, 4));
  auto no_budget = RunCli({"cycle", "--task", spec_.string(), "--traffic", window.string(), "--selection",
                           (dir_ / "s.csv").string()});
  EXPECT_EQ(no_budget.exit_code, 2);
  EXPECT_THAT(no_budget.err, HasSubstr("--label-budget"));
  auto onto_input = RunCli({"cycle", "--task", spec_.string(), "--traffic", window.string(), "--label-budget", "5",
                            "--selection", window.string()});
  EXPECT_EQ(onto_input.exit_code, 2);
  EXPECT_THAT(onto_input.err, HasSubstr("--selection"));
  auto negative = RunCli({"cycle", "--task", spec_.string(), "--traffic", window.string(), "--label-budget", "-3"});
  EXPECT_EQ(negative.exit_code, 2);
  auto unlabelled_feedback = RunCli({"cycle", "--task", spec_.string(), "--traffic", window.string(), "--feedback",
                                     dir_.Write("nolabels.csv", "text\nhello\n").string()});
  EXPECT_EQ(unlabelled_feedback.exit_code, 2);
  EXPECT_THAT(unlabelled_feedback.err, HasSubstr("no label column"));
  // None of the refused runs left a cycle behind.
  EXPECT_TRUE(Cycles().empty());
}

TEST_F(CycleLoopTest, TheLoopsSettingsAreBounded) {
  Release();
  const auto window = dir_.Write("w1.csv", SyntheticIntentCsv(100, 12, 4));
  for (const auto& [line, key] : std::vector<std::pair<std::string, std::string>>{
           {"  feedback_weight: 0.5\n", "drift.feedback_weight"},
           {"  feedback_weight: 50\n", "drift.feedback_weight"},
           {"  balance_share: 2\n", "drift.balance_share"},
           {"  recovery_windows: -1\n", "drift.recovery_windows"},
           {"  max_row_weight: 1000\n", "drift.max_row_weight"},
           {"  feedback_as: clones\n", "drift.feedback_as"},
           {"  oos_share_drop: maybe\n", "drift.oos_share_drop"},
           {"  threshold_refresh: maybe\n", "drift.threshold_refresh"},
           {"  threshold_refresh_alpha: 0\n", "drift.threshold_refresh_alpha"},
           {"  threshold_refresh_alpha: 0.9\n", "drift.threshold_refresh_alpha"}}) {
    WriteSpec("drift:\n" + line);
    auto r = RunCli({"cycle", "--task", spec_.string(), "--traffic", window.string()});
    EXPECT_EQ(r.exit_code, 2) << line;
    EXPECT_THAT(r.err, HasSubstr("task.yaml:10")) << line;  // the key's line
    EXPECT_THAT(r.err, HasSubstr(key)) << line;
  }
  WriteSpec("");
  EXPECT_TRUE(Cycles().empty());
}

}  // namespace
}  // namespace trainops
