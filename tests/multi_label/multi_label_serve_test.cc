// A multi-label model behind `trainops serve` (a real server on loopback): answers carry
// the label set, feedback takes "labels", the traffic log keeps both joined.
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

}  // namespace
}  // namespace trainops::serve::testing
