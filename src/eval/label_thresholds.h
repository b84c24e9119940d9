// Calibration and decision thresholds of a multi-label model, both fitted on validation
// (docs/evaluation.md, "Multi-label"):
//
// Calibration: Platt scaling, p_k = sigmoid(a_k * z_k + b_k) on label k's raw logit z_k.
// One (a, b) is fitted by Newton's method on every (message, label) pair; each label's
// (a_k, b_k) is then the maximum a posteriori fit of that label's pairs under a Gaussian
// prior centred on (a, b) worth kCalibrationPriorWeight examples, so a label with a handful
// of validation rows keeps the shared fit and one with many gets its own.
//
// Thresholds: label k is chosen when p_k >= t_k. A global threshold t_g maximizes
// micro-F1 over all pairs; t_k* maximizes label k's own F1 (the middle of the best interval
// between two validation scores). With n_k validation positives of label k,
//   t_k = (n_k * t_k* + m * t_g) / (n_k + m),   m = kThresholdPriorPositives,
// so a label seen three times in validation moves a quarter of the way from the global
// threshold to its own best one, and a label never seen there keeps the global one. All
// thresholds are clamped to [kMinThreshold, kMaxThreshold].
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

inline constexpr double kCalibrationPriorWeight = 20;
inline constexpr double kThresholdPriorPositives = 10;
inline constexpr float kMinThreshold = 0.02f, kMaxThreshold = 0.98f;

struct MultiLabelFit {
  std::vector<float> scale, offset;  // Platt (a_k, b_k) per label
  std::vector<float> thresholds;     // t_k per label, on the calibrated probability
  float global_threshold = 0.5f;
  nlohmann::json summary;  // for run.json: the fits, and per label t_k*, n_k, t_k
};

// `logits`: rows x labels raw logits (row-major); `gold`: each row's labels (sorted;
// indices >= labels are ignored). With no rows, the identity calibration and 0.5.
MultiLabelFit FitMultiLabel(const std::vector<float>& logits, size_t labels,
                            const std::vector<std::vector<uint32_t>>& gold);

// The threshold maximizing F1 of (score, positive) pairs, the middle of the best gap
// between consecutive distinct scores; `best_f1` receives its F1. 0.5 when there is no
// positive.
float BestF1Threshold(std::vector<std::pair<float, bool>> scored, double* best_f1 = nullptr);

}  // namespace trainops
