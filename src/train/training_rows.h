// Where the trainer's examples come from, one window of rows at a time. An epoch visits
// every row of this rank once, as a sequence of windows; inside a window the rows are
// shuffled. In memory the whole training set is one window (the shuffle is a full
// permutation); streamed from the row cache (train/row_cache.h) a window is a few blocks
// of the cache chosen in a seeded random order, decoded into memory while they are
// trained on, so memory holds a window, never the training set.
//
// The visiting order depends only on (seed, rank, epoch): a run resumed at (epoch,
// position) sees exactly the rows an uninterrupted run would have seen next.
// Not thread-safe; owned by one trainer.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "train/feature_space.h"

namespace trainops {

// A window: `order` lists indices into `data`; epoch position p (begin <= p < end) trains
// on data row order[p - begin]. Valid until the next WindowAt call.
struct RowWindow {
  const EncodedData* data = nullptr;
  const std::vector<uint32_t>* order = nullptr;
  uint64_t begin = 0;
  uint64_t end = 0;
};

class TrainingRows {
 public:
  virtual ~TrainingRows() = default;
  // This rank's rows (one epoch visits each once, plus revisits up to the epoch length).
  virtual uint64_t size() const = 0;
  // The window holding epoch position `position` (< epoch length) of epoch `epoch`.
  virtual RowWindow WindowAt(uint32_t epoch, uint64_t position) = 0;
};

// Deterministic shuffle of 0..n-1 (Fisher-Yates on mt19937_64 with our own index
// mapping: std::shuffle's use of the generator differs between standard libraries).
std::vector<uint32_t> ShuffledOrder(size_t n, uint64_t seed, uint64_t stream);

// All rows in memory: each epoch is one window, a full permutation of the rank's rows
// stretched to `epoch_length` by revisiting the first ones (a data-parallel rank with one
// row fewer than the others). Rank 0's order is the single process's. `data` must outlive
// this object.
class InMemoryRows : public TrainingRows {
 public:
  InMemoryRows(const EncodedData& data, uint64_t epoch_length, uint64_t seed, int rank);
  uint64_t size() const override { return data_.size(); }
  RowWindow WindowAt(uint32_t epoch, uint64_t position) override;

 private:
  const EncodedData& data_;
  uint64_t epoch_length_;
  uint64_t seed_;
  int rank_;
  uint32_t epoch_ = UINT32_MAX;  // the epoch `order_` is for
  std::vector<uint32_t> order_;
};

// The per-rank seed both kinds of rows shuffle with.
uint64_t RankSeed(uint64_t seed, int rank);

}  // namespace trainops
