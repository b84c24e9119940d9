// Calibration quality: expected calibration error (ECE) and the reliability table behind
// it (equal-width confidence bins: mean confidence, accuracy, count). ECE =
// sum over bins of (count / n) * |accuracy - mean confidence|. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

struct ReliabilityBin {
  double lower = 0, upper = 0;
  uint64_t count = 0;
  double mean_confidence = 0, accuracy = 0;
};

struct Reliability {
  std::vector<ReliabilityBin> bins;
  double ece = 0;
  double max_gap = 0;  // worst bin |accuracy - confidence| (MCE), over non-empty bins
  uint64_t n = 0;
  nlohmann::json ToJson() const;
};

// A confidence of exactly 1 goes to the last bin.
Reliability ComputeReliability(const std::vector<float>& confidence, const std::vector<uint8_t>& correct,
                               int bins = 10);

}  // namespace trainops
