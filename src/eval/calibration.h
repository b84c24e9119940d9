// Confidence calibration: temperature scaling fitted on validation logits (Guo et al.
// 2017), which rescales confidences without changing any prediction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trainops {

// The temperature T > 0 minimizing the mean negative log-likelihood of softmax(logits / T)
// over examples whose label is < num_labels. Returns 1 when there is nothing to fit.
float FitTemperature(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                     size_t num_labels);

// Mean NLL at a temperature (exposed for tests).
double NegativeLogLikelihood(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                             size_t num_labels, double temperature);

}  // namespace trainops
