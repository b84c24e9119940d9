// Google Benchmark of the evaluation statistics on 100,000 rows with 1,000 bootstrap
// resamples (issue 4's budget is 10 s for the whole eval on 2 cores): the multinomial
// bootstrap of one 151-label confusion matrix, the segment gap permutation test, and
// the full segment + failure analysis of a synthetic 100k-row result (8 segments).
#include <benchmark/benchmark.h>

#include "eval/bootstrap.h"
#include "eval/failures.h"
#include "eval/segments.h"

namespace trainops {
namespace {

constexpr uint32_t kLabels = 151;
constexpr uint32_t kRows = 100000;

EvalResult SyntheticResult() {
  EvalResult r;
  for (uint32_t i = 0; i < kLabels; ++i) r.labels.push_back("label_" + std::to_string(i));
  r.model_labels = kLabels;
  r.segment_columns = {"channel", "tags"};
  SplitMix64 rng(1);
  const char* channels[] = {"email", "chat", "social", "phone", ""};
  r.confusion = ConfusionMatrix(r.labels);
  for (uint32_t i = 0; i < kRows; ++i) {
    RowPrediction p;
    p.gold = static_cast<uint32_t>(rng.Below(kLabels));
    p.top = rng.Below(10) ? p.gold : static_cast<uint32_t>(rng.Below(kLabels));
    p.predicted = p.top;
    p.confidence = 0.3f + 0.7f * static_cast<float>(rng.Below(1000)) / 1000.0f;
    p.raw_confidence = p.confidence;
    p.margin = p.confidence / 2;
    r.rows.push_back(p);
    Example ex;
    ex.text = "synthetic text " + std::to_string(i);
    std::string tags;
    for (char t : std::string("BQZ")) if (rng.Below(3) == 0) tags += t;
    ex.segments = {channels[rng.Below(5)], tags};
    r.examples.push_back(std::move(ex));
    r.confusion.Add(p.gold, p.predicted);
  }
  return r;
}

void BM_BootstrapConfusion100k(benchmark::State& state) {
  EvalResult r = SyntheticResult();
  for (auto _ : state) benchmark::DoNotOptimize(BootstrapConfusion(r.confusion, 1000, 7, 0.95, 2));
}
BENCHMARK(BM_BootstrapConfusion100k)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SegmentsAndFailures100k(benchmark::State& state) {
  EvalResult r = SyntheticResult();
  SegmentOptions options;
  options.split = SegmentSplit::Parse("chars");
  options.threads = 2;
  FailureOptions failures;
  failures.split = options.split;
  for (auto _ : state) {
    benchmark::DoNotOptimize(AnalyzeSegments(r, options));
    benchmark::DoNotOptimize(AnalyzeFailures(r, failures));
  }
}
BENCHMARK(BM_SegmentsAndFailures100k)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace trainops

BENCHMARK_MAIN();
