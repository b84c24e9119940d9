#include "report/monitor_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "monitor_fixture.h"
#include "report/monitor_charts.h"
#include "report/monitor_values.h"

namespace trainops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kHostile;
using testing::MonitorHistory;
using testing::MonitorRun;
using ::testing::Not;

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A NaN or infinity printed as text or written into an attribute.
bool HasNonFinite(const std::string& html) {
  static const std::regex bad("(=\"|>|\\s)[-+]?(nan|inf)(inity)?\\b", std::regex::icase);
  return std::regex_search(html, bad);
}

TEST(MonitorReportTest, HostileTextFromTheJsonStaysText) {
  nlohmann::json run = MonitorRun(5, true);
  run["task"] = kHostile;
  run["signals"][0]["name"] = std::string(kHostile) + "sig";
  const std::string html = MonitorHtml(run, MonitorHistory(2));
  // The page has no script element of its own, so any "<script" came from the data.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;w05.csv"));  // window source
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;sig"));      // signal name
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(2)&gt;"));            // detail
  // Scripts are forbidden outright, so text that slipped past escaping could not run.
  EXPECT_THAT(html, HasSubstr("default-src 'none'"));
  EXPECT_THAT(html, Not(HasSubstr("script-src")));
}

TEST(MonitorReportTest, WarnsWhenTheEstimateIsNotValid) {
  nlohmann::json run = MonitorRun(5, false);
  EXPECT_THAT(MonitorHtml(run, {}), Not(HasSubstr("not a valid estimate")));
  run["estimated_accuracy"]["reliable"] = false;
  run["estimated_accuracy"]["reason"] = "confidence shifted beyond the <calibrated> range";
  const std::string html = MonitorHtml(run, {});
  EXPECT_THAT(html, HasSubstr("id=\"estimate-warning\""));
  EXPECT_THAT(
      html,
      HasSubstr("not a valid estimate: confidence shifted beyond the &lt;calibrated&gt; range"));
  EXPECT_THAT(html, HasSubstr("card unreliable"));
}

TEST(MonitorReportTest, AlertSummaryListsTheAlertsOrSaysNone) {
  const std::string drifting = MonitorHtml(MonitorRun(5, true), {});
  EXPECT_THAT(drifting, HasSubstr("class=\"alerts bad\"><h2>2 alerts</h2>"));
  EXPECT_THAT(drifting, HasSubstr("<a href=\"#signal-0\"><b>top_confidence</b></a>"));
  EXPECT_THAT(drifting, HasSubstr("<a href=\"#signal-1\"><b>predicted_label_mix</b></a>"));
  const std::string calm = MonitorHtml(MonitorRun(5, false), {});
  EXPECT_THAT(calm, HasSubstr("class=\"alerts ok\"><h2>No alerts</h2>"));
  // The summary comes before the signals, so it is the first thing read.
  EXPECT_LT(drifting.find("alert-summary"), drifting.find("id=\"signals\""));
}

TEST(MonitorReportTest, EverySignalHasItsChartAgainstItsThreshold) {
  const std::string html = MonitorHtml(MonitorRun(5, true), {});
  for (const char* name : {"top_confidence", "predicted_label_mix", "feedback_accuracy_shift"}) {
    EXPECT_THAT(html, HasSubstr(std::string("<h3>") + name)) << name;
  }
  EXPECT_EQ(Count(html, "class=\"signal-chart\""), 3u);
  // decrease and increase draw one threshold line, either draws two: 4 in the bar charts.
  const std::string bars = html.substr(0, html.find("id=\"trends\""));
  EXPECT_EQ(Count(bars, "class=\"threshold\""), 4u);
  EXPECT_THAT(bars, HasSubstr("threshold -0.05"));
  EXPECT_THAT(bars, HasSubstr("threshold +0.1"));
  EXPECT_THAT(bars, HasSubstr("effect ≤ -0.05"));
  EXPECT_THAT(bars, HasSubstr("|effect| ≥ 0.08"));
  EXPECT_THAT(bars, HasSubstr("1.0e-06 ≤ α 0.00333"));
  // Only the signal with a histogram gets traffic-vs-reference bars, one pair per bin.
  EXPECT_EQ(Count(html, "class=\"histogram-chart\""), 1u);
  EXPECT_EQ(Count(html, "class=\"bar-traffic\""), 5u);
  EXPECT_EQ(Count(html, "class=\"bar-reference\""), 5u);
  EXPECT_FALSE(HasNonFinite(html));
}

TEST(MonitorReportTest, HistogramBarsAreSharesNotCounts) {
  nlohmann::json hist = {{"edges", {0, 0.5, 1}}, {"traffic", {1, 3}}, {"reference", {500, 500}}};
  const std::string svg = monitor_page::HistogramChart(hist, 0);
  EXPECT_THAT(svg, HasSubstr("[0, 0.5): traffic 25.0% (1 rows), reference 50.0% (500 rows)"));
  EXPECT_THAT(svg, HasSubstr("[0.5, 1): traffic 75.0% (3 rows), reference 50.0% (500 rows)"));
  EXPECT_EQ(monitor_page::HistogramChart(nlohmann::json::object(), 0), "");
}

TEST(MonitorReportTest, HistoryChartsHaveOnePointPerRunWithAlertsMarked) {
  const std::string html = MonitorHtml(MonitorRun(5, true), MonitorHistory(5));
  EXPECT_EQ(Count(html, "class=\"trend-chart\""), 3u);
  // 5 earlier runs + this one, for each of 3 signals.
  EXPECT_EQ(Count(html, "<circle class=\"pt"), 18u);
  // top_confidence and predicted_label_mix alerted in runs 1, 4 and this one.
  EXPECT_EQ(Count(html, "<circle class=\"pt alert"), 6u);
  EXPECT_EQ(Count(html, "current\""), 3u);
  // x labels: each run's window end as a date, oldest first.
  const std::string trends = html.substr(html.find("id=\"trends\""));
  EXPECT_LT(trends.find(">2026-02-10<"), trends.find(">2026-02-14<"));
  EXPECT_LT(trends.find(">2026-02-14<"), trends.find(">2026-02-15<"));
  EXPECT_THAT(trends, HasSubstr("5 earlier monitor run(s)"));
}

TEST(MonitorReportTest, HistoryChartBreaksWhereARunLacksTheSignal) {
  auto history = MonitorHistory(3);
  history[1]["signals"] = nlohmann::json::array();  // week 1 measured nothing
  const std::string html = MonitorHtml(MonitorRun(3, false), history);
  EXPECT_EQ(Count(html, "<circle class=\"pt"), 9u);  // 3 signals x 3 measured runs
  // Two pieces of line per signal: before and after the gap.
  const size_t first_path = html.find("<path d=\"");
  ASSERT_NE(first_path, std::string::npos);
  const std::string d = html.substr(first_path, html.find('"', first_path + 9) - first_path);
  EXPECT_EQ(Count(d, "M"), 2u) << d;
}

TEST(MonitorReportTest, EmptyHistoryAndNoSignalsStillMakeAPage) {
  nlohmann::json run = MonitorRun(0, false);
  run["signals"] = nlohmann::json::array();
  const std::string html = MonitorHtml(run, {});
  EXPECT_THAT(html, HasSubstr("This run has no signals."));
  EXPECT_THAT(html, HasSubstr("No signals to follow."));
  EXPECT_THAT(html, HasSubstr("<h2>No alerts</h2>"));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));
  EXPECT_THAT(html, HasSubstr("</html>"));

  // One run and no history: one point per signal, this run.
  const std::string single = MonitorHtml(MonitorRun(0, true), {});
  EXPECT_EQ(Count(single, "<circle class=\"pt"), 3u);
  EXPECT_THAT(single, HasSubstr("0 earlier monitor run(s)"));
  EXPECT_FALSE(HasNonFinite(single));
}

TEST(MonitorReportTest, SaysWhenThereIsNoFeedback) {
  nlohmann::json run = MonitorRun(5, false);
  EXPECT_THAT(MonitorHtml(run, {}), Not(HasSubstr("No feedback in this window")));
  EXPECT_THAT(MonitorHtml(run, {}), HasSubstr("feedback macro-F1"));
  run["feedback_accuracy"] = nullptr;
  run["feedback_macro_f1"] = nullptr;
  const std::string html = MonitorHtml(run, {});
  EXPECT_THAT(html, HasSubstr("No feedback in this window"));
  EXPECT_THAT(html, Not(HasSubstr("feedback macro-F1")));
}

TEST(MonitorReportTest, ToleratesMissingNullAndMistypedFields) {
  for (const nlohmann::json& run :
       {nlohmann::json(nullptr), nlohmann::json::object(), nlohmann::json::array(),
        nlohmann::json{{"signals", "not a list"}, {"window", 3}, {"alerts", {1, nullptr}}},
        nlohmann::json{
            {"signals", {nullptr, {{"name", nullptr}, {"effect", nullptr}, {"histogram", 5}}}},
            {"estimated_accuracy", {{"reliable", false}}}}}) {
    std::string html;
    ASSERT_NO_THROW(html = MonitorHtml(run, {run, nlohmann::json("x")})) << run.dump();
    EXPECT_THAT(html, HasSubstr("</html>"));
    EXPECT_FALSE(HasNonFinite(html)) << run.dump();
  }
  // A NaN built in C++ (the JSON text format cannot carry one) reads as missing.
  nlohmann::json run = MonitorRun(5, true);
  run["signals"][0]["effect"] = std::nan("");
  run["signals"][1]["threshold"] = INFINITY;
  run["estimated_accuracy"]["value"] = std::nan("");
  const std::string html = MonitorHtml(run, MonitorHistory(2));
  EXPECT_FALSE(HasNonFinite(html));
  EXPECT_THAT(html, HasSubstr("no value in this run"));
}

TEST(MonitorReportTest, ThresholdLinesFollowTheDirection) {
  using monitor_page::ThresholdLines;
  EXPECT_THAT(ThresholdLines(0.05, "decrease"), ElementsAre(-0.05));
  EXPECT_THAT(ThresholdLines(0.05, "increase"), ElementsAre(0.05));
  EXPECT_THAT(ThresholdLines(0.05, "either"), ElementsAre(-0.05, 0.05));
  EXPECT_THAT(ThresholdLines(-0.05, "increase"), ElementsAre(0.05));
  EXPECT_THAT(ThresholdLines(std::nullopt, "either"), ElementsAre());
}

TEST(MonitorReportTest, NumbersAreFormattedForReading) {
  using namespace monitor_page;
  EXPECT_EQ(FormatNumber(200.0), "200");
  EXPECT_EQ(FormatNumber(-0.12), "-0.12");
  EXPECT_EQ(FormatNumber(0.00125), "0.00125");
  EXPECT_EQ(FormatNumber(0.123456), "0.123");
  EXPECT_EQ(FormatNumber(std::nullopt), "–");
  EXPECT_EQ(FormatPercent(0.912), "91.2%");
  EXPECT_EQ(FormatPValue(1e-6), "1.0e-06");
  EXPECT_EQ(FormatPValue(0.4), "0.4");
  EXPECT_EQ(FormatPValue(0.0), "0");
  EXPECT_EQ(ShortTime("2026-02-08T23:50:00Z"), "2026-02-08");
  EXPECT_EQ(ShortTime("w05.csv"), "w05.csv");
  EXPECT_EQ(Shorten("héllo", 2), "h…");  // never cuts inside the two-byte é
}

}  // namespace
}  // namespace trainops
