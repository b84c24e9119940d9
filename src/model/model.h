// A trained text classifier: hashed n-gram features -> TF-IDF weighted sparse vector ->
// hidden vector h = sum_f x_f * input[f] -> logits. For the linear model h already is the
// logits (input rows have one weight per label); for the embedding model (fastText-style
// low-rank) h is a dim-sized text embedding and logits = output^T h. Both then add a bias,
// divide by the calibration temperature and take a softmax.
//
// Thread-safety: a Model is read-only after loading; Predict is const and takes a
// per-thread Scratch, so one model serves many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/feature_vocabulary.h"
#include "task/task_spec.h"
#include "text/features.h"

namespace trainops {

// Sparse input: (row, value) pairs, rows unique, in order of first appearance in the text.
struct SparseVector {
  std::vector<uint32_t> rows;
  std::vector<float> values;
  void clear() {
    rows.clear();
    values.clear();
  }
};

// Settings and provenance stored with the weights (JSON inside the model file).
struct ModelInfo {
  ModelType type = ModelType::kLinear;
  std::vector<std::string> labels;
  FeatureConfig features;
  std::string text_column = "text";
  std::string label_column = "label";
  float temperature = 1.0f;       // softmax temperature fitted on validation
  float reject_threshold = 0.0f;  // confidence below which the oos label is output; 0 = off
  std::string oos_label;          // "" = no out-of-scope label
  nlohmann::json training;        // hyper-parameters and run facts
  nlohmann::json lineage;         // data fingerprints (train, validation)
};

class Model {
 public:
  // Per-thread buffers so Predict can be const and allocation-free after warm-up.
  struct Scratch {
    std::vector<uint32_t> ids;
    std::vector<uint32_t> row_counts;  // per vocabulary row, all zero between calls
    SparseVector x;
    std::vector<float> hidden;
    std::vector<float> logits;
  };

  struct Prediction {
    uint32_t label = 0;
    float confidence = 0;
  };

  ModelInfo info;
  FeatureExtractor extractor{FeatureConfig{}};
  FeatureVocabulary vocab;
  std::vector<float> idf;     // per vocabulary row
  uint32_t dim = 0;           // width of input rows: labels (linear) or embedding size
  std::vector<float> input;   // vocab.size() x dim
  std::vector<float> output;  // embedding only: dim x labels (row per hidden unit)
  std::vector<float> bias;    // labels

  size_t num_labels() const { return info.labels.size(); }

  // Text -> TF-IDF weighted, L2-normalized sparse vector over vocabulary rows.
  void Encode(std::string_view text, Scratch& scratch, SparseVector& x) const;
  // Raw logits (before temperature) for an encoded text.
  void Logits(const uint32_t* rows, const float* values, size_t n, std::vector<float>& hidden,
              std::vector<float>& logits) const;
  void Logits(const SparseVector& x, std::vector<float>& hidden, std::vector<float>& logits) const {
    Logits(x.rows.data(), x.values.data(), x.rows.size(), hidden, logits);
  }
  // Calibrated probabilities for a text (size num_labels()).
  void PredictProba(std::string_view text, Scratch& scratch, std::vector<float>& probs) const;
  // Probabilities from logits with this model's temperature (in place).
  void Softmax(std::vector<float>& logits_to_probs, float temperature) const;
  // Top label with confidence (no rejection).
  Prediction PredictTop(std::string_view text, Scratch& scratch) const;
};

// Hashed ids -> TF-IDF weighted, L2-normalized sparse vector. `row_counts` is scratch of
// vocab.size() zeros (left zeroed): counting in it is linear in the number of ids, where
// sorting them was the largest cost of predicting a long message.
void EncodeFeatures(const std::vector<uint32_t>& ids, const FeatureVocabulary& vocab,
                    const std::vector<float>& idf, std::vector<uint32_t>& row_counts, SparseVector& x);

}  // namespace trainops
