#include "train/feature_space.h"

#include <algorithm>
#include <cmath>

#include "common/parallel.h"

namespace trainops {

void BuildFeatureSpace(const std::vector<std::string>& texts, int min_count, int threads,
                       Model& model) {
  // Each text contributes its distinct ids once (document frequency). Sorting one big
  // array keeps the result independent of thread count and hash-map iteration order.
  std::vector<std::vector<uint32_t>> per_thread(static_cast<size_t>(std::max(1, threads)));
  ParallelFor(texts.size(), threads, [&](size_t t, size_t begin, size_t end) {
    std::vector<uint32_t> ids;
    auto& out = per_thread[t];
    for (size_t i = begin; i < end; ++i) {
      model.extractor.Extract(texts[i], ids);
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      out.insert(out.end(), ids.begin(), ids.end());
    }
  });
  std::vector<uint32_t> all;
  for (auto& part : per_thread) {
    all.insert(all.end(), part.begin(), part.end());
    std::vector<uint32_t>().swap(part);
  }
  std::sort(all.begin(), all.end());
  std::vector<uint32_t> kept;
  std::vector<float> idf;
  const double n = static_cast<double>(texts.size());
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    size_t df = j - i;
    if (df >= static_cast<size_t>(min_count)) {
      kept.push_back(all[i]);
      // Smoothed IDF as in scikit-learn: ln((1 + n) / (1 + df)) + 1.
      idf.push_back(static_cast<float>(std::log((1.0 + n) / (1.0 + static_cast<double>(df))) + 1.0));
    }
    i = j;
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

}  // namespace trainops
