// Training rows streamed from the row cache (train/row_cache.h), a window at a time.
// Each epoch visits the cache's blocks in a seeded random order, `window_blocks` blocks at
// a time; a window's rows are decoded into TF-IDF rows with the model's vocabulary (the
// same EncodeFeatures the in-memory path uses) and shuffled among themselves. Memory
// holds one window (and the next, decoded in the background while this one trains), so
// it is bounded by the window size, not by the number of rows.
//
// The shuffle is coarser than the in-memory one (rows of one block stay in one window),
// which is why a window spans many blocks: the rows of a window come from
// window_blocks random places of the file.
// Not thread-safe; owned by one trainer.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <vector>

#include "model/model.h"
#include "train/row_cache.h"
#include "train/training_rows.h"

namespace trainops {

class StreamedRows : public TrainingRows {
 public:
  // `model` gives the vocabulary, IDF and unseen-feature IDF and must outlive this object;
  // `label_remap[l]` is the model's label index of the cache's label number l. Multi-label
  // runs give `set_remap` instead (non-empty): the cache's label number l is a label set,
  // whose sorted label indices are set_remap[l]; the windows then carry the sets
  // (EncodedData::set_offsets) and every row's single label is kNoSingleLabel.
  StreamedRows(RowCacheIndex index, const Model& model, std::vector<uint32_t> label_remap, uint64_t epoch_length,
               uint64_t seed, int rank, size_t window_blocks, int threads,
               std::vector<std::vector<uint32_t>> set_remap = {});
  ~StreamedRows() override;

  uint64_t size() const override { return reader_.index().rows; }
  RowWindow WindowAt(uint32_t epoch, uint64_t position) override;

  size_t window_blocks() const { return window_blocks_; }
  size_t windows_decoded() const { return windows_decoded_; }

 private:
  struct Decoded {
    uint32_t epoch = UINT32_MAX;
    size_t window = SIZE_MAX;
    EncodedData data;
    std::vector<uint32_t> order;
  };
  struct Plan {
    uint32_t epoch = UINT32_MAX;
    std::vector<uint32_t> blocks;       // block order of the epoch
    std::vector<uint64_t> window_start;  // epoch position of each window's first row, then the total
  };
  Plan MakePlan(uint32_t epoch) const;
  // This epoch's plan (made, or taken from next_plan_); only ever called on the trainer's thread.
  const Plan& PlanFor(uint32_t epoch);
  std::vector<uint32_t> WindowBlocks(const Plan& plan, size_t w) const;
  // Reads and decodes the blocks of window `w` of `epoch` into `out`.
  void Decode(uint32_t epoch, size_t w, std::vector<uint32_t> blocks, int threads, Decoded& out);
  void StartPrefetch(uint32_t epoch, size_t w);

  RowCacheReader reader_;
  const Model& model_;
  std::vector<uint32_t> label_remap_;
  std::vector<std::vector<uint32_t>> set_remap_;
  uint64_t epoch_length_;
  uint64_t seed_;
  size_t window_blocks_;
  int threads_;
  Plan plan_, next_plan_;
  Decoded current_, next_;
  std::future<void> prefetch_;
  size_t windows_decoded_ = 0;
};

}  // namespace trainops
