// The helpers and estimators behind MonitorWindow's signals, apart from monitor.cc so that
// the one long function there reads as the list of signals it computes.
#include "drift/monitor_internal.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "common/hash.h"

namespace trainops::drift::monitor_internal {

std::vector<double> Midpoints(const Histogram& h) {
  std::vector<double> mid;
  for (size_t i = 0; i + 1 < h.edges.size(); ++i) mid.push_back((h.edges[i] + h.edges[i + 1]) / 2);
  return mid;
}

// The text-length bins double in width; their index is the length on a log2 scale, which
// is what "the texts got longer" means for lengths that vary over orders of magnitude.
std::vector<double> BinIndexes(const Histogram& h) {
  std::vector<double> index;
  for (size_t i = 0; i < h.counts.size(); ++i) index.push_back(static_cast<double>(i));
  return index;
}

double Share(uint64_t part, uint64_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

uint64_t Sum(const std::vector<uint64_t>& v) {
  uint64_t s = 0;
  for (uint64_t x : v) s += x;
  return s;
}

// A seed per signal, so adding a signal does not change the others' resamples.
uint64_t SignalSeed(const TaskSpec& spec, const std::string& name) { return Hash64(name, spec.seed); }

json HistogramJson(const Histogram& traffic, const Histogram& reference) {
  return {{"edges", traffic.edges}, {"traffic", traffic.counts}, {"reference", reference.counts}};
}

// Whether `effect` reaches the floor in the direction that matters.
bool BeyondFloor(double effect, double floor, const std::string& direction) {
  if (direction == "decrease") return effect <= -floor;
  if (direction == "increase") return effect >= floor;
  return std::abs(effect) >= floor;
}

AccuracyEstimate EstimateAccuracy(const ReferenceStats& ref, const Histogram& traffic_confidence) {
  constexpr double kPrior = 2;  // pseudo-rows of the bin's own confidence
  const std::vector<double> mid = Midpoints(ref.top_confidence);
  const double n = static_cast<double>(traffic_confidence.Total());
  AccuracyEstimate e;
  if (n == 0) return e;
  double sampling = 0, mapping = 0;
  for (size_t b = 0; b < mid.size(); ++b) {
    const double rows = static_cast<double>(ref.top_confidence.counts[b]);
    const double q = (static_cast<double>(ref.correct_by_confidence[b]) + kPrior * mid[b]) / (rows + kPrior);
    const double share = static_cast<double>(traffic_confidence.counts[b]) / n;
    e.value += share * q;
    sampling += share * q * (1 - q) / n;               // which rows of the bin are right
    mapping += share * share * q * (1 - q) / (rows + kPrior);  // how well validation knows q
  }
  e.sd = std::sqrt(sampling + mapping);
  e.low = std::max(0.0, e.value - 1.959963984540054 * e.sd);
  e.high = std::min(1.0, e.value + 1.959963984540054 * e.sd);
  return e;
}

MacroF1 FeedbackMacroF1(const std::vector<std::pair<std::string, std::string>>& gold_answer, uint64_t seed) {
  std::map<std::string, uint32_t> ids;
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (const auto& [gold, answer] : gold_answer) {
    const uint32_t g = ids.emplace(gold, static_cast<uint32_t>(ids.size())).first->second;
    const uint32_t a = ids.emplace(answer, static_cast<uint32_t>(ids.size())).first->second;
    pairs.emplace_back(g, a);
  }
  const size_t k = ids.size();
  std::vector<bool> in_gold(k, false);
  for (auto [g, a] : pairs) in_gold[g] = true;
  auto macro = [&](const std::vector<uint32_t>& take) {
    std::vector<double> tp(k, 0), fp(k, 0), fn(k, 0);
    for (uint32_t i : take) {
      auto [g, a] = pairs[i];
      if (g == a) {
        ++tp[g];
      } else {
        ++fn[g];
        ++fp[a];
      }
    }
    double sum = 0;
    size_t labels = 0;
    for (size_t l = 0; l < k; ++l) {
      if (!in_gold[l]) continue;  // averaged over the labels feedback has
      ++labels;
      const double denominator = 2 * tp[l] + fp[l] + fn[l];
      sum += denominator > 0 ? 2 * tp[l] / denominator : 0;
    }
    return labels ? sum / static_cast<double>(labels) : 0.0;
  };
  std::vector<uint32_t> all(pairs.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  MacroF1 f;
  f.value = macro(all);
  constexpr int kResamples = 500;
  std::vector<double> values;
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> take(pairs.size());
  for (int r = 0; r < kResamples && !pairs.empty(); ++r) {
    for (auto& t : take) t = static_cast<uint32_t>(rng() % pairs.size());
    values.push_back(macro(take));
  }
  std::sort(values.begin(), values.end());
  if (!values.empty()) {
    f.low = values[static_cast<size_t>(0.025 * (values.size() - 1))];
    f.high = values[static_cast<size_t>(0.975 * (values.size() - 1))];
  }
  return f;
}

SampleCounts CountsForSampling(const TrafficWindow& window) {
  SampleCounts out;
  double sum = 0, sum_sq = 0, first = 0;
  bool varies = false;
  for (const WindowRow& r : window.rows) {
    if (r.late) continue;
    if (sum == 0) first = r.sample_weight;
    varies = varies || r.sample_weight != first;
    sum += r.sample_weight;
    sum_sq += r.sample_weight * r.sample_weight;
  }
  if (!varies || sum_sq <= 0) return out;
  out.reweighted = true;
  out.effective_rows = sum * sum / sum_sq;
  const double scale = out.effective_rows / sum;
  double carried = 0;
  out.copies.reserve(window.rows.size());
  for (const WindowRow& r : window.rows) {
    if (r.late) {
      out.copies.push_back(0);  // not this window's traffic: never counted as such
      continue;
    }
    const double next = carried + r.sample_weight * scale;
    out.copies.push_back(static_cast<uint32_t>(std::floor(next + 1e-9) - std::floor(carried + 1e-9)));
    carried = next;
  }
  return out;
}

}  // namespace trainops::drift::monitor_internal
