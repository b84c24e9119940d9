// Small dense kernels on the hot paths (prediction and training). They are compiled
// twice, for AVX2+FMA and for the baseline x86-64, and the right one is picked at load
// time (GCC target_clones), so one binary is both portable and fast.
#pragma once

#include <cstddef>

// Marks a function for the AVX2+FMA / baseline pair of clones (GCC on x86-64; not under
// AddressSanitizer or ThreadSanitizer, whose instrumented ifunc resolvers run before the
// sanitizer runtime is up and crash the program at load time).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define TRAINOPS_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define TRAINOPS_CLONES
#endif

namespace trainops {

// y[k] += a * x[k] for k < n. x and y must not overlap.
void Axpy(float a, const float* x, float* y, size_t n);

}  // namespace trainops
