// The same dashboard on a PostgreSQL registry with the shared traffic log in the same
// database (issue 24): built against the Registry interface, so every page works there
// as on SQLite. The registry is the fixture's, copied with `trainops registry migrate`;
// a real PostgreSQL server is started for the test (tests/postgres_server.h).
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "postgres_server.h"
#include "ui_fixture.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::Page;
using testing::RunCli;

class UiPostgresTest : public testing::UiFixture {
 protected:
  void TearDown() override {
    UiFixture::TearDown();
    ::unsetenv("TRAINOPS_MODEL_CACHE");
  }
};

TEST_F(UiPostgresTest, EveryPageWorksOnASharedRegistryAndTrafficLog) {
  TRAINOPS_REQUIRE_POSTGRES(url);
  ::setenv("TRAINOPS_MODEL_CACHE", (dir_ / "cache").c_str(), 1);  // this "host"'s model cache
  auto migrate = RunCli({"registry", "migrate", "--from", RegistryPath().string(), "--to", url});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  WriteTraffic(100, url);  // the shared log, in the registry's database

  ui::UiOptions o;
  o.registry = url;
  StartUi(o);
  const Page overview = Get("/");
  ASSERT_EQ(overview.status, 200) << overview.body;
  EXPECT_THAT(overview.body, HasSubstr("id=\"production-id\"><a class=\"id\" href=\"/models/" + second_));
  EXPECT_THAT(overview.body, HasSubstr("Last cycle: <a href=\"/cycles/1\">#1</a>"));
  // The password-free URL is what the page names.
  EXPECT_THAT(overview.body, HasSubstr("registry postgresql://"));

  for (const std::string& path : std::vector<std::string>{"/models", "/models/" + second_, "/compare?a=" + first_ + "&b=" + second_,
                                  "/cycles", "/cycles/1", "/cycles/1/monitor"}) {
    const Page p = Get(path);
    EXPECT_EQ(p.status, 200) << path << "\n" << p.body;
  }
  const Page traffic = Get("/traffic?period=all&limit=1000");
  ASSERT_EQ(traffic.status, 200) << traffic.body;
  EXPECT_THAT(traffic.body, HasSubstr("The 100 newest matching requests"));
  EXPECT_THAT(traffic.body, HasSubstr("20 of 100 requests in the period have feedback (20.0%)"));
  EXPECT_THAT(Get("/traffic?period=all&label=sizing").body, HasSubstr("The 25 newest matching requests"));
  EXPECT_THAT(Get("/traffic?period=all&feedback=with&rejected=yes").body, HasSubstr("newest matching requests"));

  // A rollback from another host's command line shows on the next load.
  auto rollback = RunCli({"rollback", "--task", spec_.string(), "--registry", url, "--reason", "from the laptop"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_THAT(Get("/").body, HasSubstr("id=\"production-id\"><a class=\"id\" href=\"/models/" + first_));
}

}  // namespace
}  // namespace trainops
