#include "train/cross_fit.h"

#include <algorithm>
#include <cmath>

#include "common/parallel.h"
#include "train/sgd_engine.h"
#include "train/training_rows.h"

namespace trainops {

void SubsetRowsInto(const EncodedData& data, const std::vector<uint32_t>& rows, EncodedData& out) {
  out.Clear(data.multi_label());
  for (uint32_t i : rows) {
    const auto first = static_cast<ptrdiff_t>(data.offsets[i]), last = static_cast<ptrdiff_t>(data.offsets[i + 1]);
    out.rows.insert(out.rows.end(), data.rows.begin() + first, data.rows.begin() + last);
    out.values.insert(out.values.end(), data.values.begin() + first, data.values.begin() + last);
    out.offsets.push_back(out.rows.size());
    out.labels.push_back(data.labels[i]);
    out.coverage.push_back(data.coverage[i]);
    if (!data.weights.empty()) out.weights.push_back(data.weights[i]);
    if (data.multi_label()) {
      out.set_labels.insert(out.set_labels.end(), data.set_labels.begin() + static_cast<ptrdiff_t>(data.set_offsets[i]),
                            data.set_labels.begin() + static_cast<ptrdiff_t>(data.set_offsets[i + 1]));
      out.set_offsets.push_back(out.set_labels.size());
    }
  }
}

namespace {

// One side-by-side slot's fold model and the buffers it trains with. A slot trains
// several folds one after another and reuses its memory: fresh memory costs a page fault
// per 4 KB (~10 us on a VM), which for a small task was a third of the cross-fit's time.
struct FoldSlot {
  Model model;
  OptimizerState state;
  EncodedData part;
  std::vector<uint32_t> in, held_out;
  bool trained = false;
};

// Trains fold f's model in `slot`, on the other folds' rows (fold_of[i] != f), for `epochs`.
void TrainFold(const Model& shape, const EncodedData& train, const Hyperparameters& hp, double epochs,
               const std::vector<int>& fold_of, int f, int threads, FoldSlot& slot) {
  slot.trained = false;
  slot.in.clear();
  slot.held_out.clear();
  for (uint32_t i = 0; i < fold_of.size(); ++i) (fold_of[i] == f ? slot.held_out : slot.in).push_back(i);
  if (slot.in.size() < 2 || slot.held_out.empty()) return;
  SubsetRowsInto(train, slot.in, slot.part);
  const EncodedData& part = slot.part;
  Model& model = slot.model;
  model.info = shape.info;
  model.vocab = shape.vocab;
  model.idf = shape.idf;
  Hyperparameters fold_hp = hp;
  fold_hp.seed = hp.seed + static_cast<uint64_t>(f) + 1;
  InitializeWeights(fold_hp, model, slot.state);
  SgdEngine engine(model, slot.state, part, fold_hp);
  InMemoryRows rows(part, part.size(), fold_hp.seed, 0);
  const uint64_t total = static_cast<uint64_t>(hp.epochs) * part.size();
  const auto stop = static_cast<uint64_t>(std::llround(std::max(epochs, 1.0) * static_cast<double>(part.size())));
  uint64_t step = 0;
  for (uint32_t epoch = 0; step < std::min(stop, total); ++epoch) {
    const RowWindow window = rows.WindowAt(epoch, 0);
    const uint64_t take = std::min<uint64_t>(part.size(), std::min(stop, total) - step);
    engine.Run(*window.order, 0, take, step, total, threads);
    step += take;
  }
  slot.trained = true;
}

}  // namespace

std::vector<float> OutOfFoldLogits(const Model& shape, const EncodedData& train, const Hyperparameters& hp,
                                   double epochs, int folds, int threads, Model* average) {
  int averaged = 0;
  const size_t n = train.size(), labels = shape.num_labels();
  std::vector<float> logits(n * labels, 0.0f);
  if (folds < 2 || n < static_cast<size_t>(folds)) return logits;
  const std::vector<uint32_t> order = ShuffledOrder(n, hp.seed ^ 0x63726f7373ull, 0);  // "cross"
  std::vector<int> fold_of(n);
  for (size_t i = 0; i < n; ++i) fold_of[order[i]] = static_cast<int>(i % static_cast<size_t>(folds));
  // A multi-label fold small enough to train on one thread (SgdEngine::Run) trains side
  // by side with others, a fold a thread: the same models (each is deterministic on one
  // thread), averaged in fold order, in a fraction of the wall time. Larger folds use the
  // threads themselves, one fold at a time, so only one fold model is held.
  const size_t part_rows = n - n / static_cast<size_t>(folds);
  const int side_by_side =
      train.multi_label() && part_rows < 2 * kMultiLabelRowsPerThread ? std::max(1, ResolveThreads(threads)) : 1;
  std::vector<float> hidden, row_logits;
  std::vector<FoldSlot> slots(static_cast<size_t>(side_by_side));
  for (int first = 0; first < folds; first += side_by_side) {
    const int count = std::min(side_by_side, folds - first);
    ParallelFor(static_cast<size_t>(count), count, [&](size_t, size_t begin, size_t end) {
      for (size_t slot = begin; slot < end; ++slot) {
        TrainFold(shape, train, hp, epochs, fold_of, first + static_cast<int>(slot), count > 1 ? 1 : threads,
                  slots[slot]);
      }
    });
    for (int slot = 0; slot < count; ++slot) {
      const FoldSlot& fold = slots[static_cast<size_t>(slot)];
      if (!fold.trained) continue;
      const Model& model = fold.model;
      if (average) {
        if (averaged == 0) {
          average->input.assign(model.input.size(), 0.0f);
          average->bias.assign(model.bias.size(), 0.0f);
        }
        for (size_t w = 0; w < model.input.size(); ++w) average->input[w] += model.input[w];
        for (size_t w = 0; w < model.bias.size(); ++w) average->bias[w] += model.bias[w];
        ++averaged;
      }
      for (uint32_t i : fold.held_out) {
        const uint64_t row_first = train.offsets[i];
        model.Logits(train.rows.data() + row_first, train.values.data() + row_first,
                     train.offsets[i + 1] - row_first, hidden, row_logits);
        std::copy(row_logits.begin(), row_logits.end(), logits.begin() + static_cast<ptrdiff_t>(i * labels));
      }
    }
  }
  if (average && averaged > 0) {
    for (float& w : average->input) w /= static_cast<float>(averaged);
    for (float& w : average->bias) w /= static_cast<float>(averaged);
  }
  return logits;
}

}  // namespace trainops
