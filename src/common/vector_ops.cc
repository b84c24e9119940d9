#include "common/vector_ops.h"

namespace trainops {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define TRAINOPS_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define TRAINOPS_CLONES
#endif

TRAINOPS_CLONES
void Axpy(float a, const float* __restrict x, float* __restrict y, size_t n) {
  for (size_t k = 0; k < n; ++k) y[k] += a * x[k];
}

}  // namespace trainops
