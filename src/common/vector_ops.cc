#include "common/vector_ops.h"

namespace trainops {

TRAINOPS_CLONES
void Axpy(float a, const float* __restrict x, float* __restrict y, size_t n) {
  for (size_t k = 0; k < n; ++k) y[k] += a * x[k];
}

}  // namespace trainops
