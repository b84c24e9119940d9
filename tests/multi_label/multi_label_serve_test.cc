// A multi-label model behind `trainops serve` (a real server on loopback): answers carry
// the label set, feedback takes "labels", the traffic log keeps both joined; and the whole
// loop on one tiny task: train, release, serve from the registry, feedback as sets (the
// empty set among them), then a cycle over the server's traffic log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <trainops/trainops.h>

#include "serve/serve_fixture.h"
#include "serve/traffic_log.h"

namespace trainops::serve::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

std::string MultiLabelModel(const TempDir& dir) {
  std::string csv = "text,intents\n";
  const char* words[] = {"blue", "red", "trail", "city", "winter", "suede", "mesh", "retro", "court", "wave"};
  for (int i = 0; i < 300; ++i) {
    const bool sizing = i % 2 == 0, refund = i % 3 == 0;
    std::string text = std::string("hello about the ") + words[i % 10] + " " + words[(i / 10) % 10] + " pair";
    if (sizing) text += " these are too small";
    if (refund) text += " i want my money back";
    std::string labels = sizing && refund ? "refunds|sizing" : sizing ? "sizing" : refund ? "refunds" : "";
    csv += text + "," + labels + "\n";
  }
  TrainOptions o;
  o.data = dir.Write("multi.csv", csv).string();
  o.text_column = "text";
  o.label_column = "intents";
  o.parameters = {{"task.multi_label", "true"}, {"--threads", "1"}, {"training.epochs", "8"}};
  o.out = (dir / "multi").string();
  o.record_in_registry = false;
  o.allow_data_errors = true;
  return Train(o).model_path;
}

TEST(MultiLabelServeTest, AnswersSetsAndTakesFeedbackAsLabels) {
  TempDir dir;
  ServeOptions o = LoopbackOptions();
  o.model_file = MultiLabelModel(dir);
  o.traffic_log = (dir / "traffic.db").string();
  Server server(o);
  server.Start();
  Reply r = Call(server.port(), "POST", "/v1/predict", R"({"text": "these are too small and i want my money back"})");
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_TRUE(r.body["labels"].is_array()) << r.text;
  std::vector<std::string> labels;
  for (const auto& l : r.body["labels"]) labels.push_back(l["label"]);
  EXPECT_EQ(labels, (std::vector<std::string>{"refunds", "sizing"})) << r.text;
  const std::string rid = r.body["request_id"];
  Reply none = Call(server.port(), "POST", "/v1/predict", R"({"text": "hello about the blue red pair"})");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.body["labels"].empty()) << none.text;
  EXPECT_TRUE(none.body["rejected"].get<bool>());

  Reply fb = Call(server.port(), "POST", "/v1/feedback", Json{{"request_id", rid}, {"labels", {"sizing", "refunds"}}}.dump());
  EXPECT_EQ(fb.status, 200) << fb.text;
  EXPECT_EQ(fb.body["label"], "refunds|sizing");
  // "None of the intents" is feedback too: stored as "[]", since an empty label in the log
  // means "not labelled yet".
  Reply empty = Call(server.port(), "POST", "/v1/feedback",
                     Json{{"request_id", none.body["request_id"]}, {"labels", Json::array()}}.dump());
  EXPECT_EQ(empty.status, 200) << empty.text;
  EXPECT_EQ(empty.body["label"], "[]");
  EXPECT_TRUE(empty.body["labels"].is_array() && empty.body["labels"].empty()) << empty.text;
  Reply bad = Call(server.port(), "POST", "/v1/feedback", Json{{"request_id", rid}, {"labels", {"zzz"}}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.text, HasSubstr("zzz"));
  Reply twice = Call(server.port(), "POST", "/v1/feedback",
                     Json{{"request_id", rid}, {"labels", {"sizing", "sizing"}}}.dump());
  EXPECT_EQ(twice.status, 400);
  Reply not_list = Call(server.port(), "POST", "/v1/feedback", Json{{"request_id", rid}, {"labels", "sizing"}}.dump());
  EXPECT_EQ(not_list.status, 400);
  Reply model = Call(server.port(), "GET", "/v1/model");
  EXPECT_EQ(model.body["multi_label"], true) << model.text;
  server.Stop();

  ExportOptions e;
  e.log = dir / "traffic.db";
  e.output = dir / "out.csv";
  ASSERT_EQ(ExportTraffic(e), 2u);
  const std::string csv = trainops::testing::ReadAll(e.output);
  EXPECT_THAT(csv, HasSubstr(",refunds|sizing,"));  // the answer and the feedback, joined
  EXPECT_THAT(csv, HasSubstr(",[],"));               // the empty set given as feedback
}

// The loop end to end through the library, as the CLI runs it: train and release a
// multi-label task, serve its production model from the registry, answer messages, take
// feedback as sets (half of it contradicting the answer with "none of the intents"), and
// run the weekly cycle over the server's traffic log: it reads every set, [] included, and
// measures the exact-set accuracy the feedback implies.
TEST(MultiLabelServeTest, TrainReleaseServeFeedbackCycle) {
  TempDir dir;
  std::string csv = "text,intents\n";
  const char* words[] = {"blue", "red", "trail", "city", "winter", "suede", "mesh", "retro", "court", "wave"};
  for (int i = 0; i < 400; ++i) {
    const bool sizing = i % 2 == 0, refund = i % 3 == 0;
    std::string text = std::string("hello about the ") + words[i % 10] + " " + words[(i / 10) % 10] + " pair " +
                       std::to_string(i);
    if (sizing) text += " these are too small";
    if (refund) text += " i want my money back";
    csv += text + "," + (sizing && refund ? "refunds|sizing" : sizing ? "sizing" : refund ? "refunds" : "") + "\n";
  }
  dir.Write("train.csv", csv);
  dir.Write("test.csv", csv.substr(0, csv.find('\n') + 1) + csv.substr(csv.size() / 2));
  const std::string spec = dir.Write("task.yaml",
                                     "name: loop_multi\ndata:\n  train: train.csv\n  test: test.csv\n"
                                     "  text_column: text\n  label_column: intents\n"
                                     "task:\n  multi_label: true\nthreads: 1\ntraining:\n  epochs: 8\n")
                               .string();
  TrainOptions t;
  t.task = spec;
  t.out = (dir / "run").string();
  t.allow_data_errors = true;  // test.csv repeats training rows (leakage): beside the point here
  const TrainResult trained = Train(t);
  GateOptions g;
  g.task = spec;
  g.candidate = trained.model_id;
  const ReleaseResult released = Release(g);
  ASSERT_TRUE(released.promotion.has_value() && released.promotion->changed) << released.refused;

  ServeOptions o = LoopbackOptions();
  o.task_spec = spec;
  Server server(o);
  server.Start();
  constexpr int kMessages = 40;
  int right = 0;
  for (int i = 0; i < kMessages; ++i) {
    const std::string text = std::string("hello about the ") + words[i % 10] + " shoes" +
                             (i % 2 ? " these are too small" : "") + (i % 4 == 1 ? " i want my money back" : "");
    Reply r = Call(server.port(), "POST", "/v1/predict", Json{{"text", text}}.dump());
    ASSERT_EQ(r.status, 200) << r.text;
    Json answer = Json::array();
    for (const auto& l : r.body["labels"]) answer.push_back(l["label"]);
    // Even messages: the answer confirmed; odd ones: "none of the intents" (wrong when the
    // model chose a label, which it does for every odd message).
    const Json given = i % 2 == 0 ? answer : Json::array();
    right += given == answer;
    Reply fb = Call(server.port(), "POST", "/v1/feedback", Json{{"request_id", r.body["request_id"]}, {"labels", given}}.dump());
    ASSERT_EQ(fb.status, 200) << fb.text;
  }
  server.Stop();  // flushes the traffic log

  CycleOptions c;
  c.task = spec;
  c.source.since = "2000-01-01T00:00:00Z";
  c.threads = 1;
  const CycleResult cycle = Cycle(c);
  const Json& report = cycle.report;
  EXPECT_EQ(report["task_kind"], "multi_label");
  EXPECT_EQ(report["window"]["feedback_rows"], kMessages) << report["window"].dump();
  EXPECT_NEAR(report["feedback_accuracy"]["value"].get<double>(), static_cast<double>(right) / kMessages, 1e-9);
  EXPECT_LT(right, kMessages);  // the odd messages' [] contradicted a chosen label
  EXPECT_EQ(report["feedback"]["new_rows"], kMessages);
}

}  // namespace
}  // namespace trainops::serve::testing
