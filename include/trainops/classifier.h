// trainops/classifier.h: a trained model, loaded for classifying texts.
//
// A Classifier is immutable once loaded. It is shared through
// std::shared_ptr<const Classifier>: a server swapping models hands the new pointer to new
// requests while requests already running keep the old one alive until they finish.
//
// Thread-safety: every method is const and safe to call from any number of threads at
// once on the same Classifier. Classify keeps its working buffers per thread inside the
// library; callers pass nothing but the text.
//
// Classify is the same inference path `trainops predict`, `trainops eval`, the release
// gates and the behavioural tests use (encoding, logits, temperature, softmax and
// out-of-scope rejection are written once), so a text gets the same answer everywhere.
//
// Example:
//   auto clf = trainops::Classifier::Load("runs/r1/model.bin");
//   trainops::Prediction p = clf->Classify("my shoes are too small");
//   if (!p.rejected) route(p.label, p.confidence);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

// One class and its calibrated probability.
struct Alternative {
  std::string label;
  float confidence = 0;
};

struct Prediction {
  // The answer: the most probable class, or the model's out-of-scope label when the text
  // was rejected (as `trainops predict` writes it). "" only for a rejected text of a model
  // that has no out-of-scope label (an empty text).
  std::string label;
  // Calibrated probability of the most probable class. A rejected text keeps the
  // confidence of the class it refused; an empty text has 0.
  float confidence = 0;
  // Out-of-scope rejection applied: the rejection score was below the model's threshold,
  // or the text had nothing to classify (empty or only spaces).
  bool rejected = false;
  // The text had no features at all (empty, only spaces).
  bool empty = false;
  // What the threshold is compared with (docs/evaluation.md: the calibrated confidence, or
  // for newer models the coverage-scaled probability).
  float reject_score = 0;
  // Share of the text's n-gram weight the model's vocabulary knows (1 = all of it).
  float coverage = 1;
  // The most probable classes, best first, before rejection (top_k of them; the first is
  // the model's best class even when the text was rejected).
  std::vector<Alternative> alternatives;
  // Multi-label models (IsMultiLabel()): every label whose calibrated probability reaches
  // its threshold, in the model's label order, with that probability; empty when the text
  // has none of the intents (then `rejected` is true and `label` is ""). `label` and
  // `confidence` are the most probable chosen label. Empty for single-label models.
  std::vector<Alternative> labels;
};

struct ClassifyOptions {
  size_t top_k = 3;       // how many alternatives (at least 1; capped at the label count)
  float threshold = -1;   // rejection threshold: < 0 the model's own, 0 never reject
};

class Classifier {
 public:
  // Loads a model file written by `trainops train`. Throws trainops::InputError for a
  // missing or unreadable file, trainops::CorruptFileError for a truncated, corrupted or
  // foreign file (the message names the file and what is wrong).
  static std::shared_ptr<const Classifier> Load(const std::string& path);
  // The same from the bytes of a model file held in memory (a model that travelled in a
  // pickle, a database blob). `name` stands for the file in error messages and is what
  // Path() returns. Id() is the same as for the file with these bytes.
  static std::shared_ptr<const Classifier> FromBytes(std::string bytes, const std::string& name = "<memory>");

  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  Prediction Classify(std::string_view text) const;
  Prediction Classify(std::string_view text, const ClassifyOptions& options) const;
  // Classifies many texts on `threads` threads (0 = all cores); results in input order,
  // each equal to Classify(texts[i], options).
  std::vector<Prediction> ClassifyBatch(const std::vector<std::string>& texts, const ClassifyOptions& options = {},
                                        int threads = 0) const;

  // The classes the model can predict, in the model's order.
  const std::vector<std::string>& Labels() const;
  // The model's id: the hex XXH3-128 of the file's bytes, the same id the registry uses.
  const std::string& Id() const;
  // The task the model was trained for ("" for model files written before it was stored).
  const std::string& Task() const;
  // The out-of-scope label ("" = none) and the stored rejection threshold (0 = off).
  const std::string& OosLabel() const;
  float Threshold() const;
  // True for a multi-label model (task.multi_label): Prediction::labels holds the set.
  bool IsMultiLabel() const;
  const std::string& Path() const;
  // Settings and provenance stored with the weights: type, labels, features, calibration
  // temperature, training hyper-parameters, data fingerprints (docs/model_format.md).
  const nlohmann::json& Info() const;
  // Reference statistics of the held-out validation rows the model was selected on (label
  // prior, histograms of confidence, margin, coverage and text length, n-gram profile;
  // docs/model_format.md); null for model files written before they were stored.
  const nlohmann::json& ReferenceStats() const;

  struct Impl;  // internal

 private:
  explicit Classifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainops
