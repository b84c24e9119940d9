// Confidence calibration: temperature scaling fitted on validation logits (Guo et al.
// 2017), which rescales confidences without changing any prediction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

// How the temperature was chosen, for run.json (`calibration`).
struct TemperatureFit {
  float temperature = 1.0f;
  std::string method;    // "map_log_normal_prior" when fitted, "none" when T was kept at 1
  uint64_t rows = 0;     // validation rows with a label the model has
  uint64_t errors = 0;   // of those, rows whose top class is wrong
  bool fitted = false;
  std::string reason;    // one sentence: why this temperature
  nlohmann::json ToJson() const;
};

// Guards against a temperature that a small or perfectly separated validation set would
// push towards 0 (which makes every text, gibberish included, look certain):
inline constexpr uint64_t kMinCalibrationRows = 50;  // fewer: T stays 1
inline constexpr double kMinTemperature = 0.25;      // search bounds on T
inline constexpr double kMaxTemperature = 20.0;
inline constexpr double kLogTemperaturePriorSigma = 1.0;  // prior: ln T ~ Normal(0, sigma)

// The temperature T maximizing the posterior of softmax(logits / T) over examples whose
// label is < num_labels, with the prior and bounds above. T stays 1 (not fitted) when
// there are fewer than kMinCalibrationRows such rows, or when none of them is
// misclassified: then the likelihood keeps improving as T -> 0 and says nothing about
// where the model is wrong.
TemperatureFit FitTemperatureGuarded(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                                     size_t num_labels);
// FitTemperatureGuarded(...).temperature.
float FitTemperature(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                     size_t num_labels);

// Mean NLL at a temperature (exposed for tests).
double NegativeLogLikelihood(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                             size_t num_labels, double temperature);

}  // namespace trainops
