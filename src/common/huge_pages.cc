#include "common/huge_pages.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace trainops {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// An empty vector with room for n floats, advised to use huge pages. reserve() maps the
// memory without touching it (malloc uses mmap at this size), so the advice comes before
// the first page fault.
std::vector<float> AdvisedStorage(size_t n) {
  std::vector<float> fresh;
  fresh.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const auto begin = reinterpret_cast<uintptr_t>(fresh.data());
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (begin + n * sizeof(float)) & ~(kHugePage - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
  return fresh;
}

bool Large(size_t n) { return n * sizeof(float) >= 4 * kHugePage; }

}  // namespace

void PreferHugePages(std::vector<float>& values) {
  if (!Large(values.size())) return;
  std::vector<float> fresh = AdvisedStorage(values.size());
  fresh.assign(values.begin(), values.end());
  values.swap(fresh);
}

void AssignOnHugePages(std::vector<float>& values, size_t n, float value) {
  if (!Large(n)) {
    values.assign(n, value);
    return;
  }
  std::vector<float> fresh = AdvisedStorage(n);
  fresh.assign(n, value);
  values.swap(fresh);
}

}  // namespace trainops
