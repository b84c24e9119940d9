// How a training run keeps within training.memory_mb. Without a feature cap the model
// grows with the data (every new n-gram is a row of weights, optimizer accumulators and
// their checkpoint copy), so the budget is only a budget if the run caps the features it
// keeps: this plans the run's memory by component and, when model.max_features is not
// given, derives the cap from what the budget leaves for the model.
//
// Without model.max_features the cap is also at most kDefaultFeatureCap: past that many
// n-grams a larger file adds mostly rare ones (typos, order numbers) that buy no accuracy
// but grow the model with the data, so that the budget alone would let 10x the rows take
// 4x the memory (bench/RESULTS.md, issue 26 item 14).
//
// Components (MiB): the training rows held in memory (or a streamed run's two windows),
// the validation rows, the document-frequency counts used to choose features, the process
// itself, and per kept feature the model's bytes during training. The pre-train data
// check runs before, on the same rows (or a sample), and frees what it used.
//
// Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "train/hyperparameters.h"

namespace trainops {

struct MemoryPlan {
  int64_t budget_mb = 0;       // training.memory_mb
  double data_mb = 0;          // training rows in memory, or the streamed run's two windows
  double validation_mb = 0;    // validation rows (texts and encoded rows)
  double counting_mb = 0;      // document frequencies while choosing the features
  double fixed_mb = 0;         // the process: code, libraries, buffers, reference statistics
  double bytes_per_feature = 0;  // weights, accumulators and their checkpoint copies
  int64_t feature_cap = 0;     // keep at most this many features; 0 = no cap
  std::string cap_from;        // "model.max_features", "training.memory_mb", "default" (kDefaultFeatureCap)
  // Filled once the features are chosen.
  int64_t features_seen = 0;   // passed model.min_count
  int64_t features_kept = 0;

  // What the plan expects the process to peak at with the features kept.
  double planned_peak_mb() const;
  // For run.json's "memory": the components, the cap and where it came from, and the
  // planned and the measured peak.
  nlohmann::json ToJson(double measured_peak_mb) const;
};

// Bytes one kept feature costs at the run's peak: a linear model holds `labels` weights per
// feature, as many AdaGrad accumulators, and both again in the snapshot the checkpoint
// writer saves from (4 copies); at the end the live weights, the selected checkpoint's
// file bytes (weights and accumulators) and the weights and accumulators read from it (5
// copies: measured 19.9 bytes per weight on a 20-label run; the snapshot and the live
// accumulators are released first). An embedding model: `dim` weights per feature four
// times and one accumulator three times. A linear run with an embedding companion of
// `companion_dim` (> 0; train/embedding_companion.h) peaks at the larger of its own phase
// and the companion's: the selected linear weights (`labels`) while the companion holds
// what an embedding model does.
double BytesPerFeature(const Hyperparameters& hp, size_t labels, int companion_dim = 0);

// The feature cap when model.max_features is not given and the budget leaves room for more:
// 2^18, the size of Vowpal Wabbit's default weight table; six times the n-grams of the
// largest public dataset here (CLINC150: 40,870), so their models are what they were. On
// 200,000 and 2,000,000 rows of a BANKING77-derived stream with 384,000 and 1,680,000
// n-grams it cost at most 0.1 and 0.15-0.35 points of accuracy (one to four of 999 test
// rows), and a cap of 524,288 did no better.
inline constexpr int64_t kDefaultFeatureCap = int64_t{1} << 18;

// Plans a run of `labels` labels whose rows take `data_bytes` in memory (training rows, or
// the two streamed windows) and `validation_bytes` for validation. `max_features` > 0 is
// the user's cap (kept as given); otherwise the cap is the smaller of kDefaultFeatureCap
// and what the budget leaves for the model divided by BytesPerFeature, at least 1,000
// features. `buckets`: the feature hash space (its counts are 4 bytes each).
MemoryPlan PlanMemory(int64_t memory_mb, int max_features, const Hyperparameters& hp, size_t labels,
                      double data_bytes, double validation_bytes, uint32_t buckets, int companion_dim = 0);

// Rows the pre-train data check may hold within the budget. It runs before training (and
// frees what it used), on the training rows or a seeded sample of checks.max_rows of
// them, at about 16 bytes per byte of file (texts, normalized texts, MinHash signatures,
// duplicate keys; measured on a 200,000-row file). Returns `max_rows` when the whole file
// (`file_bytes`, `row_bytes` a row on average) fits, else the rows that do (at least
// 1,000).
int64_t CheckRowsWithin(int64_t memory_mb, int64_t max_rows, double file_bytes, double row_bytes);
// The average row length of a data file, from its first MiB (0 when unreadable or empty).
double AverageRowBytes(const std::string& path);

// Hands memory freed by a finished phase (the pre-train check, the first pass) back to the
// OS. glibc keeps freed small blocks in its arenas, so without this each phase's peak
// stayed resident under the next one's and the process peaked at their sum.
void ReleaseFreedMemory();
// Process-wide allocator policy for a trainops process (the CLI calls it first thing; a
// library caller's process keeps its own): freed blocks under 4 MiB stay in the heap for
// reuse, and up to 8 MiB free at the heap's top is kept. glibc's default gives every
// freed block of 128 KiB and more back to the OS, and training allocates and frees
// MB-sized weight arrays again and again (checkpoint snapshots, cross-fit folds,
// quantization): each came back as fresh pages, a fault per 4 KB (~10 us on a VM, with a
// TLB shootdown per unmap across threads). On a 1,000-row run this cut about a tenth of
// the wall time. Larger values (8 and 16 MiB, and up) let streamed training's peak grow
// with the rows (tests/scale/streaming_memory_test.py failed). Runs whose memory plan
// matters still give memory back where it says (ReleaseFreedMemory).
void ConfigureProcessMemory();
// A training run with fewer bytes of weights than this is small: the memory plan does not
// bind, so it keeps its freed memory for reuse and its best checkpoint in memory.
inline constexpr size_t kSmallRunWeightBytes = size_t{8} << 20;

// The process's peak resident memory so far (getrusage), MiB.
double PeakResidentMb();

}  // namespace trainops
