#include "train/streamed_rows.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.h"
#include "common/parallel.h"
#include "train/training_data.h"

namespace trainops {
namespace {

// Distinct ids with counts -> the TF-IDF row EncodeFeatures makes of the ids themselves.
// The row cache keeps distinct ids, not which were word n-grams: one norm over all (a
// streamed run trains with FeatureConfig::block_norm off).
void EncodeCounted(const Model& model, const uint32_t* ids, const uint32_t* counts, size_t n,
                   std::vector<uint32_t>& expanded, std::vector<uint32_t>& row_counts, SparseVector& x) {
  expanded.clear();
  for (size_t i = 0; i < n; ++i) expanded.insert(expanded.end(), counts[i], ids[i]);
  EncodeFeatures(expanded, expanded.size(), model.vocab, model.idf, row_counts, x, model.info.unseen_feature_idf);
}

}  // namespace

StreamedRows::StreamedRows(RowCacheIndex index, const Model& model, std::vector<uint32_t> label_remap,
                           uint64_t epoch_length, uint64_t seed, int rank, size_t window_blocks, int threads,
                           std::vector<std::vector<uint32_t>> set_remap)
    : reader_(std::move(index)),
      model_(model),
      label_remap_(std::move(label_remap)),
      set_remap_(std::move(set_remap)),
      epoch_length_(epoch_length ? epoch_length : reader_.index().rows),
      seed_(RankSeed(seed, rank)),
      window_blocks_(std::max<size_t>(1, window_blocks)),
      threads_(std::max(1, threads)) {}

StreamedRows::~StreamedRows() {
  if (prefetch_.valid()) prefetch_.wait();
}

StreamedRows::Plan StreamedRows::MakePlan(uint32_t epoch) const {
  Plan plan;
  plan.epoch = epoch;
  // A stream of its own (the high bit), apart from the windows' row shuffles.
  plan.blocks = ShuffledOrder(reader_.blocks(), seed_, (uint64_t{1} << 63) | epoch);
  uint64_t position = 0;
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    if (b % window_blocks_ == 0) plan.window_start.push_back(position);
    position += reader_.index().block_rows[plan.blocks[b]];
  }
  plan.window_start.push_back(position);
  return plan;
}

const StreamedRows::Plan& StreamedRows::PlanFor(uint32_t epoch) {
  if (plan_.epoch != epoch) plan_ = next_plan_.epoch == epoch ? std::move(next_plan_) : MakePlan(epoch);
  return plan_;
}

std::vector<uint32_t> StreamedRows::WindowBlocks(const Plan& plan, size_t w) const {
  const size_t first = w * window_blocks_;
  const size_t last = std::min(plan.blocks.size(), first + window_blocks_);
  return {plan.blocks.begin() + static_cast<ptrdiff_t>(first), plan.blocks.begin() + static_cast<ptrdiff_t>(last)};
}

void StreamedRows::Decode(uint32_t epoch, size_t w, std::vector<uint32_t> blocks, int threads, Decoded& out) {
  std::vector<std::string> payloads;
  for (uint32_t b : blocks) payloads.push_back(reader_.ReadBlock(b));
  const bool multi_label = !set_remap_.empty();
  // Appends a block's rows to `part`.
  auto decode_into = [&](size_t i, EncodedData& part, std::vector<uint32_t>& expanded,
                         std::vector<uint32_t>& row_counts, SparseVector& x) {
    reader_.DecodeBlock(blocks[i], payloads[i], [&](uint32_t label, float weight, const uint32_t* ids,
                                                    const uint32_t* counts, size_t n) {
      const size_t known = multi_label ? set_remap_.size() : label_remap_.size();
      if (label >= known) {
        throw CorruptFileError(fmt::format("{}: the row cache names label number {} of {}",
                                           reader_.index().path.string(), label, known));
      }
      EncodeCounted(model_, ids, counts, n, expanded, row_counts, x);
      part.rows.insert(part.rows.end(), x.rows.begin(), x.rows.end());
      part.values.insert(part.values.end(), x.values.begin(), x.values.end());
      part.offsets.push_back(part.rows.size());
      if (multi_label) {
        part.labels.push_back(kNoSingleLabel);
        part.set_labels.insert(part.set_labels.end(), set_remap_[label].begin(), set_remap_[label].end());
        part.set_offsets.push_back(part.set_labels.size());
      } else {
        part.labels.push_back(label_remap_[label]);
      }
      part.coverage.push_back(x.coverage);
      part.weights.push_back(weight);
    });
  };
  // The buffers keep their capacity from window to window: after the first windows no
  // memory is mapped (and zeroed by the kernel) again.
  EncodedData& data = out.data;
  data.Clear(multi_label);
  if (threads <= 1 || payloads.size() < 2) {
    // One thread (the background prefetch): straight into the window.
    std::vector<uint32_t> expanded, row_counts;
    SparseVector x;
    for (size_t i = 0; i < payloads.size(); ++i) decode_into(i, data, expanded, row_counts, x);
  } else {
    std::vector<EncodedData> parts(payloads.size());
    ParallelFor(payloads.size(), threads, [&](size_t, size_t begin, size_t end) {
      std::vector<uint32_t> expanded, row_counts;
      SparseVector x;
      for (size_t i = begin; i < end; ++i) {
        parts[i].offsets.assign(1, 0);
        if (multi_label) parts[i].set_offsets.assign(1, 0);
        decode_into(i, parts[i], expanded, row_counts, x);
      }
    });
    for (const EncodedData& part : parts) {
      const uint64_t base = data.rows.size();
      data.rows.insert(data.rows.end(), part.rows.begin(), part.rows.end());
      data.values.insert(data.values.end(), part.values.begin(), part.values.end());
      for (size_t i = 1; i < part.offsets.size(); ++i) data.offsets.push_back(base + part.offsets[i]);
      data.labels.insert(data.labels.end(), part.labels.begin(), part.labels.end());
      if (multi_label) {
        const uint64_t set_base = data.set_labels.size();
        data.set_labels.insert(data.set_labels.end(), part.set_labels.begin(), part.set_labels.end());
        for (size_t i = 1; i < part.set_offsets.size(); ++i) data.set_offsets.push_back(set_base + part.set_offsets[i]);
      }
      data.coverage.insert(data.coverage.end(), part.coverage.begin(), part.coverage.end());
      data.weights.insert(data.weights.end(), part.weights.begin(), part.weights.end());
    }
  }
  // A window of rows weighing 1 has no weights, as in memory (EncodedData::weights).
  if (std::all_of(data.weights.begin(), data.weights.end(), [](float w) { return w == 1.0f; })) data.weights.clear();
  out.order = ShuffledOrder(data.size(), seed_, (static_cast<uint64_t>(epoch) << 32) | w);
  out.epoch = epoch;
  out.window = w;
  ++windows_decoded_;
}

void StreamedRows::StartPrefetch(uint32_t epoch, size_t w) {
  const Plan& plan = PlanFor(epoch);
  const size_t windows = plan.window_start.size() - 1;
  if (windows <= 1) return;  // the rows never leave memory: nothing to fetch
  // The prefetch gets its blocks by value: the plans are only touched on this thread.
  std::vector<uint32_t> blocks;
  uint32_t next_epoch = epoch;
  size_t next_w = w + 1;
  if (next_w < windows) {
    blocks = WindowBlocks(plan, next_w);
  } else {
    next_epoch = epoch + 1;
    next_w = 0;
    if (next_plan_.epoch != next_epoch) next_plan_ = MakePlan(next_epoch);
    blocks = WindowBlocks(next_plan_, 0);
  }
  prefetch_ = std::async(std::launch::async, [this, next_epoch, next_w, blocks = std::move(blocks)]() mutable {
    Decode(next_epoch, next_w, std::move(blocks), 1, next_);
  });
}

RowWindow StreamedRows::WindowAt(uint32_t epoch, uint64_t position) {
  const uint64_t rows = size();
  // Positions past the rank's rows (a rank with fewer rows than the longest) revisit the
  // epoch's first rows, as InMemoryRows does.
  const uint64_t base = position % rows;
  const uint64_t shift = position - base;
  const Plan& plan = PlanFor(epoch);
  const size_t w =
      static_cast<size_t>(std::upper_bound(plan.window_start.begin(), plan.window_start.end(), base) -
                          plan.window_start.begin()) - 1;
  if (current_.epoch != epoch || current_.window != w) {
    if (prefetch_.valid()) prefetch_.get();  // rethrows a read error
    if (next_.epoch == epoch && next_.window == w) {
      std::swap(current_, next_);
    } else {
      Decode(epoch, w, WindowBlocks(plan, w), threads_, current_);
    }
    StartPrefetch(epoch, w);
  }
  const Plan& now = PlanFor(epoch);
  return {&current_.data, &current_.order, now.window_start[w] + shift,
          std::min(now.window_start[w + 1] + shift, epoch_length_)};
}

}  // namespace trainops
