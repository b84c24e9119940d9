// The HTTP API end to end over 127.0.0.1: answers name their model and request ids,
// feedback joins its request in the log, the bad-request table leaves the server ready,
// the token guards feedback and admin calls, /metrics passes promtool, and a clean stop
// loses no answered request.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "serve/traffic_log.h"
#include "serve_fixture.h"

namespace trainops::serve::testing {
namespace {

using Json = nlohmann::json;

class ServeApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    model_ = new std::string(TrainModelFile(*dir_, "m", 1));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }
  std::unique_ptr<Server> StartServer(ServeOptions o = LoopbackOptions()) {
    o.model_file = *model_;
    if (o.traffic_log.empty()) o.traffic_log = (log_dir_ / "traffic.db").string();
    auto server = std::make_unique<Server>(o);
    server->Start();
    return server;
  }
  static TempDir* dir_;
  static std::string* model_;
  TempDir log_dir_;
};
TempDir* ServeApiTest::dir_ = nullptr;

// A raw TCP connection to the server, for requests httplib's client would not send
// (a stalled body, a POST without Content-Length). -1 when it cannot connect.
int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}
std::string* ServeApiTest::model_ = nullptr;

TEST_F(ServeApiTest, PredictsSingleAndBatchNamingModelAndRequestIds) {
  auto server = StartServer();
  const std::string id = Classifier::Load(*model_)->Id();
  Reply one = Call(server->port(), "POST", "/v1/predict", R"({"text": "where is my parcel", "k": 2})");
  ASSERT_EQ(one.status, 200) << one.text;
  for (const char* key : {"label", "confidence", "rejected", "top_k", "model", "request_id"}) {
    EXPECT_TRUE(one.body.contains(key)) << key << " missing: " << one.text;
  }
  EXPECT_EQ(one.body["model"], id);
  EXPECT_EQ(one.body["top_k"].size(), 2u);
  EXPECT_EQ(one.body["top_k"][0]["label"], one.body["label"]);
  // The same answer as the library gives.
  const Prediction expected = Classifier::Load(*model_)->Classify("where is my parcel");
  EXPECT_EQ(one.body["label"], expected.label);
  EXPECT_NEAR(one.body["confidence"].get<double>(), expected.confidence, 1e-6);

  Reply batch = Call(server->port(), "POST", "/v1/predict", R"({"texts": ["a refund please", "hello", "x y"]})");
  ASSERT_EQ(batch.status, 200) << batch.text;
  EXPECT_EQ(batch.body["model"], id);
  ASSERT_EQ(batch.body["predictions"].size(), 3u);
  std::set<std::string> ids{one.body["request_id"].get<std::string>()};
  for (const auto& p : batch.body["predictions"]) {
    EXPECT_EQ(p["top_k"].size(), 3u);  // default k
    ids.insert(p["request_id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 4u) << "request ids must be unique";

  Reply model = Call(server->port(), "GET", "/v1/model");
  ASSERT_EQ(model.status, 200);
  EXPECT_EQ(model.body["id"], id);
  EXPECT_EQ(model.body["labels"].size(), 4u);
  for (const char* key : {"task", "created", "status"}) EXPECT_TRUE(model.body.contains(key)) << key;
  EXPECT_EQ(Call(server->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(Call(server->port(), "GET", "/readyz").status, 200);
}

TEST_F(ServeApiTest, FeedbackIsJoinedToItsRequestInTheExport) {
  auto server = StartServer();
  Reply r = Call(server->port(), "POST", "/v1/predict", R"({"text": "my order never arrived"})");
  ASSERT_EQ(r.status, 200);
  const std::string rid = r.body["request_id"];
  const std::string label = Classifier::Load(*model_)->Labels().back();
  Reply fb = Call(server->port(), "POST", "/v1/feedback", Json{{"request_id", rid}, {"label", label}}.dump());
  EXPECT_EQ(fb.status, 200) << fb.text;
  Reply unknown = Call(server->port(), "POST", "/v1/feedback", Json{{"request_id", "nope"}, {"label", label}}.dump());
  EXPECT_EQ(unknown.status, 404) << unknown.text;
  Reply bad = Call(server->port(), "POST", "/v1/feedback", Json{{"request_id", rid}, {"label", "zzz"}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.text.find("zzz"), std::string::npos) << bad.text;
  server->Stop();

  ExportOptions e;
  e.log = log_dir_ / "traffic.db";
  e.output = log_dir_ / "out.csv";
  ASSERT_EQ(ExportTraffic(e), 1u);
  const std::string csv = trainops::testing::ReadAll(e.output);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "request_id,time,model,text,label,confidence,rejected,feedback_label,margin,latency_ms,sample_weight");
  EXPECT_NE(csv.find(rid), std::string::npos);
  EXPECT_NE(csv.find("my order never arrived"), std::string::npos);
  EXPECT_NE(csv.find("," + label + ","), std::string::npos) << csv;

  // --since after everything: no rows; a malformed time is an input error.
  e.since = "2999-01-01";
  EXPECT_EQ(ExportTraffic(e), 0u);
  e.since = "yesterday";
  EXPECT_THROW(ExportTraffic(e), InputError);
}

struct BadCase {
  const char* method;
  const char* path;
  std::string body;
  int status;
  const char* says;  // part of the error message
};

TEST_F(ServeApiTest, BadRequestsGetClearErrorsAndLeaveTheServerReady) {
  ServeOptions o = LoopbackOptions();
  o.max_batch = 1000;
  o.max_body_bytes = 1 << 20;
  auto server = StartServer(o);
  Json many = {{"texts", Json::array()}};
  for (int i = 0; i < 1001; ++i) many["texts"].push_back("hello");
  const std::vector<BadCase> cases = {
      {"POST", "/v1/predict", "{not json", 400, "malformed JSON"},
      {"POST", "/v1/predict", "", 400, "empty body"},
      {"POST", "/v1/predict", "[1,2]", 400, "JSON object"},
      {"POST", "/v1/predict", "{}", 400, "missing \"text\""},
      {"POST", "/v1/predict", R"({"text": ""})", 400, "empty"},
      {"POST", "/v1/predict", R"({"text": "   "})", 400, "empty"},
      {"POST", "/v1/predict", R"({"text": 42})", 400, "must be a string"},
      {"POST", "/v1/predict", R"({"text": null})", 400, "must be a string"},
      {"POST", "/v1/predict", R"({"texts": "hi"})", 400, "must be an array"},
      {"POST", "/v1/predict", R"({"texts": []})", 400, "empty"},
      {"POST", "/v1/predict", R"({"texts": ["ok", 3]})", 400, "[1]"},
      {"POST", "/v1/predict", R"({"text": "hi", "k": 0})", 400, "\"k\""},
      {"POST", "/v1/predict", R"({"text": "hi", "k": "3"})", 400, "\"k\""},
      {"POST", "/v1/predict", "{\"text\": \"\xff\xfe\"}", 400, "malformed JSON"},
      {"POST", "/v1/predict", many.dump(), 413, "limit is 1000"},
      {"POST", "/v1/predict", std::string((1 << 20) + 10, 'a'), 413, "limit"},
      {"POST", "/v1/feedback", "{}", 400, "request_id"},
      {"GET", "/v1/predict", "", 405, "POST"},
      {"PUT", "/v1/predict", "{}", 405, "POST"},
      {"DELETE", "/healthz", "", 405, "GET"},
      {"POST", "/metrics", "", 405, "GET"},
      {"GET", "/nope", "", 404, "no such path"},
      {"GET", "/v1/predictx", "", 404, "no such path"},
  };
  for (const auto& c : cases) {
    Reply r = Call(server->port(), c.method, c.path, c.body);
    EXPECT_EQ(r.model_header, Classifier::Load(*model_)->Id()) << c.method << " " << c.path << ": names its model";
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body.substr(0, 40) << ": " << r.text;
    ASSERT_TRUE(r.body.is_object()) << c.path << ": not JSON: " << r.text;
    EXPECT_NE(r.body.value("error", "").find(c.says), std::string::npos)
        << c.method << " " << c.path << " " << c.body.substr(0, 40) << ": " << r.text;
  }
  EXPECT_EQ(Call(server->port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(Call(server->port(), "POST", "/v1/predict", R"({"text": "hi"})").status, 200);
}

TEST_F(ServeApiTest, AStalledClientIsCutOffAndTheServerStaysReady) {
  ServeOptions o = LoopbackOptions();
  o.read_timeout_seconds = 1;
  auto server = StartServer(o);
  const int fd = ConnectLoopback(server->port());
  ASSERT_GE(fd, 0);
  // Headers promise a body that never comes.
  const std::string partial = "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"te";
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto start = std::chrono::steady_clock::now();
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  EXPECT_EQ(n, 0) << "the server should close the stalled connection";
  EXPECT_LT(waited, 4.0);
  EXPECT_EQ(Call(server->port(), "GET", "/readyz").status, 200);
}

TEST_F(ServeApiTest, TokenGuardsFeedbackAndAdminAndIsRequiredOffLoopback) {
  ServeOptions o = LoopbackOptions();
  o.host = "0.0.0.0";
  o.model_file = *model_;
  o.traffic_log = (log_dir_ / "t.db").string();
  EXPECT_THROW(Server{o}, InputError);
  const std::string token = "s3cret-token-0123456789";
  o.token_file = log_dir_.Write("token", token + "\n").string();
  auto server = StartServer(o);
  Reply r = Call(server->port(), "POST", "/v1/predict", R"({"text": "hello"})");
  ASSERT_EQ(r.status, 200) << "predict needs no token";
  const std::string fb = Json{{"request_id", r.body["request_id"]}, {"label", r.body["label"]}}.dump();
  EXPECT_EQ(Call(server->port(), "POST", "/v1/feedback", fb).status, 401);
  EXPECT_EQ(Call(server->port(), "POST", "/v1/feedback", fb, {{"Authorization", "Bearer wrong-token-0123456789"}}).status,
            401);
  EXPECT_EQ(Call(server->port(), "POST", "/v1/feedback", fb, {{"Authorization", "Bearer " + token}}).status, 200);
  EXPECT_EQ(Call(server->port(), "POST", "/v1/admin/reload", "").status, 401);
}

TEST_F(ServeApiTest, CleanStopLosesNoAnsweredRequest) {
  auto server = StartServer();
  std::vector<std::thread> clients;
  std::mutex mutex;
  std::set<std::string> answered;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        const bool batch = i % 10 == 0;
        Reply r = Call(server->port(), "POST", "/v1/predict",
                       batch ? R"({"texts": ["one refund", "two boots", "three"]})"
                             : Json{{"text", fmt::format("text {} {}", t, i)}}.dump());
        if (r.status != 200) continue;
        std::lock_guard lock(mutex);
        if (batch) {
          for (const auto& p : r.body["predictions"]) answered.insert(p["request_id"].get<std::string>());
        } else {
          answered.insert(r.body["request_id"].get<std::string>());
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  server->Stop();
  EXPECT_EQ(answered.size(), 4u * (54 + 6 * 3));
  ExportOptions e;
  e.log = log_dir_ / "traffic.db";
  e.output = log_dir_ / "all.csv";
  EXPECT_EQ(ExportTraffic(e), answered.size());
  const std::string csv = trainops::testing::ReadAll(e.output);
  size_t missing = 0;
  for (const auto& id : answered) missing += csv.find(id + ",") == std::string::npos;
  EXPECT_EQ(missing, 0u);
}

TEST_F(ServeApiTest, MetricsPassPromtool) {
  auto server = StartServer();
  Call(server->port(), "POST", "/v1/predict", R"({"text": "where is my order"})");
  Call(server->port(), "POST", "/v1/predict", R"({"text": ""})");
  Call(server->port(), "GET", "/nope");
  // Requests are counted once their answer is sent, so the last one may show up a moment
  // after its client got the answer.
  // Each answer is counted by the thread that sent it, so under load the three counts can
  // land in any order: wait for all of them.
  std::string text;
  for (int attempt = 0; attempt < 250; ++attempt) {
    Reply r = Call(server->port(), "GET", "/metrics");
    ASSERT_EQ(r.status, 200);
    text = r.text;
    if (text.find("endpoint=\"other\",code=\"404\"") != std::string::npos &&
        text.find("endpoint=\"/v1/predict\",code=\"400\"") != std::string::npos &&
        text.find("endpoint=\"/v1/predict\",code=\"200\"") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const char* series :
       {"trainops_http_requests_total{endpoint=\"/v1/predict\",code=\"200\"} 1",
        "trainops_http_requests_total{endpoint=\"/v1/predict\",code=\"400\"} 1",
        "trainops_http_requests_total{endpoint=\"other\",code=\"404\"} 1", "trainops_http_request_duration_seconds_bucket",
        "trainops_predictions_total{label=", "trainops_predictions_rejected_total", "trainops_model_info{model=\"",
        "trainops_model_swaps_total 0", "trainops_model_load_failures_total 0", "trainops_traffic_queue_depth",
        "trainops_traffic_records_dropped_total 0"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus); skipping `promtool check metrics`";
  }
  const auto file = log_dir_.Write("metrics.txt", text);
  const int rc = std::system(fmt::format("promtool check metrics < '{}' > '{}' 2>&1", file.string(),
                                         (log_dir_ / "promtool.out").string())
                                 .c_str());
  EXPECT_EQ(rc, 0) << trainops::testing::ReadAll(log_dir_ / "promtool.out");
}

// Issue 26, item 6: a second server on a port in use is refused (httplib's default
// SO_REUSEPORT let it share the port and split the traffic between two models and logs).
TEST_F(ServeApiTest, ASecondServerOnAPortInUseIsRefused) {
  auto first = StartServer();
  ServeOptions o = LoopbackOptions();
  o.port = first->port();
  o.model_file = *model_;
  TempDir other_log;
  o.traffic_log = (other_log / "traffic.db").string();
  Server second(o);
  try {
    second.Start();
    FAIL() << "a second server bound port " << o.port;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("port {} is in use", o.port)), std::string::npos) << e.what();
  }
  // The first still answers every request.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Call(first->port(), "POST", "/v1/predict", R"({"text": "hi"})").status, 200);
  // A stopped server's port can be taken again at once (SO_REUSEADDR).
  const int port = first->port();
  first->Stop();
  first.reset();
  ServeOptions again = LoopbackOptions();
  again.port = port;
  again.model_file = *model_;
  again.traffic_log = (other_log / "again.db").string();
  Server third(again);
  EXPECT_NO_THROW(third.Start());
}

// Issue 29: feedback for a request the log did not keep is refused with the reason.
TEST_F(ServeApiTest, FeedbackForARequestTheLogShedIs404WithTheReason) {
  ServeOptions o = LoopbackOptions();
  o.queue_capacity = 1;  // the writer has not started taking records when the second comes
  auto server = StartServer(o);
  std::vector<std::string> ids;
  Reply batch = Call(server->port(), "POST", "/v1/predict", R"({"texts": ["a", "b", "c", "d", "e", "f", "g", "h"]})");
  ASSERT_EQ(batch.status, 200) << batch.text;
  std::string label = batch.body["predictions"][0]["label"];
  int not_logged = 0;
  for (const auto& p : batch.body["predictions"]) {
    Reply fb = Call(server->port(), "POST", "/v1/feedback",
                    Json{{"request_id", p["request_id"]}, {"label", label}}.dump());
    if (fb.status == 404) {
      ++not_logged;
      EXPECT_NE(fb.text.find("answered but not logged"), std::string::npos) << fb.text;
    } else {
      EXPECT_TRUE(fb.status == 200 || fb.status == 503) << fb.text;
    }
  }
  EXPECT_GT(not_logged, 0) << "a queue of one cannot hold eight records";
  Reply unknown = Call(server->port(), "POST", "/v1/feedback", Json{{"request_id", "nope-1"}, {"label", label}}.dump());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.text.find("unknown request_id"), std::string::npos) << unknown.text;
}

// Issue 26, item 8: `curl -d @body.json` (form content type) with a body over 8 KiB is
// answered, not refused with a wrong 413.
TEST_F(ServeApiTest, AJsonBodySentAsFormDataIsAnswered) {
  auto server = StartServer();
  Json texts = Json::array();
  for (int i = 0; i < 400; ++i) texts.push_back(fmt::format("where is my parcel number {}", i));
  const std::string body = Json{{"texts", texts}}.dump();
  ASSERT_GT(body.size(), 8192u);
  httplib::Client client("127.0.0.1", server->port());
  auto res = client.Post("/v1/predict", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body.substr(0, 300);
  EXPECT_EQ(Json::parse(res->body)["predictions"].size(), 400u);
  // Over the server's own limit it is still 413, with the reason.
  ServeOptions small = LoopbackOptions();
  small.max_body_bytes = 4096;
  small.traffic_log = (log_dir_ / "small.db").string();
  auto limited = StartServer(small);
  httplib::Client client2("127.0.0.1", limited->port());
  auto over = client2.Post("/v1/predict", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 413);
  EXPECT_NE(over->body.find("over the limit of 4096 bytes"), std::string::npos) << over->body;
}

// A Stop right after Start (a SIGTERM at start-up) returns: httplib ignored a stop that
// came before its listening loop ran, and the join waited forever.
TEST_F(ServeApiTest, StopRightAfterStartReturns) {
  for (int i = 0; i < 20; ++i) {
    auto server = StartServer();
    const auto t0 = std::chrono::steady_clock::now();
    server->Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  }
}

// Issue 26, item 13: `curl -X POST .../v1/admin/reload` (no body, no Content-Length) is
// not a 400; with --model there is no registry, so the answer is 409, saying why.
TEST_F(ServeApiTest, APostWithoutABodyIsReadAsAnEmptyBody) {
  auto server = StartServer();
  const int fd = ConnectLoopback(server->port());
  ASSERT_GE(fd, 0);
  const std::string request = "POST /v1/admin/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string reply;
  char buf[512];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 409", 0), 0u) << reply;
  EXPECT_NE(reply.find("no registry to reload from"), std::string::npos) << reply;
}

}  // namespace
}  // namespace trainops::serve::testing
