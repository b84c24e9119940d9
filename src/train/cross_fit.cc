#include "train/cross_fit.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "common/parallel.h"
#include "train/memory_plan.h"
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

// One fold model and the buffers it trains with. A side-by-side slot trains several folds
// one after another and reuses its memory: fresh memory costs a page fault per 4 KB
// (~10 us on a VM), which for a small task was a third of the cross-fit's time.
// SgdEngine and InMemoryRows hold references into the slot: a slot never moves.
struct FoldSlot {
  Model model;
  OptimizerState state;
  EncodedData part;
  Hyperparameters hp;
  std::vector<uint32_t> in, held_out;
  std::unique_ptr<SgdEngine> engine;
  std::unique_ptr<InMemoryRows> rows;
  uint64_t step = 0, total = 0;
  uint32_t epoch = 0;
  bool trained = false;  // holds a fold model (false: too few rows on a side to train or score)
};

// Readies fold f's model in `slot` to train on the other folds' rows (fold_of[i] != f).
bool PrepareFold(const Model& shape, const EncodedData& train, const Hyperparameters& hp,
                 const std::vector<int>& fold_of, int f, FoldSlot& slot) {
  slot.trained = false;
  slot.engine.reset();
  slot.rows.reset();
  slot.in.clear();
  slot.held_out.clear();
  for (uint32_t i = 0; i < fold_of.size(); ++i) (fold_of[i] == f ? slot.held_out : slot.in).push_back(i);
  if (slot.in.size() < 2 || slot.held_out.empty()) return false;
  SubsetRowsInto(train, slot.in, slot.part);
  slot.model.info = shape.info;
  slot.model.vocab = shape.vocab;
  slot.model.idf = shape.idf;
  slot.hp = hp;
  slot.hp.seed = hp.seed + static_cast<uint64_t>(f) + 1;
  InitializeWeights(slot.hp, slot.model, slot.state);
  slot.engine = std::make_unique<SgdEngine>(slot.model, slot.state, slot.part, slot.hp);
  slot.engine->SkipMultiLabelLoss();
  slot.rows = std::make_unique<InMemoryRows>(slot.part, slot.part.size(), slot.hp.seed, 0);
  slot.step = 0;
  slot.epoch = 0;
  slot.total = static_cast<uint64_t>(hp.epochs) * slot.part.size();
  slot.trained = true;
  return true;
}

// The updates a fold model of `part_rows` rows makes when the selected checkpoint stood
// `epochs` epochs in: the learning-rate schedule is the full run's, so it stops where the
// selected model stood.
uint64_t FoldStop(size_t part_rows, int planned_epochs, double epochs) {
  const uint64_t total = static_cast<uint64_t>(planned_epochs) * part_rows;
  return std::min(total, static_cast<uint64_t>(std::llround(std::max(epochs, 1.0) * static_cast<double>(part_rows))));
}

// Trains the next epoch of `slot` (or the part of it that reaches `stop`; with
// `whole_epochs_only`, nothing unless the whole epoch fits). Returns whether it trained.
bool AdvanceFold(FoldSlot& slot, uint64_t stop, bool whole_epochs_only, int threads) {
  if (!slot.trained || slot.step >= stop) return false;
  const uint64_t take = std::min<uint64_t>(slot.part.size(), stop - slot.step);
  if (whole_epochs_only && take < slot.part.size()) return false;
  const RowWindow window = slot.rows->WindowAt(slot.epoch, 0);
  slot.engine->Run(*window.order, 0, take, slot.step, slot.total, threads);
  slot.step += take;
  ++slot.epoch;
  return true;
}

// The seeded fold of every training row.
std::vector<int> FoldOf(size_t n, const Hyperparameters& hp, int folds) {
  const std::vector<uint32_t> order = ShuffledOrder(n, hp.seed ^ 0x63726f7373ull, 0);  // "cross"
  std::vector<int> fold_of(n);
  for (size_t i = 0; i < n; ++i) fold_of[order[i]] = static_cast<int>(i % static_cast<size_t>(folds));
  return fold_of;
}

// Fold models' held-out scores into `logits` and their weights into `average`, always in
// fold order (the floating-point sum is the same however the folds were scheduled).
class FoldCollector {
 public:
  FoldCollector(const EncodedData& train, size_t labels, Model* average)
      : train_(train), labels_(labels), average_(average), logits_(train.size() * labels, 0.0f) {}

  void Add(const FoldSlot& fold) {
    if (!fold.trained) return;
    const Model& model = fold.model;
    if (average_) {
      if (averaged_ == 0) {
        average_->input.assign(model.input.size(), 0.0f);
        average_->bias.assign(model.bias.size(), 0.0f);
      }
      for (size_t w = 0; w < model.input.size(); ++w) average_->input[w] += model.input[w];
      for (size_t w = 0; w < model.bias.size(); ++w) average_->bias[w] += model.bias[w];
      ++averaged_;
    }
    for (uint32_t i : fold.held_out) {
      const uint64_t row_first = train_.offsets[i];
      model.Logits(train_.rows.data() + row_first, train_.values.data() + row_first,
                   train_.offsets[i + 1] - row_first, hidden_, row_logits_);
      std::copy(row_logits_.begin(), row_logits_.end(), logits_.begin() + static_cast<ptrdiff_t>(i * labels_));
    }
  }

  std::vector<float> Take() {
    if (average_ && averaged_ > 0) {
      for (float& w : average_->input) w /= static_cast<float>(averaged_);
      for (float& w : average_->bias) w /= static_cast<float>(averaged_);
    }
    return std::move(logits_);
  }

 private:
  const EncodedData& train_;
  size_t labels_;
  Model* average_;
  int averaged_ = 0;
  std::vector<float> logits_, hidden_, row_logits_;
};

// Side by side only when a fold model trains on one thread anyway (SgdEngine::Run).
bool FoldsTrainOnOneThread(const EncodedData& train, int folds) {
  const size_t n = train.size();
  const size_t part_rows = n - n / static_cast<size_t>(folds);
  return train.multi_label() && part_rows < 2 * kMultiLabelRowsPerThread;
}

}  // namespace

std::vector<float> OutOfFoldLogits(const Model& shape, const EncodedData& train, const Hyperparameters& hp,
                                   double epochs, int folds, int threads, Model* average) {
  const size_t n = train.size();
  FoldCollector collector(train, shape.num_labels(), average);
  if (folds < 2 || n < static_cast<size_t>(folds)) return collector.Take();
  const std::vector<int> fold_of = FoldOf(n, hp, folds);
  // A multi-label fold small enough to train on one thread (SgdEngine::Run) trains side
  // by side with others, a fold a thread: the same models (each is deterministic on one
  // thread), averaged in fold order, in a fraction of the wall time. Larger folds use the
  // threads themselves, one fold at a time, so only one fold model is held.
  const int side_by_side = FoldsTrainOnOneThread(train, folds) ? std::max(1, ResolveThreads(threads)) : 1;
  std::vector<FoldSlot> slots(static_cast<size_t>(side_by_side));
  for (int first = 0; first < folds; first += side_by_side) {
    const int count = std::min(side_by_side, folds - first);
    ParallelFor(static_cast<size_t>(count), count, [&](size_t, size_t begin, size_t end) {
      for (size_t slot = begin; slot < end; ++slot) {
        FoldSlot& fold = slots[slot];
        if (!PrepareFold(shape, train, hp, fold_of, first + static_cast<int>(slot), fold)) continue;
        const uint64_t stop = FoldStop(fold.part.size(), hp.epochs, epochs);
        while (AdvanceFold(fold, stop, /*whole_epochs_only=*/false, count > 1 ? 1 : threads)) {
        }
      }
    });
    for (int slot = 0; slot < count; ++slot) collector.Add(slots[static_cast<size_t>(slot)]);
  }
  return collector.Take();
}

// Every fold has a slot of its own (all are held at once); a worker (the background thread
// while the main training runs, then `threads` of them) takes a fold nobody holds, trains
// one epoch of it on one thread and gives it back.
struct CrossFitRunner::Impl {
  Impl(const Model& shape_in, const EncodedData& train_in, const Hyperparameters& hp_in, int folds_in)
      : train(train_in), hp(hp_in), folds(folds_in) {
    shape.info = shape_in.info;
    shape.vocab = shape_in.vocab;
    shape.idf = shape_in.idf;
    const size_t n = train.size();
    if (folds >= 2 && n >= static_cast<size_t>(folds)) {
      fold_of = FoldOf(n, hp, folds);
      slots = std::vector<FoldSlot>(static_cast<size_t>(folds));
      part_rows.assign(static_cast<size_t>(folds), n);
      for (int f : fold_of) --part_rows[static_cast<size_t>(f)];
      prepared.assign(static_cast<size_t>(folds), 0);
      busy.assign(static_cast<size_t>(folds), 0);
    }
  }

  // Under `mu`, fold f not busy: whether its model has gone past the stop for `epochs`
  // (only when Finish's epochs are fewer than a SelectedSoFar's): it cannot be untrained,
  // so it starts over.
  bool Overshot(size_t f, double epochs) const {
    return prepared[f] && slots[f].step > FoldStop(part_rows[f], hp.epochs, epochs);
  }

  // Under `mu`, fold f not busy: updates still to make on it, towards the stop for `epochs`.
  uint64_t Remaining(size_t f, double epochs) const {
    const uint64_t stop = FoldStop(part_rows[f], hp.epochs, epochs);
    const uint64_t done = prepared[f] && !Overshot(f, epochs) ? slots[f].step : 0;
    return stop - std::min(stop, done);
  }

  // Under `mu`: the fold a worker should train an epoch of next, or -1. While the main
  // training runs: the first fold with a whole epoch left below the selected checkpoint (a
  // fold done early is one fewer to finish later). At the end: the fold with the most
  // updates left, so that the last folds finish together.
  int NextFold() const {
    int pick = -1;
    uint64_t most = 0;
    for (size_t f = 0; f < slots.size(); ++f) {
      if (busy[f] || (prepared[f] && !slots[f].trained)) continue;
      if (!finishing) {
        if (Remaining(f, selected) >= part_rows[f]) return static_cast<int>(f);
        continue;
      }
      const uint64_t left = Remaining(f, final_epochs);
      if (left > most) {
        most = left;
        pick = static_cast<int>(f);
      }
    }
    return pick;
  }

  void Work() {
    try {
      for (;;) {
        size_t f;
        uint64_t stop;
        bool whole, prepare;
        {
          std::unique_lock lock(mu);
          int next = -1;
          cv.wait(lock, [&] {
            if (stopping || error) return true;
            next = NextFold();
            return next >= 0 || finishing;
          });
          if (stopping || error || next < 0) return;
          f = static_cast<size_t>(next);
          busy[f] = 1;
          prepare = !prepared[f] || Overshot(f, finishing ? final_epochs : selected);
          whole = !finishing;
          stop = FoldStop(part_rows[f], hp.epochs, finishing ? final_epochs : selected);
        }
        FoldSlot& fold = slots[f];
        if (prepare) PrepareFold(shape, train, hp, fold_of, static_cast<int>(f), fold);
        AdvanceFold(fold, stop, whole, 1);
        {
          std::lock_guard lock(mu);
          prepared[f] = 1;
          busy[f] = 0;
        }
        cv.notify_all();
      }
    } catch (...) {
      {
        std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
      }
      cv.notify_all();
    }
  }

  Model shape;  // features only
  const EncodedData& train;
  Hyperparameters hp;
  int folds;
  std::vector<int> fold_of;
  std::vector<FoldSlot> slots;
  std::vector<size_t> part_rows;  // training rows of each fold model
  std::mutex mu;
  std::condition_variable cv;
  // Guarded by `mu`. A fold's slot belongs to the worker that marked it busy.
  std::vector<char> prepared, busy;
  double selected = 0, final_epochs = 0;
  bool finishing = false, stopping = false;
  std::exception_ptr error;
  std::thread background;
};

CrossFitRunner::CrossFitRunner(const Model& shape, const EncodedData& train, const Hyperparameters& hp, int folds)
    : impl_(std::make_unique<Impl>(shape, train, hp, folds)) {
  if (!impl_->slots.empty()) impl_->background = std::thread([impl = impl_.get()] { impl->Work(); });
}

CrossFitRunner::~CrossFitRunner() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->background.joinable()) impl_->background.join();
}

bool CrossFitRunner::Applies(const EncodedData& train, size_t weight_count, int folds, int threads, int world_size) {
  return world_size == 1 && ResolveThreads(threads) >= 2 && folds >= 2 && FoldsTrainOnOneThread(train, folds) &&
         weight_count * sizeof(float) < kSmallRunWeightBytes;
}

void CrossFitRunner::SelectedSoFar(double epochs) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->selected = std::max(impl_->selected, epochs);
  }
  impl_->cv.notify_all();
}

std::vector<float> CrossFitRunner::Finish(double epochs, int threads, Model* average) {
  Impl& impl = *impl_;
  FoldCollector collector(impl.train, impl.shape.num_labels(), average);
  if (impl.slots.empty()) return collector.Take();
  {
    std::lock_guard lock(impl.mu);
    impl.finishing = true;
    impl.final_epochs = epochs;
  }
  impl.cv.notify_all();
  std::vector<std::thread> extra;
  for (int t = 2; t < ResolveThreads(threads); ++t) extra.emplace_back([&impl] { impl.Work(); });
  impl.Work();
  for (std::thread& t : extra) t.join();
  impl.background.join();
  if (impl.error) std::rethrow_exception(impl.error);
  for (const FoldSlot& fold : impl.slots) collector.Add(fold);
  return collector.Take();
}

}  // namespace trainops
