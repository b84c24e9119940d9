// Turns texts into the sparse TF-IDF rows the trainer consumes: feature extraction for
// every training text (in parallel), the vocabulary of features seen in at least
// min_count texts, their IDF, and a compact CSR encoding of any example set.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "model/model.h"
#include "train/world.h"

namespace trainops {

// Compressed sparse rows: example i has features rows[offsets[i]..offsets[i+1]).
struct EncodedData {
  std::vector<uint64_t> offsets{0};
  std::vector<uint32_t> rows;
  std::vector<float> values;
  std::vector<uint32_t> labels;  // label index per example (may be >= model labels: unknown)
  std::vector<float> coverage;   // SparseVector::coverage per example
  // Importance weight per example (data.weight_column); empty when every one is 1, which
  // the optimizer treats exactly as an unweighted run.
  std::vector<float> weights;
  // Multi-label data: example i's labels are set_labels[set_offsets[i]..set_offsets[i+1])
  // (sorted; `labels` then holds kNoSingleLabel). Both empty for single-label data.
  std::vector<uint64_t> set_offsets;
  std::vector<uint32_t> set_labels;
  size_t size() const { return labels.size(); }
  float weight(size_t i) const { return weights.empty() ? 1.0f : weights[i]; }
  bool multi_label() const { return !set_offsets.empty(); }
  // Stores the sets of a multi-label example list (one per example, sorted).
  void SetLabelSets(const std::vector<std::vector<uint32_t>>& sets);
  // No examples (label sets kept for multi_label), every buffer keeping its capacity, so a
  // refill maps no fresh memory.
  void Clear(bool multi_label);
};

// Fills model.vocab, model.idf and model.info.unseen_feature_idf (the IDF an n-gram in
// no training text would get) from the training texts (model.extractor must be set).
// Distributed (`world` with several ranks; collective), each rank gives its own rows and
// every rank gets the same vocabulary and IDF, from document frequencies summed over all
// ranks' rows: the features are agreed on before the first update.
// `max_features` > 0 keeps only that many, the most frequent (AssignFeatureSpace).
void BuildFeatureSpace(const std::vector<std::string>& texts, int min_count, int threads,
                       Model& model, World* world = nullptr, int max_features = 0);
// The same with the cap decided once the number of candidates is known (the memory plan).
void BuildFeatureSpace(const std::vector<std::string>& texts, int min_count, int threads, Model& model,
                       World* world, const std::function<int64_t(uint64_t seen)>& max_features);

// Document frequencies of the extracted features (id, texts containing it; sorted by id),
// two ways with the same result: every text's distinct ids sorted and counted (memory
// proportional to the texts; BuildFeatureSpace's choice for small inputs), or one counter
// per bucket of the hash space (memory proportional to the buckets; large inputs).
std::vector<std::pair<uint32_t, uint64_t>> DocumentFrequenciesBySorting(const std::vector<std::string>& texts,
                                                                        int threads, const Model& model);
std::vector<std::pair<uint32_t, uint64_t>> DocumentFrequenciesInHashSpace(const std::vector<std::string>& texts,
                                                                          int threads, const Model& model);

// The vocabulary and IDF from document frequencies (id, texts containing it; sorted by
// id) over `rows` texts: the ids seen in at least min_count texts, at most
// max_features(how many those are) of them (> 0; 0 = all), the most frequent, ties to the
// smaller id.
void AssignFeatureSpace(const std::vector<std::pair<uint32_t, uint64_t>>& counts, uint64_t rows, int min_count,
                        const std::function<int64_t(uint64_t seen)>& max_features, Model& model);

// (id, count) for every id with a non-zero count in a dense array of document
// frequencies over the hash space, in id order: AssignFeatureSpace's input.
template <typename Count>
std::vector<std::pair<uint32_t, uint64_t>> NonZeroCounts(const std::vector<Count>& df) {
  std::vector<std::pair<uint32_t, uint64_t>> counts;
  for (size_t id = 0; id < df.size(); ++id) {
    if (df[id]) counts.emplace_back(static_cast<uint32_t>(id), df[id]);
  }
  return counts;
}

// Encodes texts with the model's features; labels copied as given.
EncodedData EncodeExamples(const Model& model, const std::vector<std::string>& texts,
                           const std::vector<uint32_t>& labels, int threads);
// The same with per-example weights (copied as given: empty, or one per text).
EncodedData EncodeExamples(const Model& model, const std::vector<std::string>& texts,
                           const std::vector<uint32_t>& labels, const std::vector<float>& weights, int threads);

}  // namespace trainops
