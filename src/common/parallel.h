// Splits [0, n) into `threads` contiguous chunks and runs fn(thread_index, begin, end) on
// each, in parallel, returning when all are done. The split depends only on n and
// threads, so work assignment is deterministic. Exceptions from any chunk are rethrown.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace trainops {

inline int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

template <typename Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  if (threads <= 1 || n < 2) {
    fn(0, size_t{0}, n);
    return;
  }
  size_t t = std::min<size_t>(static_cast<size_t>(threads), n);
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors(t);
  for (size_t i = 0; i < t; ++i) {
    size_t begin = n * i / t, end = n * (i + 1) / t;
    workers.emplace_back([&, i, begin, end] {
      try {
        fn(i, begin, end);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace trainops
