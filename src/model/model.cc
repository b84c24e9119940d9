#include "model/model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/error.h"
#include "common/vector_ops.h"

namespace trainops {

std::string_view RejectScoreName(RejectScore score) {
  return score == RejectScore::kCoverageProbability ? "coverage_probability" : "probability";
}

RejectScore ParseRejectScore(std::string_view name) {
  if (name == "probability") return RejectScore::kProbability;
  if (name == "coverage_probability") return RejectScore::kCoverageProbability;
  throw InputError(fmt::format("unknown reject_score \"{}\" (this trainops knows probability and "
                               "coverage_probability); the model was written by a newer trainops: upgrade",
                               name));
}

void EncodeFeatures(const std::vector<uint32_t>& ids, size_t first_block, const FeatureVocabulary& vocab,
                    const std::vector<float>& idf, std::vector<uint32_t>& row_counts, SparseVector& x,
                    float unseen_idf) {
  x.clear();
  if (row_counts.size() != vocab.size()) row_counts.assign(vocab.size(), 0);
  // Unseen n-grams are rare; their ids go to the front of a small sorted list to count tf.
  thread_local std::vector<uint32_t> unseen;
  unseen.clear();
  auto count = [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      const uint32_t row = vocab.Row(ids[k]);
      if (row == FeatureVocabulary::kMissing) {
        if (unseen_idf > 0) unseen.push_back(ids[k]);
        continue;
      }
      if (row_counts[row]++ == 0) x.rows.push_back(row);
    }
  };
  const size_t split = std::min(first_block, ids.size());
  count(0, split);
  const size_t first_rows = x.rows.size();  // x.rows of the first block (a row shared by both counts there)
  count(split, ids.size());
  // Sublinear TF (1 + ln tf) times IDF, L2-normalized: the weighting that makes linear
  // text classifiers robust to long, repetitive messages.
  double first_norm = 0, second_norm = 0;
  x.values.resize(x.rows.size());
  for (size_t i = 0; i < x.rows.size(); ++i) {
    const uint32_t row = x.rows[i];
    const uint32_t tf = row_counts[row];
    row_counts[row] = 0;
    const float value = (tf == 1 ? 1.0f : 1.0f + std::log(static_cast<float>(tf))) * idf[row];
    x.values[i] = value;
    (i < first_rows ? first_norm : second_norm) += static_cast<double>(value) * value;
  }
  const double norm = first_norm + second_norm;
  if (first_norm > 0 && second_norm > 0) {
    const float first_scale = static_cast<float>(std::sqrt(0.5 / first_norm));
    const float second_scale = static_cast<float>(std::sqrt(0.5 / second_norm));
    for (size_t i = 0; i < x.values.size(); ++i) x.values[i] *= i < first_rows ? first_scale : second_scale;
  } else if (norm > 0) {
    float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& v : x.values) v *= inv;
  }
  if (!unseen.empty()) {
    std::sort(unseen.begin(), unseen.end());
    double unseen_norm = 0;
    for (size_t i = 0; i < unseen.size();) {
      size_t j = i + 1;
      while (j < unseen.size() && unseen[j] == unseen[i]) ++j;
      const double w = (j - i == 1 ? 1.0 : 1.0 + std::log(static_cast<double>(j - i))) * unseen_idf;
      unseen_norm += w * w;
      i = j;
    }
    x.coverage = static_cast<float>(std::sqrt(norm / (norm + unseen_norm)));
  }
}

void Model::Encode(std::string_view text, Scratch& scratch, SparseVector& x) const {
  const size_t word_ids = extractor.Extract(text, scratch.ids);
  EncodeFeatures(scratch.ids, info.features.block_norm ? word_ids : scratch.ids.size(), vocab, idf,
                 scratch.row_counts, x, info.unseen_feature_idf);
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

void Model::CalibratedSigmoids(std::vector<float>& values) const {
  const bool calibrated = info.calibration_scale.size() == values.size();
  for (size_t k = 0; k < values.size(); ++k) {
    const float z = calibrated ? info.calibration_scale[k] * values[k] + info.calibration_offset[k] : values[k];
    values[k] = 1.0f / (1.0f + std::exp(-z));
  }
}

float Model::RejectionScore(const float* raw_logits, float coverage, std::vector<float>& work) const {
  const size_t labels = num_labels();
  if (labels == 0) return 0;
  // kProbability: the calibrated confidence. kCoverageProbability: at temperature 1, whose
  // softer probabilities separated out-of-scope texts better than the calibration
  // temperature (fitted on in-scope rows only) on CLINC150 (docs/evaluation.md).
  const bool scaled = info.reject_score == RejectScore::kCoverageProbability;
  const float c = scaled ? coverage : 1.0f;
  work.resize(labels);
  for (size_t k = 0; k < labels; ++k) work[k] = bias[k] + c * (raw_logits[k] - bias[k]);
  Softmax(work, scaled ? 1.0f : info.temperature);
  return *std::max_element(work.begin(), work.end());
}

}  // namespace trainops
