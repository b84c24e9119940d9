// Small dense kernels on the hot paths (prediction and training). They are compiled
// twice, for AVX2+FMA and for the baseline x86-64, and the right one is picked at load
// time (GCC target_clones), so one binary is both portable and fast.
#pragma once

#include <cstddef>

// Marks a function for the AVX2+FMA / baseline pair of clones (GCC on x86-64; not under
// AddressSanitizer or ThreadSanitizer, whose instrumented ifunc resolvers run before the
// sanitizer runtime is up and crash the program at load time). The clone is named by
// feature level (x86-64-v3: AVX2, FMA, BMI2), not by a CPU: GCC dispatches "arch=haswell"
// with __builtin_cpu_is, so every AMD core and every Intel core newer than Haswell ran the
// baseline (SSE2) clone (on NLU++ hotels the AdaGrad kernel's share of a training run's CPU
// samples went from 22% to 13% with the AVX2 clone). The clones
// compute the same numbers: -ffp-contract=off (CMakeLists.txt) keeps FMA out, and GCC
// does not reorder float reductions without -ffast-math.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define TRAINOPS_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TRAINOPS_CLONES
#endif

namespace trainops {

// y[k] += a * x[k] for k < n. x and y must not overlap.
void Axpy(float a, const float* x, float* y, size_t n);

}  // namespace trainops
