#include "train/training_rows.h"

#include <numeric>
#include <random>

namespace trainops {

std::vector<uint32_t> ShuffledOrder(size_t n, uint64_t seed, uint64_t stream) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + stream + 1);
  for (size_t i = n; i > 1; --i) {
    size_t j = static_cast<size_t>(rng() % i);
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

uint64_t RankSeed(uint64_t seed, int rank) { return seed + static_cast<uint64_t>(rank) * 0x632BE59BD9B4E019ull; }

InMemoryRows::InMemoryRows(const EncodedData& data, uint64_t epoch_length, uint64_t seed, int rank)
    : data_(data), epoch_length_(epoch_length ? epoch_length : data.size()), seed_(seed), rank_(rank) {}

RowWindow InMemoryRows::WindowAt(uint32_t epoch, uint64_t /*position*/) {
  if (epoch != epoch_) {
    order_ = ShuffledOrder(data_.size(), RankSeed(seed_, rank_), epoch);
    for (size_t i = 0; order_.size() < epoch_length_; ++i) order_.push_back(order_[i]);
    epoch_ = epoch;
  }
  return {&data_, &order_, 0, epoch_length_};
}

}  // namespace trainops
