// Tests that FastModulo computes exactly x % d: feature ids must not depend on how the
// remainder is computed.
#include "text/fast_modulo.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

namespace trainops {
namespace {

TEST(FastModuloTest, EqualsOperatorPercent) {
  std::mt19937_64 rng(17);
  const uint64_t edge_values[] = {0,
                                  1,
                                  2,
                                  3,
                                  0xFFFFFFFFu,
                                  0x100000000ULL,
                                  std::numeric_limits<uint64_t>::max(),
                                  std::numeric_limits<uint64_t>::max() - 1,
                                  1ULL << 63};
  for (const uint32_t divisor : {1u, 2u, 3u, 7u, 1000u, 1000003u, 2000000u, 1u << 22,
                                 (1u << 31) + 1, 4294967291u, 4294967295u}) {
    const text_internal::FastModulo modulo(divisor);
    for (const uint64_t x : edge_values) ASSERT_EQ(modulo(x), x % divisor) << x << " % " << divisor;
    for (int k = 0; k < 100000; ++k) {
      const uint64_t x = rng();
      ASSERT_EQ(modulo(x), x % divisor) << x << " % " << divisor;
    }
  }
}

TEST(FastModuloTest, RandomDivisors) {
  std::mt19937_64 rng(23);
  for (int d = 0; d < 2000; ++d) {
    const auto divisor = static_cast<uint32_t>(rng() | 1);  // any non-zero value
    const text_internal::FastModulo modulo(divisor);
    for (int k = 0; k < 200; ++k) {
      const uint64_t x = rng();
      ASSERT_EQ(modulo(x), x % divisor) << x << " % " << divisor;
    }
  }
}

}  // namespace
}  // namespace trainops
