// `trainops serve` and `trainops traffic export` as processes: the server answers on the
// port it was given, SIGTERM stops it with exit 0 and every answered request is in the
// exported CSV; bad flags exit 2. And the queue-full path inside a running server: a
// batch larger than the queue is answered in full while the records that did not fit
// are dropped and counted.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "serve/traffic_log.h"
#include "serve_fixture.h"

namespace trainops::serve::testing {
namespace {

using Json = nlohmann::json;

TEST(ServeCliTest, SigtermStopsCleanlyAndTheExportHasEveryAnsweredRequest) {
  TempDir dir;
  const std::string model = TrainModelFile(dir, "m", 1);
  const int port = FreePort();
  const auto db = dir / "traffic.db";
  const pid_t pid = Spawn({"serve", "--model", model, "--port", std::to_string(port), "--traffic-log", db.string()},
                          dir / "serve.err");
  ASSERT_GT(pid, 0);
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    ready = Call(port, "GET", "/readyz").status == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(ready) << trainops::testing::ReadAll(dir / "serve.err");
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    Reply r = Call(port, "POST", "/v1/predict", Json{{"text", fmt::format("where is order {}", i)}}.dump());
    ASSERT_EQ(r.status, 200) << r.text;
    ids.insert(r.body["request_id"].get<std::string>());
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  const std::string err = trainops::testing::ReadAll(dir / "serve.err");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  EXPECT_NE(err.find("listening on http://127.0.0.1:" + std::to_string(port)), std::string::npos) << err;

  auto out = trainops::testing::RunCli(
      {"traffic", "export", "--traffic-log", db.string(), "--output", (dir / "t.csv").string()});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const std::string csv = trainops::testing::ReadAll(dir / "t.csv");
  EXPECT_EQ(csv.rfind("request_id,time,model,text,label,confidence,rejected,feedback_label", 0), 0u);
  size_t missing = 0;
  for (const auto& id : ids) missing += csv.find(id + ",") == std::string::npos;
  EXPECT_EQ(missing, 0u);

  auto bad_time = trainops::testing::RunCli({"traffic", "export", "--traffic-log", db.string(), "--output",
                                             (dir / "u.csv").string(), "--since", "last week"});
  EXPECT_EQ(bad_time.exit_code, 2) << bad_time.err;
  EXPECT_NE(bad_time.err.find("--since"), std::string::npos) << bad_time.err;
}

TEST(ServeCliTest, SighupChecksTheRegistryAtOnce) {
  TempDir dir;
  const std::string spec = WriteSpec(dir);
  const std::string a = TrainForSpec(spec, dir, "run-a", 1);
  const std::string b = TrainForSpec(spec, dir, "run-b", 2);
  ForcePromote(spec, a);
  const int port = FreePort();
  // An hour between polls: only the signal can make the server notice the promotion.
  const pid_t pid = Spawn({"serve", "--task", spec, "--port", std::to_string(port), "--poll-seconds", "3600"},
                          dir / "serve.err");
  ASSERT_GT(pid, 0);
  std::string model;
  for (int i = 0; i < 200 && model.empty(); ++i) {
    Reply r = Call(port, "GET", "/readyz");
    if (r.status == 200) model = r.body["model"];
    else std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(model, a) << trainops::testing::ReadAll(dir / "serve.err");
  ForcePromote(spec, b);
  // On SQLite only the signal (or the next poll) can show the promotion; a PostgreSQL
  // registry notifies the server at once (LISTEN/NOTIFY), so there the signal only has to
  // do no harm.
  if (!trainops::testing::OnPostgresRegistry()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(Call(port, "GET", "/readyz").body["model"], a) << "no poll for an hour";
  }
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  const auto start = std::chrono::steady_clock::now();
  while (Call(port, "GET", "/readyz").body["model"] != b &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Call(port, "GET", "/readyz").body["model"], b);
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << trainops::testing::ReadAll(dir / "serve.err");
}

TEST(ServeCliTest, BadServeFlagsExitTwoWithAMessage) {
  TempDir dir;
  auto none = trainops::testing::RunCli({"serve", "--port", "0"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("--task"), std::string::npos) << none.err;
  auto missing = trainops::testing::RunCli({"serve", "--model", (dir / "nope.bin").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.bin"), std::string::npos) << missing.err;
  auto open = trainops::testing::RunCli({"serve", "--model", (dir / "nope.bin").string(), "--host", "0.0.0.0"});
  EXPECT_EQ(open.exit_code, 2);
  EXPECT_NE(open.err.find("--token-file"), std::string::npos) << open.err;
}

TEST(ServeCliTest, AFullTrafficQueueDropsRecordsNotRequests) {
  TempDir dir;
  ServeOptions o = LoopbackOptions();
  o.model_file = TrainModelFile(dir, "m", 1);
  o.traffic_log = (dir / "t.db").string();
  o.queue_capacity = 1;
  Server server(o);
  server.Start();
  Json batch = {{"texts", Json::array()}};
  for (int i = 0; i < 1000; ++i) batch["texts"].push_back(fmt::format("text {}", i));
  Reply r = Call(server.port(), "POST", "/v1/predict", batch.dump());
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["predictions"].size(), 1000u);
  Reply metrics = Call(server.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.text.find("trainops_traffic_records_dropped_total 0\n"), std::string::npos)
      << "a queue of one cannot take a thousand records at once:\n" << metrics.text;
  EXPECT_NE(metrics.text.find("trainops_traffic_queue_capacity 1\n"), std::string::npos);
  server.Stop();
  ExportOptions e;
  e.log = o.traffic_log;
  e.output = dir / "out.csv";
  const size_t written = ExportTraffic(e);
  EXPECT_GE(written, 1u);
  EXPECT_LT(written, 1000u);
}

}  // namespace
}  // namespace trainops::serve::testing
