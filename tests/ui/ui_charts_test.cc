// The dashboard's charts and where events sit on them: pure functions, no server.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ui/cycle_timeline.h"
#include "ui/ui_charts.h"

namespace trainops::ui {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(UiChartsTest, MissingAndNonFiniteValuesAreGapsNeverNaNCoordinates) {
  ChartSpec spec;
  spec.id = "c";
  spec.x_labels = {"a", "b", "c", "d"};
  Series s{"s", "est", {0.9, std::nullopt, NAN, 0.8}, {0.85, 0.8, INFINITY, 0.7}, {0.95, 0.9, 1.0, 0.9}, true, true};
  spec.series = {s};
  const std::string svg = LineChart(spec);
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
  EXPECT_THAT(svg, Not(HasSubstr("inf")));
  EXPECT_EQ(Count(svg, "<circle class=\"pt est\""), 2u);  // only the two finite values
  // The line breaks at the gap: it starts again ("M") at the fourth point instead of
  // joining ("L") across the missing ones.
  const size_t path = svg.find("class=\"line est\" d=\"");
  ASSERT_NE(path, std::string::npos);
  const std::string d = svg.substr(path, svg.find("\" fill", path) - path);
  EXPECT_EQ(Count(d, "M"), 2u);
  EXPECT_EQ(Count(d, "L"), 0u);
}

TEST(UiChartsTest, TextIsEscapedAndEveryChartSaysWhatItShows) {
  ChartSpec spec;
  spec.id = "x\"><script>";
  spec.aria_label = "<b>accuracy</b>";
  spec.x_labels = {"<img src=x>"};
  spec.series = {Series{"<i>s</i>", "fb", {0.5}, {}, {}, false, true}};
  spec.markers = {{0, "promote", "promoted <script>alert(1)</script>"}};
  const std::string svg = LineChart(spec) + ChartLegend(spec);
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, Not(HasSubstr("<img")));
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
  EXPECT_THAT(svg, HasSubstr("role=\"img\""));
  EXPECT_THAT(svg, HasSubstr("aria-label=\"&lt;b&gt;accuracy&lt;/b&gt;\""));
  EXPECT_THAT(svg, HasSubstr("class=\"marker promote\""));
}

TEST(UiChartsTest, AnEmptyChartIsStillAValidFrame) {
  ChartSpec spec;
  spec.id = "empty";
  const std::string svg = LineChart(spec);
  EXPECT_THAT(svg, HasSubstr("<svg id=\"empty\""));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
}

CycleRecord Cycle(int64_t id, const std::string& created, bool promoted = false, const std::string& candidate = "",
                  nlohmann::json alerts = nlohmann::json::array()) {
  CycleRecord c;
  c.id = id;
  c.created_at = created;
  c.promoted = promoted;
  c.candidate = candidate;
  c.report = {{"alerts", alerts}};
  return c;
}

StatusChange Change(const std::string& model, const std::string& from, const std::string& at) {
  StatusChange h;
  h.model_id = model;
  h.from_status = from;
  h.to_status = "production";
  h.at = at;
  return h;
}

TEST(UiChartsTest, StatusChangesSitOnTheCycleThatMadeThemElseBeforeTheNextCycle) {
  const std::vector<CycleRecord> cycles = {
      Cycle(1, "2026-01-05T00:00:00.000Z"), Cycle(2, "2026-01-12T00:00:00.000Z", true, "m2"),
      Cycle(3, "2026-01-19T00:00:00.000Z", false, "", nlohmann::json::array({"feedback_accuracy"}))};
  const std::vector<StatusChange> history = {
      Change("m1", "candidate", "2026-01-01T00:00:00.000Z"),   // before every cycle
      Change("m2", "candidate", "2026-01-12T00:00:01.000Z"),   // by cycle 2
      Change("m1", "archived", "2026-01-15T00:00:00.000Z"),    // a rollback between 2 and 3
      Change("m3", "candidate", "2026-02-01T00:00:00.000Z")};  // after the last cycle
  const auto markers = CycleMarkers(cycles, history);
  ASSERT_EQ(markers.size(), 5u);
  EXPECT_EQ(markers[0].x, -0.5);
  EXPECT_EQ(markers[0].kind, "promote");
  EXPECT_EQ(markers[1].x, 1.0);
  EXPECT_EQ(markers[2].x, 1.5);
  EXPECT_EQ(markers[2].kind, "rollback");
  EXPECT_EQ(markers[3].x, 2.5);
  EXPECT_EQ(markers[4].kind, "drift");
  EXPECT_EQ(markers[4].x, 2.0);
  EXPECT_THAT(markers[4].label, HasSubstr("feedback_accuracy"));
}

TEST(UiChartsTest, ARefreshedThresholdSitsOnItsCycleAndARollbackByItsTime) {
  std::vector<CycleRecord> cycles = {Cycle(1, "2026-01-05T00:00:00.000Z", true, "m2"),
                                     Cycle(2, "2026-01-12T00:00:00.000Z"), Cycle(3, "2026-01-19T00:00:00.000Z", true)};
  cycles[0].production = "m2";
  cycles[2].production = "m3";  // a threshold refresh: promoted, no candidate
  const std::vector<StatusChange> history = {
      Change("m2", "candidate", "2026-01-04T23:59:59.000Z"),  // by cycle 1
      Change("m2", "archived", "2026-01-13T00:00:00.000Z"),   // a rollback to m2 between 2 and 3
      Change("m3", "candidate", "2026-01-18T23:59:59.000Z")};  // by cycle 3's refresh
  const auto markers = CycleMarkers(cycles, history);
  ASSERT_EQ(markers.size(), 3u);
  EXPECT_EQ(markers[0].x, 0.0);
  EXPECT_EQ(markers[1].kind, "rollback");
  EXPECT_EQ(markers[1].x, 1.5);
  EXPECT_EQ(markers[2].x, 2.0);
}

}  // namespace
}  // namespace trainops::ui
