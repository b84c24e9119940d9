#include "gate/budget_gates.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "model/inference.h"

namespace trainops {

LatencySample MeasureLatency(const Model& model, const std::vector<std::string>& texts, size_t samples) {
  Model::Scratch scratch;
  const size_t warmup = std::min<size_t>(200, samples);
  volatile float sink = 0;  // keeps the predictions from being optimized away
  for (size_t i = 0; i < warmup; ++i) sink = sink + Classify(model, texts[i % texts.size()], scratch).confidence;
  std::vector<double> us(samples);
  for (size_t i = 0; i < samples; ++i) {
    const auto start = std::chrono::steady_clock::now();
    sink = sink + Classify(model, texts[i % texts.size()], scratch).confidence;
    us[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  }
  std::sort(us.begin(), us.end());
  auto quantile = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  LatencySample s;
  s.predictions = samples;
  if (!us.empty()) {
    s.p50_us = quantile(0.5);
    s.p99_us = quantile(0.99);
    s.max_us = us.back();
  }
  return s;
}

std::vector<GateCheck> BudgetChecks(const Model& model, const std::filesystem::path& model_file,
                                    const std::vector<std::string>& texts, const BudgetGates& budgets) {
  std::vector<GateCheck> checks;
  if (budgets.latency_p99_us > 0) {
    if (texts.empty()) {
      checks.push_back(StatusCheck("budget", fmt::format("prediction latency p99 <= {} us", budgets.latency_p99_us),
                                   GateStatus::kFail, "no test texts to time predictions on"));
    } else {
      const LatencySample s = MeasureLatency(model, texts, static_cast<size_t>(budgets.latency_samples));
      GateCheck c = CompareCheck("budget", fmt::format("prediction latency p99 <= {} us", budgets.latency_p99_us),
                                 s.p99_us, "<=", budgets.latency_p99_us,
                                 fmt::format("{} single-text predictions on test texts, one thread: p50 {:.1f} us, "
                                             "p99 {:.1f} us, max {:.1f} us",
                                             s.predictions, s.p50_us, s.p99_us, s.max_us));
      c.data = {{"p50_us", s.p50_us}, {"p99_us", s.p99_us}, {"max_us", s.max_us}, {"predictions", s.predictions}};
      checks.push_back(std::move(c));
    }
  }
  if (budgets.model_size_mb > 0) {
    const double mb = static_cast<double>(std::filesystem::file_size(model_file)) / 1e6;
    checks.push_back(CompareCheck("budget", fmt::format("model file size <= {} MB", budgets.model_size_mb), mb, "<=",
                                  budgets.model_size_mb,
                                  fmt::format("{} is {:.2f} MB (10^6 bytes)", model_file.filename().string(), mb)));
  }
  return checks;
}

}  // namespace trainops
