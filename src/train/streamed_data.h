// The first pass of a streamed training run (docs/scale.md): reads the training file once,
// row by row, and leaves behind what the epochs need without ever holding the file:
// - the row cache (train/row_cache.h) of this rank's training rows, featurized;
// - the vocabulary and IDF (model.vocab, model.idf), from document frequencies counted
//   in a dense array over the hash space (model.buckets), so the count's memory is fixed by
//   the model's settings whatever the number of rows; merged over the ranks;
// - the validation rows, in memory: the validation file, or (without one) a seeded
//   per-row draw of training.validation_split of the rows, at most kMaxValidationRows;
// - the training words for drift monitoring's reference statistics (a uniform sample by
//   hash when there are more distinct words than kMaxReferenceWords).
// Data-parallel, each rank reads only its byte range of the file (data/file_shards.h; rank
// 0 finds the record starts with one read of the file), carves its share of validation rows
// (all ranks then hold all of them), and the label set and the feature counts are merged
// over the ranks before the first epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <filesystem>
#include <vector>

#include "model/model.h"
#include "model/reference_stats.h"
#include "task/task_spec.h"
#include "train/hyperparameters.h"
#include "train/row_cache.h"
#include "train/training_data.h"
#include "train/world.h"

namespace trainops {

struct StreamedTrainingData {
  static constexpr uint64_t kMaxValidationRows = 50000;
  static constexpr size_t kMaxReferenceWords = size_t{1} << 20;
  static constexpr size_t kMaxListedProblems = 1000;

  // labels, validation_labels, validation (in memory), lineage and the first
  // kMaxListedProblems skipped rows; `train` stays empty.
  TrainingData data;
  RowCacheIndex cache;
  std::vector<uint32_t> label_remap;  // cache label number -> index into data.labels
  // Multi-label runs (label_remap then empty): the cache's label number is a label set's
  // canonical text; its sorted indices into data.labels.
  std::vector<std::vector<uint32_t>> set_remap;
  uint64_t rows = 0;                  // this rank's training rows
  uint64_t total_rows = 0;            // every rank's
  uint64_t skipped_rows = 0;
  double features_per_row = 0;        // distinct hashed ids per row, on average
  WordFilter train_words;             // rank 0's training rows' words
  bool words_sampled = false;
  bool validation_capped = false;
};

// The feature cap for a run of `labels` labels with `seen` candidate n-grams (0 = none);
// empty: model.max_features.
using FeatureCap = std::function<int64_t(size_t labels, uint64_t seen)>;

// `model` must have its extractor set; gets vocab, idf and unseen_feature_idf. The cache
// is written to `cache_path` (its folder must exist). `fingerprints` is the lineage the
// caller already fingerprinted the files into ({"train": {"fingerprint": ...}, and
// "validation" when there is a file}): hashing a file larger than memory twice is a
// second full read. Throws InputError for bad data with file:line, as LoadTrainingData does.
StreamedTrainingData StreamTrainingData(const TaskSpec& spec, const nlohmann::json& fingerprints,
                                        const std::filesystem::path& cache_path, int threads, World& world,
                                        Model& model, const FeatureCap& feature_cap = {});

}  // namespace trainops
