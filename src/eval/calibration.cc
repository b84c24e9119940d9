#include "eval/calibration.h"

#include <algorithm>
#include <cmath>

namespace trainops {

double NegativeLogLikelihood(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                             size_t num_labels, double temperature) {
  double total = 0;
  size_t n = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_labels) continue;
    const float* row = &logits[i * num_labels];
    double max_v = *std::max_element(row, row + num_labels) / temperature;
    double sum = 0;
    for (size_t k = 0; k < num_labels; ++k) sum += std::exp(row[k] / temperature - max_v);
    total += -(row[labels[i]] / temperature - max_v - std::log(sum));
    ++n;
  }
  return n ? total / static_cast<double>(n) : 0;
}

float FitTemperature(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                     size_t num_labels) {
  if (labels.empty() || num_labels < 2) return 1.0f;
  // Golden-section search on log T over [1/20, 20]: the NLL is unimodal in T.
  double lo = std::log(0.05), hi = std::log(20.0);
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  auto f = [&](double log_t) { return NegativeLogLikelihood(logits, labels, num_labels, std::exp(log_t)); };
  double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
  double fa = f(a), fb = f(b);
  for (int iter = 0; iter < 40; ++iter) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = f(b);
    }
  }
  return static_cast<float>(std::exp((lo + hi) / 2));
}

}  // namespace trainops
