// SplitMix64 (Steele, Lea and Flood, 2014): the one 64-bit mixer and seeded generator
// every seeded choice in trainops uses (bootstrap resamples, perturbations, label
// selection, validation carving, word filters). Its values are the same on every platform,
// compiler and standard library, which std:: distributions do not promise, so a seed picks
// the same rows and variants anywhere. Not for anything adversarial.
// Thread-safety: SplitMix64Hash is pure; a SplitMix64 object is not shared between threads.
#pragma once

#include <cstdint>

namespace trainops {

// The finalizer: a bijection on 64 bits whose outputs for nearby inputs look unrelated.
constexpr uint64_t SplitMix64Hash(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The generator: a UniformRandomBitGenerator, so <random> algorithms take it. Callers that
// need values identical across platforms draw with their own fixed rule (Below, modulo),
// never with a std:: distribution.
class SplitMix64 {
 public:
  using result_type = uint64_t;
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return ~uint64_t{0}; }
  uint64_t operator()() {
    const uint64_t s = state_;
    state_ += 0x9E3779B97F4A7C15ull;
    return SplitMix64Hash(s);
  }
  // Uniform in [0, bound) (Lemire's multiply-shift; the tiny bias is irrelevant here).
  uint64_t Below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>((*this)()) * bound) >> 64);
  }

 private:
  uint64_t state_;
};

}  // namespace trainops
