// The traffic log's writer on its own (Google Benchmark): how many records a second it
// commits, so that it can be compared with the server's answers per second (issue 29).
// Each iteration queues a batch of records shaped like the server's (a request id from
// one counter, an example-task message, a label, confidences) and waits until the writer
// has committed them; the log grows across iterations as a long-running server's does.
//
//   build/traffic_log_benchmark --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "serve/traffic_log.h"

namespace trainops::serve {
namespace {

constexpr size_t kRecords = 20000;

std::filesystem::path FreshFolder(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("trainops-tlbench-{}-{}", name, ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TrafficRecord Record(uint64_t n, const std::string& now) {
  static const char* kTexts[] = {
      "these trainers are half a size too small, can I swap them for a 9?",
      "where is my order? it said it would arrive on Tuesday",
      "I want a refund for the boots I sent back last week",
      "do you have the runner in wide fit"};
  TrafficRecord r;
  r.request_id = fmt::format("5f3a9c1e-{:x}", n);
  r.time = now;
  r.model = "1d1299335772deef9dbe90b973f82e98";
  r.text = kTexts[n % 4];
  r.label = "sizing_fit";
  r.confidence = 0.87f;
  r.margin = 0.61f;
  r.latency_ms = 0.42;
  return r;
}

void BM_TrafficLogWriter(benchmark::State& state) {
  const auto dir = FreshFolder("writer");
  TrafficLogOptions o;
  o.path = dir / "traffic.db";
  o.queue_capacity = kRecords * 2;
  TrafficLog log(o);
  log.Start();
  uint64_t n = 0;
  const std::string now = TrafficNow();
  for (auto _ : state) {
    const uint64_t target = log.written() + kRecords;
    for (size_t i = 0; i < kRecords; ++i) {
      if (!log.TryLog(Record(n++, now))) state.SkipWithError("queue full");
    }
    while (log.written() < target) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRecords));
  state.counters["dropped"] = static_cast<double>(log.dropped());
  log.Stop();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TrafficLogWriter)->Unit(benchmark::kMillisecond)->UseRealTime();

// The request thread's side: what TryLog costs the thread that answers.
void BM_TrafficLogTryLog(benchmark::State& state) {
  const auto dir = FreshFolder("trylog");
  TrafficLogOptions o;
  o.path = dir / "traffic.db";
  o.queue_capacity = 1u << 22;
  TrafficLog log(o);  // not started: only the queueing is measured
  uint64_t n = 0;
  const std::string now = TrafficNow();
  for (auto _ : state) {
    if (n == o.queue_capacity) state.SkipWithError("queue full");
    benchmark::DoNotOptimize(log.TryLog(Record(n++, now)));
  }
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TrafficLogTryLog)->Iterations(1000000);

}  // namespace
}  // namespace trainops::serve

BENCHMARK_MAIN();
