// Behavioural tests at gate scale (Google Benchmark): 1,000 cases built from the example
// suite (examples/awesomeshoes/behaviour.yaml, each case repeated with a different
// reference number), run against a model trained on the example task, on 1 and 2
// threads. Issue 6's budget is 10 s for a whole gate run with 1,000 behavioural cases.
//
//   build/behaviour_benchmark --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <filesystem>

#include "gate/behaviour_runner.h"
#include "gate/behaviour_suite.h"
#include "model/model_io.h"
#include "train/train_run.h"

namespace trainops {
namespace {

const Model& ExampleModel() {
  static const Model model = [] {
    const std::filesystem::path root = TRAINOPS_SOURCE_DIR;
    TaskSpec spec = LoadTaskSpec(root / "examples/awesomeshoes/task.yaml");
    auto dir = std::filesystem::temp_directory_path() / "trainops_behaviour_bench";
    std::filesystem::remove_all(dir);
    RunTraining(spec, dir, {});
    Model m = LoadModel(dir / "model.bin");
    std::filesystem::remove_all(dir);
    return m;
  }();
  return model;
}

const BehaviourSuite& ThousandCases() {
  static const BehaviourSuite suite = [] {
    BehaviourSuite example =
        LoadBehaviourSuite(std::filesystem::path(TRAINOPS_SOURCE_DIR) / "examples/awesomeshoes/behaviour.yaml");
    BehaviourSuite big;
    big.file = example.file;
    big.products = example.products;
    for (size_t i = 0; big.cases.size() < 1000; ++i) {
      BehaviourCase c = example.cases[i % example.cases.size()];
      const std::string suffix = " (ref " + std::to_string(100000 + i) + ")";
      c.text += suffix;
      if (c.kind == BehaviourKind::kDir) c.changed_text += suffix;
      big.cases.push_back(std::move(c));
    }
    return big;
  }();
  return suite;
}

void BM_Behaviour1000Cases(benchmark::State& state) {
  const Model& model = ExampleModel();
  const BehaviourSuite& suite = ThousandCases();
  BehaviourOptions options;
  options.threads = static_cast<int>(state.range(0));
  size_t predictions = 0;
  for (auto _ : state) {
    BehaviourResult r = RunBehaviourTests(model, suite, options);
    predictions = r.predictions;
    benchmark::DoNotOptimize(r.inv.passed);
  }
  state.counters["cases"] = static_cast<double>(suite.cases.size());
  state.counters["predictions"] = static_cast<double>(predictions);
}
BENCHMARK(BM_Behaviour1000Cases)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LoadExampleSuite(benchmark::State& state) {
  const auto path = std::filesystem::path(TRAINOPS_SOURCE_DIR) / "examples/awesomeshoes/behaviour.yaml";
  for (auto _ : state) benchmark::DoNotOptimize(LoadBehaviourSuite(path).cases.size());
}
BENCHMARK(BM_LoadExampleSuite)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace trainops

BENCHMARK_MAIN();
