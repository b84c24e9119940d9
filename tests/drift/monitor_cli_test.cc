// `trainops monitor`, `cycle` and `cycles list` end to end through the real binary, on a
// small synthetic task: a stable window raises nothing, new labels and typos are flagged,
// small windows are not tested, a cycle retrains only when a trigger fires, promotes on a
// pass, exits 1 when the gate blocks, and reads the server's traffic log.
#include <algorithm>
#include <functional>
#include <random>

#include <gmock/gmock.h>
#include <sqlite3.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve/traffic_log.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
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

bool Alerted(const json& report, const std::string& name) {
  const auto& a = report.at("alerts");
  return std::find(a.begin(), a.end(), name) != a.end();
}

// Letters of each word longer than 3 shuffled: what typos do to a vocabulary.
std::string WithTypos(const std::string& csv, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out;
  bool in_quotes = false;
  std::string word;
  auto flush = [&] {
    if (word.size() > 3) std::shuffle(word.begin() + 1, word.end() - 1, rng);
    out += word;
    word.clear();
  };
  size_t line_start = 0;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (c == '\n') line_start = i + 1;
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes && line_start > 0 && std::isalpha(static_cast<unsigned char>(c))) {
      word += c;
      continue;
    }
    flush();
    out += c;
  }
  flush();
  return out;
}

class MonitorCliTest : public ::testing::Test {
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
  // Trains and releases the first production model.
  void Release() {
    auto t = RunCli({"train", "--task", spec_.string(), "--out", (dir_ / "runs/first").string(), "--quiet"});
    EXPECT_EQ(t.exit_code, 0) << t.err;
    auto r = RunCli({"release", "--task", spec_.string(), "--candidate", (dir_ / "runs/first/model.bin").string(),
                     "--quiet"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  json Monitor(const std::filesystem::path& window, int expect_exit = 0) {
    auto m = RunCli({"monitor", "--task", spec_.string(), "--traffic", window.string(), "--json", "-"});
    EXPECT_EQ(m.exit_code, expect_exit) << m.err;
    return m.exit_code == 0 ? json::parse(m.out) : json();
  }
  std::pair<int, json> Cycle(const std::filesystem::path& window) {
    auto c = RunCli({"cycle", "--task", spec_.string(), "--traffic", window.string(), "--json", "-", "--quiet"});
    if (c.exit_code != 0 && c.exit_code != 1) ADD_FAILURE() << c.err;
    return {c.exit_code, c.exit_code <= 1 ? json::parse(c.out) : json()};
  }

  TempDir dir_;
  std::filesystem::path spec_;
};

TEST_F(MonitorCliTest, AStableWindowRaisesNothing) {
  Release();
  const json r = Monitor(dir_.Write("week.csv", SyntheticIntentCsv(300, 5, 4)));
  EXPECT_TRUE(r.at("alerts").empty()) << r.at("alerts").dump();
  for (const char* key : {"alerts", "estimated_accuracy", "feedback_accuracy", "signals", "window", "test"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  for (const json& s : r.at("signals")) {
    for (const char* key : {"name", "value", "threshold", "p_value", "alert"}) EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_FALSE(s.at("alert").get<bool>()) << s.dump();
  }
  const double estimated = r.at("estimated_accuracy").at("value");
  const double actual = r.at("feedback_accuracy").at("value");
  EXPECT_TRUE(r.at("estimated_accuracy").at("reliable").get<bool>());
  EXPECT_NEAR(estimated, actual, 0.06) << "label-free estimate far from the feedback accuracy";
  EXPECT_LE(r.at("estimated_accuracy").at("low").get<double>(), estimated);
  EXPECT_EQ(r.at("window").at("rows"), 300);
}

TEST_F(MonitorCliTest, TheReportDrawsEverySignalAndThePastWeeks) {
  Release();
  for (int week = 0; week < 3; ++week) {
    const auto window = dir_.Write("week" + std::to_string(week) + ".csv", SyntheticIntentCsv(200, 30 + week, 4));
    auto m = RunCli({"monitor", "--task", spec_.string(), "--traffic", window.string(), "--quiet"});
    ASSERT_EQ(m.exit_code, 0) << m.err;
  }
  const auto html = dir_ / "drift.html";
  auto m = RunCli({"monitor", "--task", spec_.string(), "--traffic", dir_.Write("now.csv", SyntheticIntentCsv(200, 40, 6)).string(),
                   "--report", html.string(), "--json", (dir_ / "now.json").string()});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const std::string page = testing::ReadAll(html);
  const json r = json::parse(testing::ReadAll(dir_ / "now.json"));
  for (const json& s : r.at("signals")) EXPECT_THAT(page, HasSubstr(s.at("name").get<std::string>()));
  EXPECT_THAT(page, HasSubstr("unknown_labels"));
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_EQ(page.find("<script"), std::string::npos);
  // Three earlier weeks were recorded: each history chart has them plus this run.
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = page.find(needle); at != std::string::npos; at = page.find(needle, at + 1)) ++n;
    return n;
  };
  const size_t charts = count("(this run)");
  EXPECT_GE(charts, 6u);
  EXPECT_EQ(count("<circle class=\"pt"), 4 * charts);
  // A bad report path fails before any work.
  auto bad = RunCli({"monitor", "--task", spec_.string(), "--traffic", (dir_ / "now.csv").string(), "--report",
                     (dir_ / "missing-folder" / "x.html").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--report"));
  // An output never replaces an input: the traffic file named as --json is refused.
  const std::string before = testing::ReadAll(dir_ / "now.csv");
  auto over = RunCli({"monitor", "--task", spec_.string(), "--traffic", (dir_ / "now.csv").string(), "--json",
                      (dir_ / "." / "now.csv").string()});
  EXPECT_EQ(over.exit_code, 2);
  EXPECT_EQ(testing::ReadAll(dir_ / "now.csv"), before);
  auto cycle_over = RunCli({"cycle", "--task", spec_.string(), "--traffic", (dir_ / "now.csv").string(), "--json",
                            (dir_ / "train.csv").string()});
  EXPECT_EQ(cycle_over.exit_code, 2);
}

TEST_F(MonitorCliTest, WithoutTheLabelColumnFeedbackIsNull) {
  Release();
  const std::string csv = SyntheticIntentCsv(100, 6, 4);
  std::string texts = "text\n";
  for (size_t pos = csv.find('\n') + 1; pos < csv.size();) {
    const size_t end = csv.find('\n', pos);
    const std::string line = csv.substr(pos, end - pos);
    texts += line.substr(0, line.find("\",") + 1) + "\n";
    pos = end + 1;
  }
  const json r = Monitor(dir_.Write("unlabelled.csv", texts));
  EXPECT_TRUE(r.at("feedback_accuracy").is_null());
  EXPECT_EQ(Signal(r, "feedback_accuracy"), nullptr);
  EXPECT_EQ(r.at("window").at("feedback_rows"), 0);
}

TEST_F(MonitorCliTest, NewLabelsAreFlagged) {
  Release();
  // Six intents where the model knows four: a third of the feedback is labels it lacks.
  const json r = Monitor(dir_.Write("new.csv", SyntheticIntentCsv(300, 7, 6)));
  EXPECT_TRUE(Alerted(r, "unknown_labels")) << r.at("alerts").dump();
  EXPECT_TRUE(Alerted(r, "feedback_accuracy")) << r.at("alerts").dump();
  ASSERT_FALSE(r.at("unknown_labels").empty());
  std::vector<std::string> labels;
  for (const auto& u : r.at("unknown_labels")) labels.push_back(u.at("label"));
  EXPECT_THAT(labels, ::testing::UnorderedElementsAre("refunds", "exchange"));
}

TEST_F(MonitorCliTest, TyposRaiseUnseenWordsAndMakeTheEstimateUnreliable) {
  Release();
  const json r = Monitor(dir_.Write("typos.csv", WithTypos(SyntheticIntentCsv(300, 8, 4), 1)));
  EXPECT_TRUE(Alerted(r, "oov_share")) << r.at("alerts").dump();
  EXPECT_FALSE(r.at("estimated_accuracy").at("reliable").get<bool>());
  EXPECT_THAT(r.at("estimated_accuracy").at("reason").get<std::string>(), HasSubstr("not a valid estimate"));
}

TEST_F(MonitorCliTest, ASmallWindowIsNotTested) {
  Release();
  const json r = Monitor(dir_.Write("tiny.csv", WithTypos(SyntheticIntentCsv(12, 9, 4), 2)));
  const json* oov = Signal(r, "oov_share");
  ASSERT_NE(oov, nullptr);
  EXPECT_FALSE(oov->at("tested").get<bool>());
  EXPECT_FALSE(oov->at("alert").get<bool>());
  EXPECT_THAT(oov->at("detail").get<std::string>(), HasSubstr("min_rows"));
}

TEST_F(MonitorCliTest, ErrorsNameTheFixAndExit2) {
  // No production model yet.
  auto none = RunCli({"monitor", "--task", spec_.string(), "--traffic", dir_.Write("w.csv", SyntheticIntentCsv(50, 1)).string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("no production model"));
  Release();
  auto column = RunCli({"monitor", "--task", spec_.string(), "--traffic", dir_.Write("bad.csv", "message\nhello\n").string()});
  EXPECT_EQ(column.exit_code, 2);
  EXPECT_THAT(column.err, HasSubstr("bad.csv"));
  EXPECT_THAT(column.err, HasSubstr("no text column"));
  auto both = RunCli({"monitor", "--task", spec_.string(), "--traffic", (dir_ / "w.csv").string(), "--since", "2026-01-01"});
  EXPECT_EQ(both.exit_code, 2);
  auto neither = RunCli({"monitor", "--task", spec_.string()});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_THAT(neither.err, HasSubstr("--traffic"));
  auto bad_drift = RunCli({"monitor", "--task", dir_.Write("bad.yaml", "name: x\ndata:\n  train: train.csv\n  "
                                                                        "text_column: text\n  label_column: intent\n"
                                                                        "drift:\n  family_alpha: 2\n").string(),
                           "--traffic", (dir_ / "w.csv").string()});
  EXPECT_EQ(bad_drift.exit_code, 2);
  EXPECT_THAT(bad_drift.err, HasSubstr("bad.yaml:7"));  // the line of family_alpha
  EXPECT_THAT(bad_drift.err, HasSubstr("drift.family_alpha"));
}

TEST_F(MonitorCliTest, ACycleRetrainsOnlyWhenATriggerFiresAndPromotesOnAPass) {
  Release();
  auto [stable_exit, stable] = Cycle(dir_.Write("w1.csv", SyntheticIntentCsv(300, 11, 4)));
  EXPECT_EQ(stable_exit, 0);
  for (const char* key : {"alerts", "triggered", "triggers", "retrained", "candidate", "gate", "promoted", "production",
                          "estimated_accuracy", "feedback_accuracy", "signals"}) {
    EXPECT_TRUE(stable.contains(key)) << key;
  }
  EXPECT_FALSE(stable.at("triggered").get<bool>());
  EXPECT_FALSE(stable.at("retrained").get<bool>());
  EXPECT_TRUE(stable.at("candidate").is_null());
  EXPECT_TRUE(stable.at("gate").is_null());
  const std::string first = stable.at("production");

  auto [drift_exit, drifted] = Cycle(dir_.Write("w2.csv", SyntheticIntentCsv(300, 12, 6)));
  EXPECT_EQ(drift_exit, 0) << drifted.dump();
  EXPECT_TRUE(drifted.at("triggered").get<bool>()) << drifted.at("decision");
  EXPECT_TRUE(drifted.at("retrained").get<bool>());
  EXPECT_TRUE(drifted.at("promoted").get<bool>()) << drifted.at("gate_report").dump();
  EXPECT_EQ(drifted.at("gate"), "passed");
  EXPECT_NE(drifted.at("production"), first);
  EXPECT_EQ(drifted.at("production"), drifted.at("candidate"));

  // The next week is monitored against the new model, which knows the new labels.
  auto [after_exit, after] = Cycle(dir_.Write("w3.csv", SyntheticIntentCsv(300, 13, 6)));
  EXPECT_EQ(after_exit, 0);
  EXPECT_EQ(after.at("model"), drifted.at("production"));
  EXPECT_FALSE(Alerted(after, "unknown_labels")) << after.at("alerts").dump();

  // The same window again: its feedback is already recorded.
  auto [again_exit, again] = Cycle(dir_ / "w3.csv");
  EXPECT_EQ(again_exit, 0);
  EXPECT_EQ(again.at("feedback").at("new_rows"), 0);

  auto list = RunCli({"cycles", "list", "--task", spec_.string(), "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const json cycles = json::parse(list.out);
  ASSERT_EQ(cycles.size(), 4u);
  EXPECT_TRUE(cycles[1].at("promoted").get<bool>());
  EXPECT_FALSE(cycles[0].at("retrained").get<bool>());
  auto table = RunCli({"cycles", "list", "--task", spec_.string()});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_THAT(table.out, HasSubstr(drifted.at("candidate").get<std::string>().substr(0, 12)));
}

TEST_F(MonitorCliTest, ACandidateBlockedByItsGateExits1) {
  WriteSpec("gates:\n  metrics:\n    - \"accuracy >= 0.9999\"\n");
  // The first release needs its gate too: promote it by force for this test.
  auto t = RunCli({"train", "--task", spec_.string(), "--out", (dir_ / "runs/first").string(), "--quiet"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto p = RunCli({"promote", (dir_ / "runs/first/model.bin").string(), "--task", spec_.string(), "--force",
                   "--reason", "test setup"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto [code, r] = Cycle(dir_.Write("w.csv", SyntheticIntentCsv(300, 14, 6)));
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(r.at("retrained").get<bool>());
  EXPECT_FALSE(r.at("promoted").get<bool>());
  EXPECT_EQ(r.at("gate"), "failed");
  EXPECT_FALSE(r.at("gate_report").at("passed").get<bool>());
  EXPECT_EQ(r.at("production"), r.at("model"));  // unchanged
}

// Writes the rows of SyntheticIntentCsv(rows, 15, 4) to the traffic log as requests
// "r0", "r1", ... of model "m"; `shape` sets each record's time and says whether its
// label goes in as feedback at that time.
void LogSyntheticTraffic(const std::filesystem::path& log, size_t rows,
                         const std::function<bool(size_t, serve::TrafficRecord&)>& shape) {
  serve::TrafficLogOptions o;
  o.path = log;
  serve::TrafficLog traffic(o);
  const std::string csv = SyntheticIntentCsv(rows, 15, 4);
  size_t i = 0;
  for (size_t pos = csv.find('\n') + 1; pos < csv.size(); ++i) {
    const size_t end = csv.find('\n', pos);
    const std::string line = csv.substr(pos, end - pos);
    pos = end + 1;
    const size_t close = line.find("\",");
    serve::TrafficRecord rec;
    rec.request_id = "r" + std::to_string(i);
    rec.text = line.substr(1, close - 1);
    rec.model = "m";
    const bool feedback = shape(i, rec);
    ASSERT_TRUE(traffic.TryLog(rec));
    if (feedback) {
      const std::string label = line.substr(close + 2, line.find(',', close + 2) - close - 2);
      ASSERT_TRUE(traffic.TryLogFeedback({rec.request_id, label, rec.time}));
    }
  }
  traffic.Stop();
}

TEST_F(MonitorCliTest, ReadsTheServersTrafficLog) {
  Release();
  const std::filesystem::path log = testing::DefaultTestTrafficLog(dir_ / ".trainops" / "traffic.db");
  LogSyntheticTraffic(log, 80, [](size_t i, serve::TrafficRecord& rec) {
    rec.time = i < 40 ? "2026-03-01T10:00:00.000Z" : "2026-03-09T10:00:00.000Z";
    return i % 2 == 0;  // feedback on every other request
  });
  auto m = RunCli({"monitor", "--task", spec_.string(), "--since", "2026-03-01", "--until", "2026-03-08", "--json", "-"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const json r = json::parse(m.out);
  EXPECT_EQ(r.at("window").at("rows"), 40);
  EXPECT_EQ(r.at("window").at("feedback_rows"), 20);
  EXPECT_FALSE(r.at("feedback_accuracy").is_null());
  // select and cycle read the same window of the log.
  auto sel = RunCli({"select", "--task", spec_.string(), "--since", "2026-03-01", "--until", "2026-03-08", "--budget",
                     "5", "--output", (dir_ / "sel.csv").string()});
  ASSERT_EQ(sel.exit_code, 0) << sel.err;
  const std::string picked = testing::ReadAll(dir_ / "sel.csv");
  EXPECT_THAT(picked, ::testing::StartsWith("request_id,time,model,text,label"));
  EXPECT_EQ(std::count(picked.begin(), picked.end(), '\n'), 6);  // header + 5 picks
  auto cyc = RunCli({"cycle", "--task", spec_.string(), "--since", "2026-03-01", "--until", "2026-03-08", "--json", "-",
                     "--quiet"});
  ASSERT_EQ(cyc.exit_code, 0) << cyc.err;
  EXPECT_EQ(json::parse(cyc.out).at("feedback").at("new_rows"), 20);
  auto empty = RunCli({"monitor", "--task", spec_.string(), "--since", "2027-01-01"});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("no requests"));
}

// A window the traffic log sampled under load (issue 29): its rows are weighted by the
// requests each stands for, and monitor, cycle and select say the window was sampled.
TEST_F(MonitorCliTest, ReadsASampledWindowAsSampledAndWeightsIt) {
  if (testing::OnPostgresRegistry()) GTEST_SKIP() << "writes the SQLite log's sampling table directly";
  Release();
  const std::filesystem::path log = testing::DefaultTestTrafficLog(dir_ / ".trainops" / "traffic.db");
  // The first 20 rows in the sampled hour, the rest on the next day; no feedback.
  LogSyntheticTraffic(log, 40, [](size_t i, serve::TrafficRecord& rec) {
    rec.time = i < 20 ? "2026-03-01T10:00:00.000Z" : "2026-03-02T10:00:00.000Z";
    return false;
  });
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(log.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO sampling(start, end, rate, answered, logged) VALUES "
                           "('2026-03-01T09:00:00.000Z', '2026-03-01T11:00:00.000Z', 0.25, 80, 20);"
                           "UPDATE requests SET sample_rate = 0.25 WHERE time < '2026-03-02';",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto m = RunCli({"monitor", "--task", spec_.string(), "--since", "2026-03-01", "--until", "2026-03-08", "--json", "-"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const json r = json::parse(m.out);
  ASSERT_TRUE(r.at("window").contains("sampling")) << r.at("window").dump();
  const json& sm = r.at("window").at("sampling");
  EXPECT_EQ(sm.at("logged_rows"), 40);
  EXPECT_DOUBLE_EQ(sm.at("answered_estimate").get<double>(), 100.0);  // 20 rows x 4 + 20 rows x 1
  EXPECT_TRUE(sm.at("reweighted").get<bool>());
  EXPECT_NEAR(sm.at("effective_rows").get<double>(), 100.0 * 100.0 / (20 * 16 + 20), 1e-9);
  // The label mix is counted at the effective sample size: 29 or 30 rows, not 40.
  for (const json& s : r.at("signals")) {
    if (s.at("name") == "predicted_label_mix") {
      EXPECT_NEAR(s.at("rows").get<double>(), 29.4, 0.6) << s.dump();
    }
  }
  auto text = RunCli({"monitor", "--task", spec_.string(), "--since", "2026-03-01", "--until", "2026-03-08"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("window sampled: the traffic log kept 40 of about 100 answered requests"));
  auto sel = RunCli({"select", "--task", spec_.string(), "--since", "2026-03-01", "--until", "2026-03-08", "--budget",
                     "10", "--random-share", "1", "--output", (dir_ / "sel.csv").string()});
  ASSERT_EQ(sel.exit_code, 0) << sel.err;
  EXPECT_THAT(sel.out + sel.err, HasSubstr("the window was sampled"));
  auto cyc = RunCli({"cycle", "--task", spec_.string(), "--since", "2026-03-01", "--until", "2026-03-08"});
  ASSERT_EQ(cyc.exit_code, 0) << cyc.err;
  EXPECT_THAT(cyc.out, HasSubstr("window sampled"));
}

}  // namespace
}  // namespace trainops
