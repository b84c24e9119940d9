// A task with a registry the dashboard can show: two trained models released through the
// gates (the second replacing the first), one weekly cycle, and optionally a traffic log
// with feedback, made through the real binary and the real traffic log. Then the dashboard
// itself (ui::UiServer) on a free loopback port, and a client for it.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "registry/registry.h"
#include "serve/traffic_log.h"
#include "test_support.h"
#include "ui/ui_server.h"

namespace trainops::testing {

struct Page {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::string Header(const std::string& key) const {
    auto it = headers.find(key);
    return it == headers.end() ? "" : it->second;
  }
};

class UiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("train.csv", SyntheticIntentCsv(900, 1, 4));
    dir_.Write("test.csv", SyntheticIntentCsv(300, 2, 4));
    spec_ = dir_.Write("task.yaml",
                       "name: shoes\ndata:\n  train: train.csv\n  test: test.csv\n  text_column: text\n"
                       "  label_column: intent\nseed: 3\nthreads: 1\n");
    first_ = TrainAndRelease("first", "3");
    second_ = TrainAndRelease("second", "5");
    const auto week = dir_.Write("week.csv", SyntheticIntentCsv(200, 7, 4));
    auto cycle = RunCli({"cycle", "--task", spec_.string(), "--traffic", week.string(), "--quiet", "--json",
                         (dir_ / "cycle.json").string()});
    ASSERT_LE(cycle.exit_code, 1) << cycle.err;
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // Trains a model and releases it (gates against production, promotes on a pass);
  // returns its id.
  std::string TrainAndRelease(const std::string& name, const std::string& seed) {
    const std::string out = (dir_ / "runs" / name).string();
    auto t = RunCli({"train", "--task", spec_.string(), "--out", out, "--quiet", "--allow-data-errors", "--seed", seed});
    EXPECT_EQ(t.exit_code, 0) << t.err;
    auto r = RunCli({"release", "--task", spec_.string(), "--candidate", out + "/model.bin", "--quiet"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Registry::OpenExisting(RegistryPath()).FindModelByFile(out + "/model.bin")->id;
  }

  std::filesystem::path RegistryPath() const { return dir_ / ".trainops" / "registry.db"; }

  // Writes `n` requests through the traffic log the server would use: label i % 4 of the
  // task's labels, confidence falling with i, every third rejected below 0.3, and feedback
  // for every fifth request (every tenth disagreeing).
  void WriteTraffic(int n, const std::filesystem::path& log = {}) {
    serve::TrafficLogOptions o;
    o.path = log.empty() ? DefaultTrafficLog(RegistryPath(), spec_) : log;
    serve::TrafficLog traffic(o);
    traffic.Start();
    const std::vector<std::string> labels = Labels();
    for (int i = 0; i < n; ++i) {
      serve::TrafficRecord r;
      r.request_id = traffic.NewRequestId();
      r.time = "2026-11-0" + std::to_string(1 + i % 7) + "T10:00:" + (i % 60 < 10 ? "0" : "") +
               std::to_string(i % 60) + ".000Z";
      r.model = second_;
      r.text = "message " + std::to_string(i) + (i == 0 ? " <script>alert('x')</script>" : "");
      r.label = labels[static_cast<size_t>(i) % labels.size()];
      r.confidence = 1.0f - static_cast<float>(i) / static_cast<float>(n);
      r.rejected = r.confidence < 0.3f;
      r.margin = r.confidence / 2;
      const std::string id = r.request_id;
      const std::string label = r.label;
      ASSERT_TRUE(traffic.TryLog(std::move(r)));
      if (i % 5 == 0) {
        ASSERT_TRUE(traffic.TryLogFeedback({id, i % 10 == 0 ? labels[(static_cast<size_t>(i) + 1) % labels.size()] : label,
                                            "2026-11-09T00:00:00.000Z"}));
      }
    }
    traffic.Stop();
  }

  // SyntheticIntentCsv's first four intents.
  static std::vector<std::string> Labels() { return {"returns", "shipping", "sizing", "payment"}; }

  void StartUi(ui::UiOptions o = {}) {
    o.task_spec = spec_.string();
    o.port = 0;
    server_ = std::make_unique<ui::UiServer>(o);
    server_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(120, 0);
  }

  Page Get(const std::string& path) {
    Page p;
    auto res = client_->Get(path.c_str());
    if (!res) return p;
    p.status = res->status;
    p.body = res->body;
    p.headers = res->headers;
    return p;
  }

  Page Post(const std::string& path, const httplib::Params& form, const httplib::Headers& headers = {}) {
    Page p;
    auto res = client_->Post(path.c_str(), headers, form);
    if (!res) return p;
    p.status = res->status;
    p.body = res->body;
    p.headers = res->headers;
    return p;
  }

  TempDir dir_;
  std::filesystem::path spec_;
  std::string first_, second_;
  std::unique_ptr<ui::UiServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace trainops::testing
