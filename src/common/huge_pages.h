// Large weight arrays on transparent huge pages. Training a linear model over a big
// vocabulary touches ~170 random rows of a few hundred MB of weights (and as many AdaGrad
// accumulators) per example: with 4 KiB pages nearly every touch misses the TLB too.
// Linux backs a region with 2 MiB pages when asked (madvise MADV_HUGEPAGE, honoured in
// the default "madvise" mode of /sys/kernel/mm/transparent_hugepage/enabled). A hint
// only: where it is refused, or on other systems, nothing changes but the speed.
#pragma once

#include <cstddef>
#include <vector>

namespace trainops {

// Moves `values` (when larger than a few huge pages) into fresh memory advised to use
// huge pages before it is first touched. Same contents; not thread-safe.
void PreferHugePages(std::vector<float>& values);
// values.assign(n, value), on huge pages when large (no copy: advised before touched).
void AssignOnHugePages(std::vector<float>& values, size_t n, float value);

}  // namespace trainops
