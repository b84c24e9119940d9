// The dashboard over HTTP on loopback (ui::UiServer in this process, real registry and
// traffic log made by the real binary): what each page shows, that it follows the
// registry, filters, errors, headers, the token and the actions' checks.
#include <atomic>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "ui_fixture.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Page;
using testing::RunCli;

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The rows of the traffic table, as the cells of its predicted-label column.
std::vector<std::string> TrafficLabels(const std::string& html) {
  const size_t start = html.find("id=\"traffic-table\"");
  const size_t end = html.find("</table>", start);
  std::vector<std::string> labels;
  const std::string table = html.substr(start, end - start);
  static const std::regex row(R"(<tr><td>[^<]*</td><td><span class="text">[^<]*</span></td><td>([^<]*)</td>)");
  for (auto it = std::sregex_iterator(table.begin(), table.end(), row); it != std::sregex_iterator(); ++it) {
    labels.push_back((*it)[1]);
  }
  return labels;
}

class UiServerTest : public testing::UiFixture {};

TEST_F(UiServerTest, OverviewShowsTheProductionModelItsGateReportAndTheLastCycle) {
  StartUi();
  const Page p = Get("/");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_THAT(p.body, HasSubstr(second_));
  EXPECT_THAT(p.body, HasSubstr("id=\"production-id\""));
  // Promoted by its gate report, which the page links.
  EXPECT_THAT(p.body, HasSubstr("#gate-2\">gate report #2</a>"));
  EXPECT_THAT(p.body, HasSubstr("Last cycle: <a href=\"/cycles/1\">#1</a>"));
  EXPECT_THAT(p.body, HasSubstr("<svg id=\"accuracy-chart\""));
  // Both releases are marked on the chart, and its table has the cycle.
  EXPECT_EQ(Count(p.body, "class=\"marker promote\""), 2u);
  EXPECT_THAT(p.body, HasSubstr("id=\"accuracy-table\""));
  // Headers: no script allowed, only the page's own stylesheet, and the server time.
  const std::string csp = p.Header("Content-Security-Policy");
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, Not(HasSubstr("script-src")));
  EXPECT_THAT(csp, Not(HasSubstr("unsafe-inline")));
  std::smatch nonce;
  ASSERT_TRUE(std::regex_search(csp, nonce, std::regex("'nonce-([0-9a-f]+)'")));
  EXPECT_THAT(p.body, HasSubstr("<style nonce=\"" + nonce[1].str() + "\">"));
  EXPECT_THAT(p.Header("Server-Timing"), ::testing::StartsWith("render;dur="));
  EXPECT_EQ(p.Header("X-Frame-Options"), "DENY");
  // Read-only by default: no forms that change anything.
  EXPECT_THAT(p.body, Not(HasSubstr("method=\"post\"")));
  // Every cycle on request; anything else is a clear 400.
  EXPECT_EQ(Get("/?cycles=all").status, 200);
  EXPECT_EQ(Get("/?cycles=12").status, 400);
  // A second page load gets another nonce.
  EXPECT_NE(Get("/").Header("Content-Security-Policy"), csp);
}

TEST_F(UiServerTest, APromoteFromTheCommandLineShowsOnTheNextLoad) {
  StartUi();
  ASSERT_THAT(Get("/").body, HasSubstr("<div class=\"v id\" id=\"production-id\"><a class=\"id\" href=\"/models/" + second_));
  auto promote = RunCli({"promote", first_, "--task", spec_.string(), "--force", "--reason",
                         "back to <b>the first</b>"});
  ASSERT_EQ(promote.exit_code, 0) << promote.err;
  const Page p = Get("/");
  EXPECT_THAT(p.body, HasSubstr("<div class=\"v id\" id=\"production-id\"><a class=\"id\" href=\"/models/" + first_));
  // Forced, with its reason, escaped.
  EXPECT_THAT(p.body, HasSubstr("forced, reason: back to &lt;b&gt;the first&lt;/b&gt;"));
  EXPECT_THAT(p.body, Not(HasSubstr("<b>the first</b>")));
  EXPECT_THAT(p.body, HasSubstr("class=\"marker rollback\""));
}

TEST_F(UiServerTest, ModelPageShowsItsRunCheckpointsDataCheckAndEveryGate) {
  StartUi();
  const Page p = Get("/models/" + second_);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_THAT(p.body, HasSubstr("<svg id=\"checkpoint-chart\""));
  EXPECT_THAT(p.body, HasSubstr("<svg id=\"loss-chart\""));
  EXPECT_THAT(p.body, HasSubstr("id=\"checkpoint-table\""));
  EXPECT_THAT(p.body, HasSubstr("id=\"data-table\""));
  EXPECT_THAT(p.body, HasSubstr("xxh3:"));  // data fingerprints
  EXPECT_THAT(p.body, HasSubstr("Data check before training"));
  EXPECT_THAT(p.body, HasSubstr("<h3 id=\"gate-2\">#2"));
  EXPECT_THAT(p.body, HasSubstr("id=\"gate-table-2\""));
  // A prefix works as on the command line; an unknown id is a 404 page.
  EXPECT_EQ(Get("/models/" + second_.substr(0, 8)).status, 200);
  const Page missing = Get("/models/00000000000000000000000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.Header("Content-Type"), HasSubstr("text/html"));
  EXPECT_EQ(Get("/models?status=bogus").status, 400);
  const Page list = Get("/models?status=archived");
  EXPECT_THAT(list.body, HasSubstr(first_.substr(0, 12)));
  EXPECT_THAT(list.body, HasSubstr("1 models (archived)"));
}

TEST_F(UiServerTest, CompareShowsPerLabelDifferencesWithMcNemarLikeTheCommand) {
  StartUi();
  const Page p = Get("/compare?a=" + first_ + "&b=" + second_);
  ASSERT_EQ(p.status, 200) << p.body;
  auto cli = RunCli({"compare", "--model", (dir_ / "runs/first/model.bin").string(), "--model",
                     (dir_ / "runs/second/model.bin").string(), "--data", (dir_ / "test.csv").string(), "--json", "-"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const auto j = nlohmann::json::parse(cli.out);
  EXPECT_THAT(p.body, HasSubstr(fmt::format("On {} ({} rows)", (dir_ / "test.csv").string(), j["n"].get<int>())));
  EXPECT_THAT(p.body, HasSubstr("id=\"per-label-table\""));
  EXPECT_THAT(p.body, HasSubstr("McNemar"));
  for (const auto& label : testing::UiFixture::Labels()) EXPECT_THAT(p.body, HasSubstr("<td>" + label + "</td>"));
  // Per-label McNemar is in the command's JSON too.
  EXPECT_TRUE(j["per_label"]["returns"]["mcnemar"].contains("p_value"));
  EXPECT_EQ(Get("/compare?a=" + first_).status, 400);
  EXPECT_EQ(Get("/compare?a=" + first_ + "&b=ffffffffffff").status, 404);
}

TEST_F(UiServerTest, CyclePagesShowSignalsAgainstThresholdsAndTheMonitorReport) {
  StartUi();
  const Page list = Get("/cycles");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_THAT(list.body, HasSubstr("id=\"cycles-table\""));
  EXPECT_THAT(list.body, HasSubstr("<svg id=\"trend-chart-0\""));
  const Page one = Get("/cycles/1");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_THAT(one.body, HasSubstr("id=\"signals-table\""));
  EXPECT_THAT(one.body, HasSubstr("predicted_label_mix"));
  const Page monitor = Get("/cycles/1/monitor");
  ASSERT_EQ(monitor.status, 200);
  // The report's own inline stylesheet: one policy, which allows it (two would both apply).
  EXPECT_EQ(monitor.headers.count("Content-Security-Policy"), 1u);
  EXPECT_THAT(monitor.body, HasSubstr("<svg id=\"signal-chart-"));
  EXPECT_EQ(Get("/cycles/99").status, 404);
  EXPECT_EQ(Get("/cycles/99/monitor").status, 404);
}

TEST_F(UiServerTest, TrafficFiltersChangeTheTableAndCoverageCountsFeedback) {
  WriteTraffic(200);
  StartUi();
  const Page all = Get("/traffic?period=all&limit=1000");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(TrafficLabels(all.body).size(), 200u);
  // Text from the log stays text.
  EXPECT_THAT(all.body, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_THAT(all.body, Not(HasSubstr("<script>")));

  const auto sizing = TrafficLabels(Get("/traffic?period=all&limit=1000&label=sizing").body);
  EXPECT_EQ(sizing.size(), 50u);
  for (const auto& l : sizing) EXPECT_EQ(l, "sizing");
  // Rejected: confidence below 0.3 = the last 59 of 200 (1 - i/200 < 0.3 from i = 141).
  EXPECT_EQ(TrafficLabels(Get("/traffic?period=all&limit=1000&rejected=yes").body).size(), 59u);
  EXPECT_EQ(TrafficLabels(Get("/traffic?period=all&limit=1000&rejected=no").body).size(), 141u);
  EXPECT_EQ(TrafficLabels(Get("/traffic?period=all&limit=1000&below=0.5").body).size(), 99u);
  EXPECT_EQ(TrafficLabels(Get("/traffic?period=all&limit=1000&feedback=with").body).size(), 40u);
  EXPECT_EQ(TrafficLabels(Get("/traffic?period=all&limit=1000&feedback=without").body).size(), 160u);
  EXPECT_EQ(TrafficLabels(Get("/traffic?period=all&limit=10").body).size(), 10u);
  EXPECT_EQ(TrafficLabels(Get("/traffic?period=all&label=sizing&feedback=with&limit=1000").body).size(), 10u);
  // The default period is the 7 days before the newest request (Nov 1-7 here: all of it);
  // the last day is part of it.
  EXPECT_EQ(TrafficLabels(Get("/traffic?limit=1000").body).size(), 200u);
  const size_t last_day = TrafficLabels(Get("/traffic?limit=1000&period=1d").body).size();
  EXPECT_GT(last_day, 0u);
  EXPECT_LT(last_day, 200u);

  // Coverage: 50 requests per label, 10 of each labelled; the agents disagree on every
  // even request they label, which are all "returns" or "sizing" ones.
  const std::string cov = all.body.substr(all.body.find("id=\"coverage-table\""));
  EXPECT_THAT(cov, HasSubstr("sizing</a></td><td class=\"num\">50</td><td class=\"num\">10</td><td "
                             "class=\"num\">20.0%</td><td class=\"num\">0.0%</td>"));
  EXPECT_THAT(cov, HasSubstr("payment</a></td><td class=\"num\">50</td><td class=\"num\">10</td><td "
                             "class=\"num\">20.0%</td><td class=\"num\">100.0%</td>"));
  EXPECT_THAT(all.body, HasSubstr("40 of 200 requests in the period have feedback (20.0%)"));

  for (const char* bad : {"/traffic?period=2y", "/traffic?below=2", "/traffic?below=x", "/traffic?limit=0",
                          "/traffic?rejected=maybe", "/traffic?feedback=some"}) {
    EXPECT_EQ(Get(bad).status, 400) << bad;
  }
}

TEST_F(UiServerTest, TrafficPageWithoutALogSaysSoAndCreatesNothing) {
  StartUi();
  const Page p = Get("/traffic");
  ASSERT_EQ(p.status, 200);
  EXPECT_THAT(p.body, HasSubstr("No traffic logged yet"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / ".trainops" / "traffic.db"));
}

TEST_F(UiServerTest, UnknownPathsAndMethodsAreHtmlErrorsWithThePolicy) {
  StartUi();
  const Page p = Get("/etc/passwd");
  EXPECT_EQ(p.status, 404);
  EXPECT_THAT(p.Header("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  EXPECT_THAT(p.body, HasSubstr("no such page"));
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(UiServerTest, ActionsAreRefusedWhenOffWithoutTheTokenOrFromAnotherSite) {
  StartUi();
  // Read-only server: no action at all.
  EXPECT_EQ(Post("/actions/rollback", {{"reason", "x"}}).status, 403);
  server_->Stop();

  const auto token = dir_.Write("ui.token", "0123456789abcdef-secret\n");
  ui::UiOptions o;
  o.token_file = token.string();
  o.allow_actions = true;
  StartUi(o);
  const std::string page = Get("/").body;
  std::smatch csrf;
  ASSERT_TRUE(std::regex_search(page, csrf, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""))) << page;
  const std::string good = csrf[1];
  EXPECT_EQ(Post("/actions/rollback", {{"csrf", good}, {"reason", "bad model"}}).status, 401);
  EXPECT_EQ(Post("/actions/rollback", {{"csrf", good}, {"token", "wrong-token-xxxxxxx"}, {"reason", "r"}}).status, 401);
  EXPECT_EQ(Post("/actions/rollback", {{"csrf", "0000"}, {"token", "0123456789abcdef-secret"}, {"reason", "r"}}).status,
            403);
  EXPECT_EQ(Post("/actions/rollback", {{"csrf", good}, {"token", "0123456789abcdef-secret"}, {"reason", "r"}},
                 {{"Origin", "http://evil.example"}})
                .status,
            403);
  EXPECT_EQ(Post("/actions/rollback", {{"csrf", good}, {"token", "0123456789abcdef-secret"}, {"reason", "r"}},
                 {{"Sec-Fetch-Site", "cross-site"}})
                .status,
            403);
  EXPECT_EQ(Post("/actions/rollback", {{"csrf", good}, {"token", "0123456789abcdef-secret"}, {"reason", "  "}}).status,
            400);
  // Nothing of that changed the registry.
  EXPECT_EQ(Registry::OpenExisting(RegistryPath()).Production("shoes")->id, second_);

  // The right form rolls back, with its reason recorded.
  const Page done = Post("/actions/rollback",
                         {{"csrf", good}, {"token", "0123456789abcdef-secret"}, {"reason", "routing broke"}});
  EXPECT_EQ(done.status, 200) << done.body;
  auto registry = Registry::OpenExisting(RegistryPath());
  EXPECT_EQ(registry.Production("shoes")->id, first_);
  EXPECT_THAT(registry.History("shoes").back().reason, HasSubstr("routing broke (from trainops ui"));
  EXPECT_THAT(done.body, HasSubstr("class=\"notice\""));
}

TEST_F(UiServerTest, PromoteFromTheBrowserFollowsThePolicyLikeTheCommand) {
  const auto token = dir_.Write("ui.token", "0123456789abcdef-secret\n");
  ui::UiOptions o;
  o.token_file = token.string();
  o.allow_actions = true;
  StartUi(o);
  // A third model, trained but never gated: the policy refuses it (no --force from here).
  auto t = RunCli({"train", "--task", spec_.string(), "--out", (dir_ / "runs/third").string(), "--quiet",
                   "--allow-data-errors", "--seed", "9"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::string third = Registry::OpenExisting(RegistryPath()).FindModelByFile(dir_ / "runs/third/model.bin")->id;
  const std::string page = Get("/models/" + third).body;
  std::smatch csrf;
  ASSERT_TRUE(std::regex_search(page, csrf, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""))) << page;
  const Page refused = Post("/actions/promote", {{"csrf", csrf[1].str()}, {"token", "0123456789abcdef-secret"},
                                                 {"model", third}, {"reason", "looks better"}, {"force", "1"}});
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("class=\"error\""));
  EXPECT_EQ(Registry::OpenExisting(RegistryPath()).Production("shoes")->id, second_);

  // Gated against production by the command line, the same form promotes it.
  auto gate = RunCli({"gate", "--task", spec_.string(), "--candidate", (dir_ / "runs/third/model.bin").string(),
                      "--quiet"});
  ASSERT_LE(gate.exit_code, 1) << gate.err;
  const Page promoted = Post("/actions/promote", {{"csrf", csrf[1].str()}, {"token", "0123456789abcdef-secret"},
                                                  {"model", third}, {"reason", "gated"}});
  if (gate.exit_code == 0) {
    EXPECT_EQ(promoted.status, 200) << promoted.body;
    EXPECT_EQ(Registry::OpenExisting(RegistryPath()).Production("shoes")->id, third);
  } else {
    EXPECT_EQ(promoted.status, 409) << promoted.body;  // the gate failed: still refused
  }
}

TEST_F(UiServerTest, OffLoopbackEveryPageNeedsTheToken) {
  ui::UiOptions o;
  o.host = "0.0.0.0";
  EXPECT_THROW(ui::UiServer{[&] {
                 auto x = o;
                 x.task_spec = spec_.string();
                 return x;
               }()},
               InputError);
  ui::UiOptions actions;
  actions.allow_actions = true;
  actions.task_spec = spec_.string();
  EXPECT_THROW(ui::UiServer{actions}, InputError);

  o.token_file = dir_.Write("ui.token", "0123456789abcdef-secret\n").string();
  StartUi(o);
  const Page denied = Get("/");
  EXPECT_EQ(denied.status, 401);
  EXPECT_THAT(denied.Header("WWW-Authenticate"), HasSubstr("Basic"));
  EXPECT_THAT(denied.body, Not(HasSubstr(second_)));
  EXPECT_EQ(Get("/traffic").status, 401);
  client_->set_basic_auth("anyone", "0123456789abcdef-secret");
  EXPECT_EQ(Get("/").status, 200);
  client_->set_basic_auth("anyone", "0123456789abcdef-wrong!");
  EXPECT_EQ(Get("/").status, 401);
  client_->set_basic_auth("", "");
  client_->set_bearer_token_auth("0123456789abcdef-secret");
  EXPECT_EQ(Get("/models").status, 200);
}

TEST_F(UiServerTest, ConcurrentPageLoadsWhileACycleIsRecordedAllSucceedAndSeeIt) {
  StartUi();
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(60, 0);
      for (int i = 0; i < 12; ++i) {
        const char* path = (i + t) % 3 == 0 ? "/" : (i + t) % 3 == 1 ? "/cycles" : "/cycles/1";
        auto res = client.Get(path);
        if (!res || res->status != 200) failures.fetch_add(1);
      }
    });
  }
  // Another process records a second cycle meanwhile.
  auto cycle = RunCli({"cycle", "--task", spec_.string(), "--traffic",
                       dir_.Write("week2.csv", testing::SyntheticIntentCsv(200, 8, 4)).string(), "--quiet", "--json",
                       (dir_ / "cycle2.json").string()});
  for (auto& r : readers) r.join();
  ASSERT_LE(cycle.exit_code, 1) << cycle.err;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(Get("/").body, HasSubstr("Last cycle: <a href=\"/cycles/2\">#2</a>"));
  EXPECT_THAT(Get("/cycles").body, HasSubstr("2 cycles, newest first"));
}

TEST_F(UiServerTest, AMissingRegistryIsAClearErrorAtStart) {
  ui::UiOptions o;
  o.task_spec = spec_.string();
  o.registry = (dir_ / "nowhere" / "registry.db").string();
  try {
    ui::UiServer server(o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("nowhere"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "nowhere"));
  // The command says the same, exit 2.
  auto r = RunCli({"ui", "--task", spec_.string(), "--registry", o.registry, "--port", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nowhere"));
}

}  // namespace
}  // namespace trainops
