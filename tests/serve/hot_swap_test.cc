// Hot swap from the registry: a promotion and a rollback made by another process while
// clients are sending requests are served within 2 s, no request fails meanwhile, and a
// production model that fails to verify leaves the old one serving and is counted.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "postgres_server.h"
#include "registry/registry.h"
#include "serve_fixture.h"

namespace trainops::serve::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Sends single-text requests from a few threads until stopped; remembers the newest
// model that answered and counts failures.
class Traffic {
 public:
  explicit Traffic(int port) : port_(port) {
    for (int t = 0; t < 3; ++t) {
      threads_.emplace_back([this] {
        while (!stop_) {
          Reply r = Call(port_, "POST", "/v1/predict", R"({"text": "refund for my boots"})");
          if (r.status != 200 || !r.body.contains("model")) {
            ++failed_;
            continue;
          }
          ++ok_;
          std::lock_guard lock(mutex_);
          last_model_ = r.body["model"];
        }
      });
    }
  }
  ~Traffic() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) if (t.joinable()) t.join();
  }
  std::string last_model() {
    std::lock_guard lock(mutex_);
    return last_model_;
  }
  // Seconds until responses name `model` (as seen by a fresh request), or -1 after `limit`.
  double SecondsUntilServed(const std::string& model, double limit) {
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < limit) {
      Reply r = Call(port_, "POST", "/v1/predict", R"({"text": "hello"})");
      if (r.status == 200 && r.body["model"] == model) return std::chrono::duration<double>(Clock::now() - start).count();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  int failed() const { return failed_; }
  int ok() const { return ok_; }

 private:
  int port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> failed_{0}, ok_{0};
  std::mutex mutex_;
  std::string last_model_;
  std::vector<std::thread> threads_;
};

TEST(HotSwapTest, PromoteAndRollbackFromAnotherProcessAreServedWithinTwoSeconds) {
  TempDir dir;
  const std::string spec = WriteSpec(dir);
  const std::string a = TrainForSpec(spec, dir, "run-a", 1);
  const std::string b = TrainForSpec(spec, dir, "run-b", 2);
  ASSERT_NE(a, b);
  ForcePromote(spec, a);

  ServeOptions o = LoopbackOptions();
  o.task_spec = spec;  // default poll: every second
  Server server(o);
  server.Start();
  ASSERT_TRUE(server.ready());
  Traffic traffic(server.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(traffic.last_model(), a);

  auto promote = trainops::testing::RunCli({"promote", b, "--force", "--reason", "swap under load", "--task", spec});
  ASSERT_EQ(promote.exit_code, 0) << promote.err;
  const double to_b = traffic.SecondsUntilServed(b, 2.0);
  EXPECT_GE(to_b, 0) << "model b not served within 2 s of its promotion";

  auto rollback = trainops::testing::RunCli({"rollback", "--reason", "back", "--task", spec});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  const double to_a = traffic.SecondsUntilServed(a, 2.0);
  EXPECT_GE(to_a, 0) << "model a not served within 2 s of the rollback";
  traffic.Stop();
  EXPECT_EQ(traffic.failed(), 0) << "requests failed during the swaps";
  EXPECT_GT(traffic.ok(), 10);
  Reply metrics = Call(server.port(), "GET", "/metrics");
  EXPECT_NE(metrics.text.find("trainops_model_swaps_total 2"), std::string::npos) << metrics.text;
  server.Stop();
}

// Issue 24: two replicas on one PostgreSQL registry, each with its own model cache as on
// its own host; a promotion and a rollback made by a third process (another host) are
// served by both within 2 s, with no failed request. The replicas poll only every 30 s:
// the swaps within 2 s come from LISTEN/NOTIFY.
TEST(HotSwapTest, TwoReplicasOnASharedRegistryFollowPromotionsFromAnotherHost) {
  TRAINOPS_REQUIRE_POSTGRES(url);
  TempDir dir;
  std::string spec = WriteSpec(dir);
  std::ofstream(spec, std::ios::app) << "registry: " << url << "\n";
  ::setenv("TRAINOPS_MODEL_CACHE", (dir / "trainer-cache").c_str(), 1);
  const std::string a = TrainForSpec(spec, dir, "run-a", 1);
  const std::string b = TrainForSpec(spec, dir, "run-b", 2);
  ForcePromote(spec, a);

  std::vector<std::unique_ptr<Server>> replicas;
  std::vector<std::unique_ptr<Traffic>> traffic;
  for (int i = 0; i < 2; ++i) {
    ::setenv("TRAINOPS_MODEL_CACHE", (dir / ("replica-cache-" + std::to_string(i))).c_str(), 1);
    ServeOptions o = LoopbackOptions();
    o.task_spec = spec;
    o.traffic_log = (dir / ("traffic-" + std::to_string(i) + ".db")).string();
    o.poll_interval = std::chrono::seconds(30);
    replicas.push_back(std::make_unique<Server>(o));
    replicas.back()->Start();
    ASSERT_TRUE(replicas.back()->ready());
    traffic.push_back(std::make_unique<Traffic>(replicas.back()->port()));
  }
  ::setenv("TRAINOPS_MODEL_CACHE", (dir / "laptop-cache").c_str(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (auto& t : traffic) EXPECT_EQ(t->last_model(), a);

  auto promote = trainops::testing::RunCli({"promote", b, "--force", "--reason", "from the laptop", "--task", spec});
  ASSERT_EQ(promote.exit_code, 0) << promote.err;
  for (auto& t : traffic) EXPECT_GE(t->SecondsUntilServed(b, 2.0), 0) << "a replica did not serve b within 2 s";
  auto rollback = trainops::testing::RunCli({"rollback", "--reason", "back", "--task", spec});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  for (auto& t : traffic) EXPECT_GE(t->SecondsUntilServed(a, 2.0), 0) << "a replica did not serve a within 2 s";
  for (auto& t : traffic) {
    t->Stop();
    EXPECT_EQ(t->failed(), 0);
    EXPECT_GT(t->ok(), 10);
  }
  for (auto& r : replicas) r->Stop();
  ::unsetenv("TRAINOPS_MODEL_CACHE");
  EXPECT_TRUE(std::filesystem::exists(dir / "replica-cache-1" / (b + ".bin"))) << "replica 1 fetched b itself";
}

TEST(HotSwapTest, AModelThatFailsToVerifyLeavesTheOldOneServing) {
  if (trainops::testing::OnPostgresRegistry()) {
    GTEST_SKIP() << "damages the SQLite store's model file; on PostgreSQL the bytes live in the database, "
                    "content-addressed, and a host's cached copy is verified against its hash when loaded";
  }
  TempDir dir;
  const std::string spec = WriteSpec(dir);
  const std::string a = TrainForSpec(spec, dir, "run-a", 1);
  const std::string c = TrainForSpec(spec, dir, "run-c", 3);
  ForcePromote(spec, a);
  ServeOptions o = LoopbackOptions();
  o.task_spec = spec;
  o.poll_interval = std::chrono::milliseconds(100);
  Server server(o);
  server.Start();

  // Damage the registry's stored copy of c, then make it production.
  const auto path = Registry::Open(dir / ".trainops" / "registry.db").GetModel(c).path;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(path) / 2));
    f.put('\x5a').put('\x5a').put('\x5a');
  }
  ForcePromote(spec, c);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  Reply r = Call(server.port(), "POST", "/v1/predict", R"({"text": "hello"})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["model"], a);
  EXPECT_EQ(Call(server.port(), "GET", "/readyz").status, 200);
  Reply metrics = Call(server.port(), "GET", "/metrics");
  EXPECT_NE(metrics.text.find("trainops_model_load_failures_total 1"), std::string::npos)
      << "counted once, not once per poll:\n" << metrics.text;
  server.Stop();
}

TEST(HotSwapTest, ATaskWithoutProductionModelStartsNotReadyAndBecomesReady) {
  TempDir dir;
  const std::string spec = WriteSpec(dir);
  const std::string a = TrainForSpec(spec, dir, "run-a", 1);
  ServeOptions o = LoopbackOptions();
  o.task_spec = spec;
  o.poll_interval = std::chrono::milliseconds(100);
  Server server(o);
  server.Start();
  EXPECT_EQ(Call(server.port(), "GET", "/readyz").status, 503);
  EXPECT_EQ(Call(server.port(), "POST", "/v1/predict", R"({"text": "hello"})").status, 503);
  ForcePromote(spec, a);
  server.CheckRegistryNow();
  const auto start = Clock::now();
  while (Call(server.port(), "GET", "/readyz").status != 200 && Clock::now() - start < std::chrono::seconds(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Call(server.port(), "GET", "/readyz").status, 200);
  server.Stop();
}

}  // namespace
}  // namespace trainops::serve::testing
