// Small dense kernels on the hot paths (prediction and training). They are compiled
// twice, for AVX2+FMA and for the baseline x86-64, and the right one is picked at load
// time (GCC target_clones), so one binary is both portable and fast.
#pragma once

#include <cstddef>

namespace trainops {

// y[k] += a * x[k] for k < n. x and y must not overlap.
void Axpy(float a, const float* x, float* y, size_t n);

}  // namespace trainops
