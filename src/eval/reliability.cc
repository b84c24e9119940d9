#include "eval/reliability.h"

#include <algorithm>
#include <cmath>

namespace trainops {

Reliability ComputeReliability(const std::vector<float>& confidence, const std::vector<uint8_t>& correct,
                               int bins) {
  Reliability r;
  bins = std::max(1, bins);
  r.bins.resize(static_cast<size_t>(bins));
  std::vector<double> conf_sum(r.bins.size(), 0), right(r.bins.size(), 0);
  for (size_t i = 0; i < confidence.size(); ++i) {
    int b = static_cast<int>(std::floor(static_cast<double>(confidence[i]) * bins));
    b = std::clamp(b, 0, bins - 1);
    ++r.bins[static_cast<size_t>(b)].count;
    conf_sum[static_cast<size_t>(b)] += confidence[i];
    right[static_cast<size_t>(b)] += correct[i] ? 1 : 0;
  }
  r.n = confidence.size();
  for (size_t b = 0; b < r.bins.size(); ++b) {
    ReliabilityBin& bin = r.bins[b];
    bin.lower = static_cast<double>(b) / bins;
    bin.upper = static_cast<double>(b + 1) / bins;
    if (bin.count == 0) continue;
    bin.mean_confidence = conf_sum[b] / static_cast<double>(bin.count);
    bin.accuracy = right[b] / static_cast<double>(bin.count);
    const double gap = std::abs(bin.accuracy - bin.mean_confidence);
    r.ece += gap * static_cast<double>(bin.count) / static_cast<double>(r.n);
    r.max_gap = std::max(r.max_gap, gap);
  }
  return r;
}

nlohmann::json Reliability::ToJson() const {
  nlohmann::json table = nlohmann::json::array();
  for (const auto& b : bins) {
    table.push_back({{"lower", b.lower},
                     {"upper", b.upper},
                     {"count", b.count},
                     {"mean_confidence", b.mean_confidence},
                     {"accuracy", b.accuracy}});
  }
  return {{"ece", ece}, {"max_calibration_error", max_gap}, {"n", n}, {"bins", table}};
}

}  // namespace trainops
