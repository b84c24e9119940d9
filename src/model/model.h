// A trained text classifier: hashed n-gram features -> TF-IDF weighted sparse vector ->
// hidden vector h = sum_f x_f * input[f] -> logits. For the linear model h already is the
// logits (input rows have one weight per label); for the embedding model (fastText-style
// low-rank) h is a dim-sized text embedding and logits = output^T h. Both then add a bias,
// divide by the calibration temperature and take a softmax.
//
// Scoring a text goes through model/inference.h (Classify, Decide), the one path from text
// to decision that every caller shares.
//
// Thread-safety: a Model is read-only after loading; its methods are const and take a
// per-thread Scratch, so one model serves many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/feature_vocabulary.h"
#include "model/model_type.h"
#include "model/reference_stats.h"
#include "text/features.h"

namespace trainops {

// Sparse input: (row, value) pairs, rows unique, in order of first appearance in the text.
struct SparseVector {
  std::vector<uint32_t> rows;
  std::vector<float> values;
  // ||TF-IDF weights of the n-grams the vocabulary knows|| / ||weights of all the text's
  // n-grams||, unseen ones weighted by ModelInfo::unseen_feature_idf: 1 when every n-gram
  // is known (or the model does not track it), towards 0 when few are. `values` are
  // normalized over the known n-grams only, so without this a text the model barely
  // recognizes looks as familiar as any other.
  float coverage = 1.0f;
  void clear() {
    rows.clear();
    values.clear();
    coverage = 1.0f;
  }
};

// What the rejection threshold is compared with (ModelInfo::reject_score).
enum class RejectScore {
  // The calibrated probability of the top class: `confidence` (model files before
  // reject_score existed).
  kProbability,
  // The top probability (temperature 1) of the logits scaled to the text's feature
  // coverage, bias + coverage * (logits - bias): as if the vocabulary kept every n-gram
  // with zero weight. A text made mostly of n-grams training never saw moves towards the
  // label prior (out of scope) instead of keeping a confident top class.
  kCoverageProbability,
};
std::string_view RejectScoreName(RejectScore score);
RejectScore ParseRejectScore(std::string_view name);  // throws InputError

// Settings and provenance stored with the weights (JSON inside the model file).
struct ModelInfo {
  ModelType type = ModelType::kLinear;
  std::string task;  // the task spec's name ("" in files written before it was stored)
  std::vector<std::string> labels;
  FeatureConfig features;
  // How texts were turned into hashed feature ids (text/features.h). A model is only
  // meaningful under the scheme it was trained with, so loading refuses any other.
  int feature_scheme = kFeatureSchemeVersion;
  std::string unicode_version;  // of the normalizer at training time, for the record
  std::string text_column = "text";
  std::string label_column = "label";
  float temperature = 1.0f;       // softmax temperature fitted on validation
  float reject_threshold = 0.0f;  // reject score below which the oos label is output; 0 = off
  RejectScore reject_score = RejectScore::kProbability;  // new models: kCoverageProbability
  float unseen_feature_idf = 0.0f;  // IDF of an n-gram no training text had; 0 = coverage off
  std::string oos_label;          // "" = no out-of-scope label
  nlohmann::json training;        // hyper-parameters and run facts
  nlohmann::json lineage;         // data fingerprints (train, validation)
  // Multi-label (task.multi_label; docs/evaluation.md): an independent sigmoid per label
  // instead of a softmax. Label k's calibrated probability is
  // sigmoid(calibration_scale[k] * logit_k + calibration_offset[k]) (Platt scaling fitted on
  // validation) and the label is chosen when it reaches label_thresholds[k]; no label
  // chosen is the answer "none of the intents". All three have one entry per label. Such
  // files are written as artifact format version 2, which older readers refuse.
  bool multi_label = false;
  std::vector<float> calibration_scale, calibration_offset, label_thresholds;
  std::string label_separator = "|";  // data.label_separator: how a CSV cell joins a set
};

class Model {
 public:
  // Per-thread buffers so Predict can be const and allocation-free after warm-up.
  struct Scratch {
    std::vector<uint32_t> ids;
    std::vector<uint32_t> row_counts;  // per vocabulary row, all zero between calls
    SparseVector x;
    std::vector<float> hidden;
    std::vector<float> logits;  // raw (before temperature)
    std::vector<float> probs;   // calibrated
    std::vector<float> reject_probs;
  };

  ModelInfo info;
  FeatureExtractor extractor{FeatureConfig{}};
  FeatureVocabulary vocab;
  std::vector<float> idf;     // per vocabulary row
  uint32_t dim = 0;           // width of input rows: labels (linear) or embedding size
  std::vector<float> input;   // vocab.size() x dim
  std::vector<float> output;  // embedding only: dim x labels (row per hidden unit)
  std::vector<float> bias;    // labels
  // What the model was trained on, for drift monitoring (REFS section); empty when the file
  // has none (model files written before it).
  std::optional<ReferenceStats> reference_stats;

  size_t num_labels() const { return info.labels.size(); }

  // Text -> TF-IDF weighted, L2-normalized sparse vector over vocabulary rows.
  void Encode(std::string_view text, Scratch& scratch, SparseVector& x) const;
  // Raw logits (before temperature) for an encoded text.
  void Logits(const uint32_t* rows, const float* values, size_t n, std::vector<float>& hidden,
              std::vector<float>& logits) const;
  void Logits(const SparseVector& x, std::vector<float>& hidden, std::vector<float>& logits) const {
    Logits(x.rows.data(), x.values.data(), x.rows.size(), hidden, logits);
  }
  // The score compared with info.reject_threshold (see RejectScore), from a text's raw
  // logits and its coverage. `work` is scratch.
  float RejectionScore(const float* raw_logits, float coverage, std::vector<float>& work) const;
  // Probabilities from logits with this model's temperature (in place).
  void Softmax(std::vector<float>& logits_to_probs, float temperature) const;
  // Multi-label: each label's calibrated probability from its raw logit (in place).
  void CalibratedSigmoids(std::vector<float>& logits_to_probs) const;
};


// Hashed ids -> TF-IDF weighted, L2-normalized sparse vector. `row_counts` is scratch of
// vocab.size() zeros (left zeroed): counting in it is linear in the number of ids, where
// sorting them was the largest cost of predicting a long message.
// The first `first_block` ids (the word n-grams, FeatureExtractor::Extract's count) and
// the rest are normalized as two blocks, each to half of the squared norm, when both have
// a known n-gram; otherwise (first_block = ids.size(): FeatureConfig::block_norm off) the
// vector has one norm over all. Either way a non-empty vector has norm 1.
// `unseen_idf` > 0 also sets x.coverage (unseen n-grams weighted (1 + ln tf) * unseen_idf),
// from the weights before normalization, so it does not depend on the blocks.
void EncodeFeatures(const std::vector<uint32_t>& ids, size_t first_block, const FeatureVocabulary& vocab,
                    const std::vector<float>& idf, std::vector<uint32_t>& row_counts, SparseVector& x,
                    float unseen_idf = 0.0f);

}  // namespace trainops
