// The dashboard in headless Chromium (Debian packages chromium and chromium-driver;
// scripts/install_test_browser.sh installs them), served on loopback by ui::UiServer: every
// page loads with no console message (no script error, no Content-Security-Policy
// violation: the pages use only their own nonce'd stylesheet), the overview shows the
// production model and the last cycle, a promote from the command line shows on reload,
// the traffic filters change the table, and a screenshot of each page at laptop and phone
// width is written where CI keeps artifacts ($TRAINOPS_ARTIFACTS_DIR/ui-screenshots, else
// ui-screenshots next to the test binary) for a person to look at. Skips without Chromium.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ui_fixture.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::FindChromium;
using testing::ReadAll;
using testing::RunCli;

std::filesystem::path ScreenshotDir() {
  const char* artifacts = std::getenv("TRAINOPS_ARTIFACTS_DIR");
  const std::filesystem::path dir = artifacts && *artifacts
                                        ? std::filesystem::path(artifacts) / "ui-screenshots"
                                        : std::filesystem::path(TRAINOPS_BINARY).parent_path() / "ui-screenshots";
  std::filesystem::create_directories(dir);
  return dir;
}

struct Browser {
  int status = -1;
  std::string dom, log;
};

class UiBrowserTest : public testing::UiFixture {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "chromium not found; install it with scripts/install_test_browser.sh to run the dashboard's "
                      "browser tests";
    }
    UiFixture::SetUp();
  }

  // `mode`: "--dump-dom", or "--screenshot=FILE --window-size=W,H".
  Browser Run(const std::string& path, const std::string& mode) {
    const auto profile = dir_ / "chrome-profile";
    std::filesystem::create_directories(profile);
    const auto out = dir_ / "dom.html", err = dir_ / "chrome.log";
    const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + path;
    const std::string cmd = "timeout 120 '" + chromium_ +
                            "' --headless --no-sandbox --disable-gpu --disable-background-networking "
                            "--disable-component-update --disable-sync --no-first-run --hide-scrollbars "
                            "--user-data-dir='" + profile.string() + "' --enable-logging=stderr --v=0 " + mode +
                            " '" + url + "' >'" + out.string() + "' 2>'" + err.string() + "'";
    Browser b;
    const int rc = std::system(cmd.c_str());
    b.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    b.dom = ReadAll(out);
    b.log = ReadAll(err);
    return b;
  }

  Browser Load(const std::string& path) {
    Browser b = Run(path, "--dump-dom");
    EXPECT_EQ(b.status, 0) << path << "\n" << b.log;
    EXPECT_THAT(b.dom, HasSubstr("</main>")) << path;
    // A page without scripts logs nothing to the console unless something went wrong: a
    // script error, or a style or resource the Content-Security-Policy refused.
    EXPECT_THAT(b.log, Not(HasSubstr("CONSOLE"))) << path << "\n" << b.log;
    EXPECT_THAT(b.log, Not(HasSubstr("Refused to"))) << path;
    return b;
  }

  void Screenshot(const std::string& path, const std::string& name) {
    for (const auto& [suffix, size] : {std::pair<std::string, std::string>{"laptop", "1280,900"}, {"phone", "390,844"}}) {
      const auto file = ScreenshotDir() / (name + "-" + suffix + ".png");
      std::filesystem::remove(file);
      Browser b = Run(path, "--screenshot='" + file.string() + "' --window-size=" + size);
      EXPECT_EQ(b.status, 0) << b.log;
      const std::string png = ReadAll(file);
      EXPECT_GT(png.size(), 5000u) << file;  // a rendered page, not an empty frame
      EXPECT_EQ(png.substr(1, 3), "PNG") << file;
    }
  }

  std::string chromium_;
};

TEST_F(UiBrowserTest, EveryPageLoadsWithoutConsoleMessagesAndIsScreenshotted) {
  WriteTraffic(120);
  StartUi();
  const std::vector<std::pair<std::string, std::string>> pages = {
      {"/", "overview"},
      {"/models", "models"},
      {"/models/" + second_, "model"},
      {"/compare?a=" + first_ + "&b=" + second_, "compare"},
      {"/cycles", "cycles"},
      {"/cycles/1", "cycle"},
      {"/cycles/1/monitor", "monitor"},
      {"/traffic?period=all", "traffic"},
  };
  for (const auto& [path, name] : pages) {
    const Browser b = Load(path);
    // Parsed as HTML with the charts as SVG elements, not as text.
    if (name == "overview") {
      EXPECT_THAT(b.dom, HasSubstr("<svg id=\"accuracy-chart\""));
      EXPECT_THAT(b.dom, HasSubstr(second_));
      EXPECT_THAT(b.dom, HasSubstr("Last cycle: <a href=\"/cycles/1\">#1</a>"));
    }
    // The logged "<script>" text stayed text in the browser's DOM too.
    EXPECT_THAT(b.dom, Not(HasSubstr("<script>alert")));
    Screenshot(path, name);
  }
  std::cout << "screenshots: " << ScreenshotDir().string() << "\n";
}

TEST_F(UiBrowserTest, APromoteFromTheCommandLineAppearsOnReload) {
  StartUi();
  const std::string before = Load("/").dom;
  EXPECT_THAT(before, HasSubstr("id=\"production-id\"><a class=\"id\" href=\"/models/" + second_));
  auto promote = RunCli({"promote", first_, "--task", spec_.string(), "--force", "--reason", "browser check"});
  ASSERT_EQ(promote.exit_code, 0) << promote.err;
  const std::string after = Load("/").dom;
  EXPECT_THAT(after, HasSubstr("id=\"production-id\"><a class=\"id\" href=\"/models/" + first_));
  EXPECT_THAT(after, HasSubstr("forced, reason: browser check"));
}

TEST_F(UiBrowserTest, TrafficFiltersChangeTheTable) {
  WriteTraffic(120);
  StartUi();
  auto rows = [](const std::string& dom) {
    std::vector<std::string> labels;
    const size_t start = dom.find("id=\"traffic-table\"");
    const std::string table = dom.substr(start, dom.find("</table>", start) - start);
    static const std::regex row(R"(<tr><td>[^<]*</td><td><span class="text">[^<]*</span></td><td>([^<]*)</td>)");
    for (auto it = std::sregex_iterator(table.begin(), table.end(), row); it != std::sregex_iterator(); ++it) {
      labels.push_back((*it)[1]);
    }
    return labels;
  };
  const auto all = rows(Load("/traffic?period=all&limit=1000").dom);
  EXPECT_EQ(all.size(), 120u);
  const auto sizing = rows(Load("/traffic?period=all&limit=1000&label=sizing&feedback=without").dom);
  EXPECT_FALSE(sizing.empty());
  EXPECT_LT(sizing.size(), all.size());
  for (const auto& l : sizing) EXPECT_EQ(l, "sizing");
  // The form shows the filter it applied.
  EXPECT_THAT(Load("/traffic?period=all&label=sizing").dom, HasSubstr("<option value=\"sizing\" selected=\"\">"));
}

}  // namespace
}  // namespace trainops
