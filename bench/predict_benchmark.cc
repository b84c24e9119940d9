// Single-text prediction latency (Google Benchmark): text in, calibrated probabilities
// out, on one thread, for models trained on the example task and, when ../shared/data
// exists, on BANKING77 (77 labels) and CLINC150 (151 labels, the widest output layer).
//
//   build/predict_benchmark --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "data/dataset.h"
#include "model/inference.h"
#include "model/model_io.h"
#include "train/train_run.h"

namespace trainops {
namespace {

struct Trained {
  Model model;
  std::vector<std::string> texts;
};

// Trains once per dataset into a temporary folder and keeps the model and some texts.
const Trained& ModelFor(const std::string& name) {
  static std::map<std::string, Trained> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  const std::filesystem::path root = TRAINOPS_SOURCE_DIR;
  TaskSpec spec;
  spec.threads = 2;
  spec.checkpoints.patience = 3;
  if (name == "awesomeshoes") {
    spec = LoadTaskSpec(root / "examples/awesomeshoes/task.yaml");
  } else {
    spec.data.train = root.parent_path() / "shared/data" / name / "train.csv";
    spec.data.text_column = "text";
    spec.data.label_column = name == "banking77" ? "category" : "intent";
  }
  auto dir = std::filesystem::temp_directory_path() / ("trainops_predict_bench_" + name);
  std::filesystem::remove_all(dir);
  RunTraining(spec, dir, {});
  Trained trained{LoadModel(dir / "model.bin"), {}};
  Dataset data = LoadDataset(spec.data.Source(spec.data.train, {}));
  for (size_t i = 0; i < data.examples.size() && trained.texts.size() < 1000; i += 7) {
    trained.texts.push_back(data.examples[i].text);
  }
  std::filesystem::remove_all(dir);
  return cache.emplace(name, std::move(trained)).first->second;
}

void BM_PredictOneText(benchmark::State& state, const std::string& name) {
  if (name != "awesomeshoes" &&
      !std::filesystem::exists(std::filesystem::path(TRAINOPS_SOURCE_DIR).parent_path() / "shared/data" / name)) {
    state.SkipWithError("../shared/data not found");
    return;
  }
  const Trained& trained = ModelFor(name);
  Model::Scratch scratch;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Classify(trained.model, trained.texts[i++ % trained.texts.size()], scratch));
  }
  state.counters["labels"] = static_cast<double>(trained.model.num_labels());
  state.counters["features"] = static_cast<double>(trained.model.vocab.size());
}

BENCHMARK_CAPTURE(BM_PredictOneText, awesomeshoes, std::string("awesomeshoes"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PredictOneText, banking77, std::string("banking77"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PredictOneText, clinc150, std::string("clinc150"))->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace trainops

BENCHMARK_MAIN();
