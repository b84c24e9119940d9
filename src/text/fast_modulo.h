// x % d for a fixed 32-bit divisor without a division instruction (internal header).
// Feature ids are hash % buckets, ~175 of them per short message. A 64-bit division
// takes 35-88 cycles on Intel CPUs before Ice Lake (~2 microseconds per message at that
// count); this costs a few multiplications everywhere. On the AMD EPYC used for
// development, whose divider is fast, both measured ~3 ns per id, so it is insurance
// for slower CPUs, not a speed-up there. Power-of-two bucket counts (the default) use a
// mask. Lemire, Kaser, Kurz, "Faster Remainder by Direct Computation" (2019): with
// M = ceil(2^128 / d), x % d == ((M * x mod 2^128) * d) >> 128, exact for every 64-bit x.
// The result equals operator% bit for bit (tests compare them), so ids do not depend on
// this choice. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>

namespace trainops::text_internal {

class FastModulo {
 public:
  explicit FastModulo(uint32_t divisor)
      : divisor_(divisor),
        mask_(divisor != 0 && (divisor & (divisor - 1)) == 0 ? divisor - 1 : 0),
        power_of_two_(divisor != 0 && (divisor & (divisor - 1)) == 0),
        multiplier_(divisor > 1 ? ~Uint128(0) / divisor + 1 : 0) {}

  uint32_t operator()(uint64_t x) const {
    if (power_of_two_) return static_cast<uint32_t>(x & mask_);
    const Uint128 low_bits = multiplier_ * x;  // the fractional part of x / d, 128 bits
    const Uint128 bottom = (static_cast<Uint128>(static_cast<uint64_t>(low_bits)) * divisor_) >> 64;
    const Uint128 top = static_cast<Uint128>(static_cast<uint64_t>(low_bits >> 64)) * divisor_;
    return static_cast<uint32_t>((bottom + top) >> 64);
  }

 private:
  __extension__ using Uint128 = unsigned __int128;
  uint64_t divisor_;
  uint64_t mask_;
  bool power_of_two_;
  Uint128 multiplier_;
};

}  // namespace trainops::text_internal
