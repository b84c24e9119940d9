// Renders `trainops eval --report` output and the monitor page in headless Chromium
// (Debian packages chromium and chromium-driver; scripts/install_test_browser.sh installs
// them) and checks that the eval page's script ran without errors, that every chart was
// drawn, and that text from the data (including HTML and script tags) stayed text. Skips
// with a message without Chromium.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "monitor_fixture.h"
#include "report/monitor_report.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::FindChromium;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

struct BrowserRun {
  int status = -1;
  std::string dom, log;
};

BrowserRun DumpDom(const std::string& chromium, const std::filesystem::path& page, const TempDir& dir) {
  const auto profile = dir / "chrome-profile";
  std::filesystem::create_directories(profile);
  const auto out = dir / "dom.html", err = dir / "chrome.log";
  std::string cmd = "timeout 120 '" + chromium +
                    "' --headless --no-sandbox --disable-gpu --disable-background-networking "
                    "--disable-component-update --disable-sync --no-first-run --user-data-dir='" +
                    profile.string() + "' --enable-logging=stderr --v=0 --dump-dom 'file://" + page.string() +
                    "' >'" + out.string() + "' 2>'" + err.string() + "'";
  BrowserRun run;
  int rc = std::system(cmd.c_str());
  run.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  run.dom = ReadAll(out);
  run.log = ReadAll(err);
  return run;
}

TEST(HtmlBrowserTest, ReportRendersAllChartsWithoutScriptErrors) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium not found; install it with scripts/install_test_browser.sh to run the HTML "
                    "report browser test";
  }
  TempDir dir;
  dir.Write("train.csv", SyntheticIntentCsv(600, 3, 4));
  std::string test = SyntheticIntentCsv(300, 4, 4);
  test += "\"<img src=x onerror=\"\"document.body.setAttribute('data-pwned',1)\"\"> </script><script>x</script>\","
          "refunds,\"<b>chat</b>\",2026-01-01T10:00:00Z\n";
  for (int i = 0; i < 8; ++i) test += "\"what is the capital of peru " + std::to_string(i) + "\",oos,email,2026-01-01\n";
  dir.Write("test.csv", test);
  auto train = RunCli({"train", "--data", (dir / "train.csv").string(), "--text-column", "text", "--label-column",
                       "intent", "--threads", "1", "--epochs", "4", "--oos-label", "oos", "--out",
                       (dir / "run").string(), "--quiet"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const auto page = dir / "report.html";
  auto eval = RunCli({"eval", "--model", (dir / "run" / "model.bin").string(), "--data", (dir / "test.csv").string(),
                      "--segments", "channel", "--max-examples", "50", "--threshold", "0.6", "--report",
                      page.string(), "--quiet"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;

  BrowserRun run = DumpDom(chromium, page, dir);
  ASSERT_EQ(run.status, 0) << run.log;
  // The script marks <body> when done; window.onerror would add data-error there.
  const size_t body_at = run.dom.find("<body");
  ASSERT_NE(body_at, std::string::npos) << run.dom.substr(0, 2000);
  const std::string body = run.dom.substr(body_at, run.dom.find('>', body_at) - body_at + 1);
  EXPECT_THAT(body, HasSubstr("data-rendered=\"ok\"")) << run.log;
  EXPECT_THAT(body, Not(HasSubstr("data-error"))) << body;
  EXPECT_THAT(body, Not(HasSubstr("data-pwned")));
  EXPECT_THAT(run.log, Not(HasSubstr("Uncaught")));
  for (const char* id : {"confusion-heatmap", "per-label-chart", "segments-chart-0", "reliability-chart",
                         "failures-chart"}) {
    EXPECT_THAT(run.dom, HasSubstr(std::string("<svg id=\"") + id + "\"")) << id;
  }
  // Charts actually hold marks, not just empty frames.
  EXPECT_THAT(run.dom, HasSubstr("<rect"));
  EXPECT_THAT(run.dom, HasSubstr("<circle"));
  // The injected markup stayed text: no element was created from it and nothing ran.
  EXPECT_THAT(run.dom, Not(HasSubstr("<img")));
  EXPECT_THAT(run.dom, Not(HasSubstr("<b>chat</b>")));
  EXPECT_THAT(run.dom, HasSubstr("&lt;img src=x"));
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlBrowserTest, MonitorPageDrawsEveryChartAndKeepsScriptsAsText) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium not found; install it with scripts/install_test_browser.sh to run the HTML "
                    "report browser test";
  }
  TempDir dir;
  nlohmann::json run = testing::MonitorRun(5, true);
  auto history = testing::MonitorHistory(5);
  // A hostile signal name, in every run so it stays one signal across the history.
  for (auto* r : {&run, &history[0], &history[1], &history[2], &history[3], &history[4]}) {
    (*r)["signals"][2]["name"] = std::string(testing::kHostile) + "shift";
  }
  const auto page = dir.Write("monitor.html", MonitorHtml(run, history));

  BrowserRun browser = DumpDom(chromium, page, dir);
  ASSERT_EQ(browser.status, 0) << browser.log;
  ASSERT_THAT(browser.dom, HasSubstr("</main>")) << browser.dom.substr(0, 2000);
  // 3 signals: 3 effect charts, 1 histogram (only top_confidence has one), 3 history charts.
  EXPECT_EQ(Count(browser.dom, "<svg"), 7u);
  EXPECT_EQ(Count(browser.dom, "<svg id=\"signal-chart-"), 3u);
  EXPECT_EQ(Count(browser.dom, "<svg id=\"histogram-chart-"), 1u);
  EXPECT_EQ(Count(browser.dom, "<svg id=\"trend-chart-"), 3u);
  // Parsed as SVG, with their marks: 6 runs per history chart.
  EXPECT_EQ(Count(browser.dom, "<circle class=\"pt"), 18u);
  EXPECT_EQ(Count(browser.dom, "<rect class=\"effect-bar\""), 3u);
  EXPECT_THAT(browser.dom, HasSubstr("<h2>2 alerts</h2>"));
  EXPECT_THAT(browser.dom, HasSubstr("<b>top_confidence</b>"));
  // The injected tags stayed text: no element was made from them.
  EXPECT_THAT(browser.dom, Not(HasSubstr("<script")));
  EXPECT_THAT(browser.dom, Not(HasSubstr("<img")));
  EXPECT_THAT(browser.dom, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;shift"));
  EXPECT_THAT(browser.dom, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;w05.csv"));
  // Self-contained: nothing was fetched, so the policy had nothing to refuse.
  EXPECT_THAT(browser.log, Not(HasSubstr("Refused to")));
}

}  // namespace
}  // namespace trainops
