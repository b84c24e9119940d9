// The loop on the public replay stream (../shared/data/replay; skipped without it): 13
// weekly windows with drift injected where events.json says. Nothing may trigger in the
// stable weeks; each event must be flagged in its first week by the signal that sees it;
// the new domain must be retrained on; a prior shift alone must not retrain.
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace trainops {
namespace {

using nlohmann::json;
using testing::RunCli;
using testing::TempDir;

bool Has(const json& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Splits initial_train.csv (text,intent, one row per line) into train and test: every
// seventh row is test data for the gates.
void SplitInitial(const std::filesystem::path& from, const TempDir& dir) {
  std::ifstream in(from);
  std::string header, line;
  std::getline(in, header);
  std::ofstream train(dir / "train.csv"), test(dir / "test.csv");
  train << header << "\n";
  test << header << "\n";
  for (size_t i = 0; std::getline(in, line); ++i) (i % 7 == 3 ? test : train) << line << "\n";
}

TEST(ReplayStream, FlagsEachDriftInItsFirstWeekAndRetrainsOnlyWhenItMatters) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  const std::filesystem::path replay = shared / "replay";
  if (!std::filesystem::exists(replay / "events.json")) GTEST_SKIP() << "no replay stream in " << shared;
  const json events = json::parse(testing::ReadAll(replay / "events.json"));
  TempDir dir;
  SplitInitial(replay / "initial_train.csv", dir);
  const auto spec = dir.Write("task.yaml",
                              "name: replay\ndata:\n  train: train.csv\n  test: test.csv\n  text_column: text\n"
                              "  label_column: intent\noos_label: oos\nseed: 1\nthreads: 1\n");
  auto t = RunCli({"train", "--task", spec.string(), "--out", (dir / "first").string(), "--quiet"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto r = RunCli({"release", "--task", spec.string(), "--candidate", (dir / "first/model.bin").string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const int windows = events.at("windows");
  const int stable_until = events.at("stable_until");
  std::map<int, json> cycles;
  int retrains = 0;
  for (int w = 1; w <= windows; ++w) {
    char name[16];
    std::snprintf(name, sizeof name, "w%02d.csv", w);
    auto c = RunCli({"cycle", "--task", spec.string(), "--traffic", (replay / "windows" / name).string(), "--json", "-",
                     "--quiet"});
    ASSERT_TRUE(c.exit_code == 0 || c.exit_code == 1) << name << ": " << c.err;
    cycles[w] = json::parse(c.out);
    retrains += cycles[w].at("retrained").get<bool>();
  }
  double error = 0;
  for (int w = 1; w <= stable_until; ++w) {
    EXPECT_TRUE(cycles[w].at("alerts").empty()) << "stable week " << w << ": " << cycles[w].at("alerts").dump();
    EXPECT_FALSE(cycles[w].at("triggered").get<bool>()) << "stable week " << w;
    // The label-free estimate tracks the true accuracy while traffic is stable: the
    // week's accuracy lies in or near the estimate's 95% interval (a 200-row week's own
    // accuracy varies by about 2 points, so a 95% interval misses one week in twenty).
    const json& est = cycles[w].at("estimated_accuracy");
    const double truth = cycles[w].at("feedback_accuracy").at("value");
    EXPECT_GE(truth, est.at("low").get<double>() - 0.02) << "week " << w << " estimate " << est.dump();
    EXPECT_LE(truth, est.at("high").get<double>() + 0.02) << "week " << w << " estimate " << est.dump();
    error += std::abs(est.at("value").get<double>() - truth);
  }
  EXPECT_LE(error / stable_until, 0.03) << "mean error of the label-free estimate on the stable weeks";
  const json& ev = events.at("events");
  const json& prior = cycles[ev.at("prior_shift").get<int>()];
  EXPECT_TRUE(Has(prior.at("alerts"), "predicted_label_mix")) << prior.at("alerts").dump();
  EXPECT_FALSE(prior.at("triggered").get<bool>()) << "a prior shift alone must not retrain: " << prior.at("decision");
  const json& domain = cycles[ev.at("new_domain").get<int>()];
  EXPECT_TRUE(Has(domain.at("alerts"), "unknown_labels")) << domain.at("alerts").dump();
  EXPECT_TRUE(domain.at("retrained").get<bool>()) << domain.at("decision");
  const json& typos = cycles[ev.at("typos").get<int>()];
  EXPECT_TRUE(Has(typos.at("alerts"), "oov_share")) << typos.at("alerts").dump();
  const json& oos = cycles[ev.at("oos_surge").get<int>()];
  EXPECT_TRUE(Has(oos.at("alerts"), "rejection_rate") || Has(oos.at("alerts"), "feedback_accuracy"))
      << oos.at("alerts").dump();
  EXPECT_LE(retrains, 5);

  auto list = RunCli({"cycles", "list", "--task", spec.string(), "--json"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(json::parse(list.out).size(), static_cast<size_t>(windows));
}

}  // namespace
}  // namespace trainops
