#include "train/feature_space.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <fmt/format.h>

#include "common/error.h"
#include "common/parallel.h"

namespace trainops {

namespace {

// Every rank's counts merged: packed as id << 32 | count, gathered, summed per id.
std::vector<std::pair<uint32_t, uint64_t>> MergeAcrossRanks(World& world,
                                                            const std::vector<std::pair<uint32_t, uint64_t>>& local) {
  std::vector<uint64_t> packed;
  packed.reserve(local.size());
  for (const auto& [id, count] : local) packed.push_back(static_cast<uint64_t>(id) << 32 | count);
  std::vector<uint64_t> all = world.GatherVectors(packed);
  std::sort(all.begin(), all.end());
  std::vector<std::pair<uint32_t, uint64_t>> merged;
  for (uint64_t v : all) {
    const auto id = static_cast<uint32_t>(v >> 32);
    if (!merged.empty() && merged.back().first == id) merged.back().second += v & 0xFFFFFFFFull;
    else merged.emplace_back(id, v & 0xFFFFFFFFull);
  }
  return merged;
}

// At most this many feature ids per byte of text (char n-grams of three orders per
// character, plus word n-grams): only chooses the counting method, never the counts.
constexpr uint64_t kIdsPerTextByteBound = 8;

// The text's feature ids, each once (a text counts once towards a feature's frequency).
void DistinctIds(const FeatureExtractor& extractor, const std::string& text, std::vector<uint32_t>& ids) {
  extractor.Extract(text, ids);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace

std::vector<std::pair<uint32_t, uint64_t>> DocumentFrequenciesBySorting(const std::vector<std::string>& texts,
                                                                        int threads, const Model& model) {
  std::vector<std::vector<uint32_t>> per_thread(static_cast<size_t>(std::max(threads, 1)));
  ParallelFor(texts.size(), threads, [&](size_t thread, size_t begin, size_t end) {
    std::vector<uint32_t> ids;
    std::vector<uint32_t>& out = per_thread[thread];
    for (size_t i = begin; i < end; ++i) {
      DistinctIds(model.extractor, texts[i], ids);
      out.insert(out.end(), ids.begin(), ids.end());
    }
  });
  std::vector<uint32_t> all = std::move(per_thread[0]);
  for (size_t t = 1; t < per_thread.size(); ++t) all.insert(all.end(), per_thread[t].begin(), per_thread[t].end());
  std::sort(all.begin(), all.end());
  std::vector<std::pair<uint32_t, uint64_t>> counts;
  for (const uint32_t id : all) {
    if (!counts.empty() && counts.back().first == id) ++counts.back().second;
    else counts.emplace_back(id, 1);
  }
  return counts;
}

// Sums do not depend on the order the threads add them in.
std::vector<std::pair<uint32_t, uint64_t>> DocumentFrequenciesInHashSpace(const std::vector<std::string>& texts,
                                                                          int threads, const Model& model) {
  std::vector<uint32_t> df(model.extractor.config().buckets, 0);
  ParallelFor(texts.size(), threads, [&](size_t, size_t begin, size_t end) {
    std::vector<uint32_t> ids;
    for (size_t i = begin; i < end; ++i) {
      DistinctIds(model.extractor, texts[i], ids);
      for (const uint32_t id : ids) std::atomic_ref<uint32_t>(df[id]).fetch_add(1, std::memory_order_relaxed);
    }
  });
  return NonZeroCounts(df);
}

void BuildFeatureSpace(const std::vector<std::string>& texts, int min_count, int threads, Model& model,
                       World* world, const std::function<int64_t(uint64_t seen)>& max_features) {
  // Each text contributes its distinct ids once (document frequency). Large inputs count
  // in one array over the hash space (4 bytes a bucket): a list of every text's ids,
  // sorted, took 4 bytes per n-gram occurrence, 1.4 GB for two million messages. Small
  // inputs do the opposite: the array is 16 MB at the default 4M buckets, a page fault per
  // 4 KB (~12 us each on a VM: 50 ms, more than the rest of a 1,000-row run's counting),
  // while their id lists are a few hundred KB. Both give the same counts in id order.
  uint64_t text_bytes = 0;
  for (const auto& t : texts) text_bytes += t.size() + 1;
  const uint64_t buckets = model.extractor.config().buckets;
  std::vector<std::pair<uint32_t, uint64_t>> counts = text_bytes * kIdsPerTextByteBound < buckets / 4
                                                          ? DocumentFrequenciesBySorting(texts, threads, model)
                                                          : DocumentFrequenciesInHashSpace(texts, threads, model);
  uint64_t rows = texts.size();
  if (world && world->distributed()) {
    counts = MergeAcrossRanks(*world, counts);
    world->Sum(&rows, 1);
  }
  AssignFeatureSpace(counts, rows, min_count, max_features, model);
}

void BuildFeatureSpace(const std::vector<std::string>& texts, int min_count, int threads, Model& model, World* world,
                       int max_features) {
  BuildFeatureSpace(texts, min_count, threads, model, world, [max_features](uint64_t) { return max_features; });
}

void AssignFeatureSpace(const std::vector<std::pair<uint32_t, uint64_t>>& counts, uint64_t rows, int min_count,
                        const std::function<int64_t(uint64_t seen)>& cap, Model& model) {
  std::vector<std::pair<uint32_t, uint64_t>> chosen;
  for (const auto& c : counts) {
    if (c.second >= static_cast<uint64_t>(min_count)) chosen.push_back(c);
  }
  const int64_t max_features = cap ? cap(chosen.size()) : 0;
  if (max_features > 0 && chosen.size() > static_cast<size_t>(max_features)) {
    // The most frequent; among equals the smaller id, so the choice is deterministic.
    std::nth_element(chosen.begin(), chosen.begin() + max_features, chosen.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    chosen.resize(static_cast<size_t>(max_features));
    std::sort(chosen.begin(), chosen.end());
  }
  std::vector<uint32_t> kept;
  std::vector<float> idf;
  kept.reserve(chosen.size());
  idf.reserve(chosen.size());
  const double n = static_cast<double>(rows);
  for (const auto& [id, df] : chosen) {
    kept.push_back(id);
    // Smoothed IDF as in scikit-learn: ln((1 + n) / (1 + df)) + 1.
    idf.push_back(static_cast<float>(std::log((1.0 + n) / (1.0 + static_cast<double>(df))) + 1.0));
  }
  model.vocab.Assign(std::move(kept));
  model.idf = std::move(idf);
  model.info.unseen_feature_idf = static_cast<float>(std::log(1.0 + n) + 1.0);
}

EncodedData EncodeExamples(const Model& model, const std::vector<std::string>& texts,
                           const std::vector<uint32_t>& labels, int threads) {
  std::vector<SparseVector> encoded(texts.size());
  ParallelFor(texts.size(), threads, [&](size_t, size_t begin, size_t end) {
    Model::Scratch scratch;
    for (size_t i = begin; i < end; ++i) model.Encode(texts[i], scratch, encoded[i]);
  });
  EncodedData data;
  size_t total = 0;
  for (const auto& x : encoded) total += x.rows.size();
  data.rows.reserve(total);
  data.values.reserve(total);
  data.offsets.reserve(texts.size() + 1);
  data.coverage.reserve(texts.size());
  for (auto& x : encoded) {
    data.coverage.push_back(x.coverage);
    data.rows.insert(data.rows.end(), x.rows.begin(), x.rows.end());
    data.values.insert(data.values.end(), x.values.begin(), x.values.end());
    data.offsets.push_back(data.rows.size());
    SparseVector().rows.swap(x.rows);
  }
  data.labels = labels;
  return data;
}

EncodedData EncodeExamples(const Model& model, const std::vector<std::string>& texts,
                           const std::vector<uint32_t>& labels, const std::vector<float>& weights, int threads) {
  if (!weights.empty() && weights.size() != texts.size()) {
    throw InternalError(fmt::format("EncodeExamples: {} weights for {} texts", weights.size(), texts.size()));
  }
  EncodedData data = EncodeExamples(model, texts, labels, threads);
  data.weights = weights;
  return data;
}

void EncodedData::Clear(bool multi_label) {
  offsets.assign(1, 0);
  rows.clear();
  values.clear();
  labels.clear();
  coverage.clear();
  weights.clear();
  set_labels.clear();
  if (multi_label) {
    set_offsets.assign(1, 0);
  } else {
    set_offsets.clear();
  }
}

void EncodedData::SetLabelSets(const std::vector<std::vector<uint32_t>>& sets) {
  set_offsets.assign(1, 0);
  set_labels.clear();
  for (const auto& set : sets) {
    set_labels.insert(set_labels.end(), set.begin(), set.end());
    set_offsets.push_back(set_labels.size());
  }
}

}  // namespace trainops
