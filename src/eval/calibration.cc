#include "eval/calibration.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace trainops {

nlohmann::json TemperatureFit::ToJson() const {
  return {{"method", method},       {"rows", rows},       {"errors", errors},
          {"fitted", fitted},       {"temperature", temperature}, {"reason", reason},
          {"min_rows", kMinCalibrationRows},
          {"bounds", {kMinTemperature, kMaxTemperature}},
          {"prior", fmt::format("ln T ~ Normal(0, {})", kLogTemperaturePriorSigma)}};
}

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

TemperatureFit FitTemperatureGuarded(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                                     size_t num_labels) {
  TemperatureFit fit;
  fit.method = "none";
  for (size_t i = 0; num_labels >= 2 && i < labels.size(); ++i) {
    if (labels[i] >= num_labels) continue;
    ++fit.rows;
    const float* row = &logits[i * num_labels];
    // Ties count as errors: the top class is then not the gold one for sure.
    const float gold = row[labels[i]];
    for (size_t k = 0; k < num_labels; ++k) {
      if (k != labels[i] && row[k] >= gold) {
        ++fit.errors;
        break;
      }
    }
  }
  if (fit.rows < kMinCalibrationRows) {
    fit.reason = fmt::format("only {} validation row{} with a known label (fewer than {}): too few to fit a "
                             "temperature, kept at 1",
                             fit.rows, fit.rows == 1 ? "" : "s", kMinCalibrationRows);
    return fit;
  }
  if (fit.errors == 0) {
    fit.reason = fmt::format("all {} validation rows are classified correctly: the likelihood keeps rising as "
                             "T -> 0, which would make any text (gibberish included) look certain; kept at 1",
                             fit.rows);
    return fit;
  }
  // Posterior in ln T: mean NLL times rows plus the Gaussian prior's penalty. The prior
  // matters only when validation is small; a few thousand rows outweigh it.
  const double rows = static_cast<double>(fit.rows);
  const double two_var = 2 * kLogTemperaturePriorSigma * kLogTemperaturePriorSigma;
  auto f = [&](double log_t) {
    return rows * NegativeLogLikelihood(logits, labels, num_labels, std::exp(log_t)) + log_t * log_t / two_var;
  };
  // Golden-section search: the NLL is unimodal in ln T and the prior is convex.
  double lo = std::log(kMinTemperature), hi = std::log(kMaxTemperature);
  const double ratio = (std::sqrt(5.0) - 1) / 2;
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
  fit.temperature = static_cast<float>(std::exp((lo + hi) / 2));
  fit.method = "map_log_normal_prior";
  fit.fitted = true;
  const bool at_bound = fit.temperature <= kMinTemperature * 1.001 || fit.temperature >= kMaxTemperature * 0.999;
  fit.reason = fmt::format("fitted on {} validation rows ({} misclassified){}", fit.rows, fit.errors,
                           at_bound ? ", stopped at the bound of the search range" : "");
  return fit;
}

float FitTemperature(const std::vector<float>& logits, const std::vector<uint32_t>& labels,
                     size_t num_labels) {
  return FitTemperatureGuarded(logits, labels, num_labels).temperature;
}

}  // namespace trainops
