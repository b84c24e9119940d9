#include "eval/label_thresholds.h"

#include <algorithm>
#include <cmath>

namespace trainops {
namespace {

struct Pair {
  double z;
  bool positive;
};

// Newton's method on the logistic loss of sigmoid(a z + b) over the pairs of `groups` plus
// (w/2)|(a,b) - prior|^2.
std::pair<double, double> FitPlatt(const std::vector<const std::vector<Pair>*>& groups, double prior_a,
                                   double prior_b, double w) {
  double a = prior_a, b = prior_b;
  for (int iter = 0; iter < 50; ++iter) {
    double ga = w * (a - prior_a), gb = w * (b - prior_b);
    double haa = w + 1e-9, hab = 0, hbb = w + 1e-9;
    for (const std::vector<Pair>* pairs : groups) {
      for (const Pair& p : *pairs) {
        const double s = 1 / (1 + std::exp(-(a * p.z + b)));
        const double r = s - (p.positive ? 1.0 : 0.0);
        const double h = std::max(s * (1 - s), 1e-12);
        ga += r * p.z;
        gb += r;
        haa += h * p.z * p.z;
        hab += h * p.z;
        hbb += h;
      }
    }
    const double det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const double da = (hbb * ga - hab * gb) / det;
    const double db = (haa * gb - hab * ga) / det;
    // A damped step: the loss is convex, but a full step from far away can overshoot.
    const double step = std::min(1.0, 5.0 / std::max(std::fabs(da) + std::fabs(db), 1e-12));
    a -= step * da;
    b -= step * db;
    if (std::fabs(da) + std::fabs(db) < 1e-7) break;
  }
  // A slope that is not positive would turn the ranking around: keep the prior's.
  if (!(a > 0) || !std::isfinite(a) || !std::isfinite(b)) return {prior_a, prior_b};
  return {a, b};
}

float Calibrated(float z, float a, float b) { return 1.0f / (1.0f + std::exp(-(a * z + b))); }

}  // namespace

float BestF1Threshold(std::vector<std::pair<float, bool>> scored, double* best_f1) {
  uint64_t positives = 0;
  for (const auto& [score, positive] : scored) positives += positive ? 1 : 0;
  if (best_f1) *best_f1 = 0;
  if (positives == 0) return 0.5f;
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  uint64_t tp = 0, fp = 0;
  double best = -1;
  float threshold = 0.5f;
  for (size_t j = 0; j < scored.size(); ++j) {
    (scored[j].second ? tp : fp) += 1;
    // Only cut between distinct scores: equal scores are chosen together.
    if (j + 1 < scored.size() && scored[j + 1].first == scored[j].first) continue;
    const double f1 = 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + (positives - tp));
    if (f1 > best) {
      best = f1;
      const float below = j + 1 < scored.size() ? scored[j + 1].first : scored[j].first - 1e-3f;
      threshold = (scored[j].first + below) / 2;
    }
  }
  if (best_f1) *best_f1 = best;
  return threshold;
}

MultiLabelFit FitMultiLabel(const std::vector<float>& logits, size_t labels,
                            const std::vector<std::vector<uint32_t>>& gold) {
  MultiLabelFit fit;
  const size_t rows = gold.size();
  std::vector<std::vector<Pair>> by_label(labels);
  for (auto& pairs : by_label) pairs.reserve(rows);
  for (size_t i = 0; i < rows; ++i) {
    size_t next = 0;
    for (uint32_t k = 0; k < labels; ++k) {
      while (next < gold[i].size() && gold[i][next] < k) ++next;
      by_label[k].push_back({logits[i * labels + k], next < gold[i].size() && gold[i][next] == k});
    }
  }
  std::vector<const std::vector<Pair>*> all;
  for (const auto& pairs : by_label) all.push_back(&pairs);
  const auto [a, b] = rows ? FitPlatt(all, 1.0, 0.0, 1e-3) : std::pair<double, double>{1.0, 0.0};
  fit.scale.resize(labels);
  fit.offset.resize(labels);
  for (size_t k = 0; k < labels; ++k) {
    const auto [ak, bk] = rows ? FitPlatt({&by_label[k]}, a, b, kCalibrationPriorWeight) : std::pair{a, b};
    fit.scale[k] = static_cast<float>(ak);
    fit.offset[k] = static_cast<float>(bk);
  }
  // Thresholds on the calibrated probabilities.
  std::vector<std::pair<float, bool>> pooled;
  pooled.reserve(all.size());
  std::vector<std::vector<std::pair<float, bool>>> per_label(labels);
  for (size_t k = 0; k < labels; ++k) {
    for (const Pair& p : by_label[k]) {
      const float probability = Calibrated(static_cast<float>(p.z), fit.scale[k], fit.offset[k]);
      per_label[k].emplace_back(probability, p.positive);
      pooled.emplace_back(probability, p.positive);
    }
  }
  double global_f1 = 0;
  fit.global_threshold = std::clamp(BestF1Threshold(pooled, &global_f1), kMinThreshold, kMaxThreshold);
  fit.thresholds.resize(labels);
  nlohmann::json per = nlohmann::json::object();
  std::vector<nlohmann::json> label_rows;
  for (size_t k = 0; k < labels; ++k) {
    uint64_t positives = 0;
    for (const auto& [score, positive] : per_label[k]) positives += positive ? 1 : 0;
    double own_f1 = 0;
    const float own = BestF1Threshold(per_label[k], &own_f1);
    const double n = static_cast<double>(positives);
    const double m = kThresholdPriorPositives;
    const double t = positives ? (n * own + m * fit.global_threshold) / (n + m) : fit.global_threshold;
    fit.thresholds[k] = std::clamp(static_cast<float>(t), kMinThreshold, kMaxThreshold);
    label_rows.push_back({{"index", k},
                          {"validation_positives", positives},
                          {"best_threshold", positives ? nlohmann::json(own) : nlohmann::json(nullptr)},
                          {"threshold", fit.thresholds[k]},
                          {"platt_scale", fit.scale[k]},
                          {"platt_offset", fit.offset[k]}});
  }
  fit.summary = {{"calibration", {{"method", "platt per label, shrunk to a shared fit"},
                                  {"shared_scale", a},
                                  {"shared_offset", b},
                                  {"prior_weight_examples", kCalibrationPriorWeight}}},
                 {"thresholds", {{"method", "F1 per label, shrunk to the micro-F1 global threshold"},
                                 {"global_threshold", fit.global_threshold},
                                 {"global_validation_micro_f1", global_f1},
                                 {"prior_positives", kThresholdPriorPositives},
                                 {"range", {kMinThreshold, kMaxThreshold}}}},
                 {"validation_rows", rows},
                 {"labels", label_rows}};
  return fit;
}

}  // namespace trainops
