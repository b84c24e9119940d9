#include "model/model.h"

#include "common/vector_ops.h"

#include <algorithm>
#include <cmath>

namespace trainops {

void EncodeFeatures(const std::vector<uint32_t>& ids, const FeatureVocabulary& vocab,
                    const std::vector<float>& idf, std::vector<uint32_t>& row_counts, SparseVector& x) {
  x.clear();
  if (row_counts.size() != vocab.size()) row_counts.assign(vocab.size(), 0);
  for (uint32_t id : ids) {
    uint32_t row = vocab.Row(id);
    if (row == FeatureVocabulary::kMissing) continue;
    if (row_counts[row]++ == 0) x.rows.push_back(row);
  }
  // Sublinear TF (1 + ln tf) times IDF, L2-normalized: the weighting that makes linear
  // text classifiers robust to long, repetitive messages.
  double norm = 0;
  x.values.resize(x.rows.size());
  for (size_t i = 0; i < x.rows.size(); ++i) {
    const uint32_t row = x.rows[i];
    const uint32_t tf = row_counts[row];
    row_counts[row] = 0;
    const float value = (tf == 1 ? 1.0f : 1.0f + std::log(static_cast<float>(tf))) * idf[row];
    x.values[i] = value;
    norm += static_cast<double>(value) * value;
  }
  if (norm > 0) {
    float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& v : x.values) v *= inv;
  }
}

void Model::Encode(std::string_view text, Scratch& scratch, SparseVector& x) const {
  extractor.Extract(text, scratch.ids);
  EncodeFeatures(scratch.ids, vocab, idf, scratch.row_counts, x);
}

void Model::Logits(const uint32_t* rows, const float* values, size_t n,
                   std::vector<float>& hidden, std::vector<float>& logits) const {
  const size_t labels = num_labels();
  hidden.assign(dim, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    Axpy(values[i], &input[static_cast<size_t>(rows[i]) * dim], hidden.data(), dim);
  }
  if (info.type == ModelType::kLinear) {
    logits.resize(labels);
    for (size_t k = 0; k < labels; ++k) logits[k] = hidden[k] + bias[k];
    return;
  }
  logits.assign(bias.begin(), bias.end());
  for (uint32_t h = 0; h < dim; ++h) {
    Axpy(hidden[h], &output[static_cast<size_t>(h) * labels], logits.data(), labels);
  }
}

void Model::Softmax(std::vector<float>& values, float temperature) const {
  const float inv_t = 1.0f / temperature;
  float max_logit = *std::max_element(values.begin(), values.end());
  float sum = 0;
  for (float& v : values) {
    v = std::exp((v - max_logit) * inv_t);
    sum += v;
  }
  for (float& v : values) v /= sum;
}

void Model::PredictProba(std::string_view text, Scratch& scratch, std::vector<float>& probs) const {
  Encode(text, scratch, scratch.x);
  Logits(scratch.x, scratch.hidden, probs);
  Softmax(probs, info.temperature);
}

Model::Prediction Model::PredictTop(std::string_view text, Scratch& scratch) const {
  PredictProba(text, scratch, scratch.logits);
  auto best = std::max_element(scratch.logits.begin(), scratch.logits.end());
  return {static_cast<uint32_t>(best - scratch.logits.begin()), *best};
}

}  // namespace trainops
