// The registry under concurrent writers in one process: threads, each with its own
// Registry on the same database (as a server's request threads would be), register
// models, record runs and gate reports and promote at once. Run under ThreadSanitizer
// (TRAINOPS_TSAN) as well as normally.
#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "registry/registry.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::TempDir;

constexpr const char* kInputs = "gate:concurrent";

TEST(RegistryConcurrencyTest, ThreadsWritingAtOnceLeaveOneProductionModelAndAConsistentHistory) {
  TempDir dir;
  const auto db = dir / ".trainops/registry.db";
  Registry::Open(db);  // created once, so the threads race on writes, not on creation
  constexpr int kThreads = 6;
  constexpr int kModelsPerThread = 4;
  std::atomic<int> promoted{0}, refused{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        Registry registry = Registry::Open(db);
        for (int m = 0; m < kModelsPerThread; ++m) {
          const auto file = dir.Write(fmt::format("m{}-{}.bin", t, m), fmt::format("model {} {}\n", t, m) +
                                                                           std::string(4096, static_cast<char>('a' + t)));
          const ModelRecord model = registry.RegisterModel(file, "intents", "", {{"accuracy", 0.9}});
          RunRecord run;
          run.id = fmt::format("run-{}-{}", t, m);
          run.task = "intents";
          run.model_id = model.id;
          registry.RecordRun(run);
          // A passing gate against production as it is now; promoting it fails with
          // CheckFailedError when another thread changed production in between.
          GateReportRecord report;
          report.model_id = model.id;
          report.spec_hash = kInputs;
          report.passed = true;
          const auto production = registry.Production("intents");
          report.production_at_gate = production ? production->id : "";
          report.baseline_model_id = report.production_at_gate;
          report.compared_with_production = true;
          report.id = registry.RecordGateReport(report);
          try {
            const StatusChange change = registry.Promote({model.id, "concurrent test", kInputs, false});
            if (change.changed) ++promoted;
          } catch (const CheckFailedError&) {
            ++refused;
          }
        }
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(t)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[static_cast<size_t>(t)], "") << "thread " << t;

  Registry registry = Registry::Open(db);
  EXPECT_EQ(registry.ListModels("intents").size(), static_cast<size_t>(kThreads * kModelsPerThread));
  EXPECT_EQ(registry.ListRuns("intents").size(), static_cast<size_t>(kThreads * kModelsPerThread));
  EXPECT_EQ(promoted + refused, kThreads * kModelsPerThread);
  EXPECT_GE(promoted.load(), 1);
  size_t production = 0;
  for (const auto& m : registry.ListModels("intents")) production += m.status == ModelStatus::kProduction;
  EXPECT_EQ(production, 1u);
  // Every promotion rests on a report filed against the production model it replaced: the
  // history alternates archive/promote pairs and names the model that was replaced.
  std::string current;
  size_t promotions = 0;
  for (const auto& change : registry.History("intents")) {
    if (change.to_status == "production") {
      ++promotions;
      EXPECT_FALSE(change.forced);
      EXPECT_NE(change.gate_report_id, 0);
      current = change.model_id;
    }
  }
  EXPECT_EQ(promotions, static_cast<size_t>(promoted.load()));
  EXPECT_EQ(current, registry.Production("intents")->id);
}

}  // namespace
}  // namespace trainops
