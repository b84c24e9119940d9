// The one inference path: text -> hashed n-grams -> TF-IDF vector -> logits -> calibrated
// probabilities -> rejection. `trainops predict`, eval, the gates, behavioural tests,
// training's validation scoring, the public Classifier and the server all end here, so a
// text gets the same label and confidence wherever it is scored.
//
// Thread-safety: pure functions of a const Model; the caller owns the Scratch (one per
// thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace trainops {

// What the model says about one text.
struct Decision {
  uint32_t top = 0;        // the best class (index into model labels)
  uint32_t second = 0;     // the runner-up (== top when the model has one label)
  float confidence = 0;    // calibrated probability of `top`
  float margin = 0;        // calibrated p(top) - p(second); 1 with one label
  float reject_score = 0;  // what the threshold is compared with (RejectScore, model.h)
  float coverage = 1;      // share of the text's n-gram weight the vocabulary knows
  // The text has no features at all (empty, only spaces): it is always rejected, since a
  // label chosen from the bias alone would look like an answer.
  bool empty = false;
  bool rejected = false;
  // After rejection: `top`, or the out-of-scope label, which may be num_labels() when the
  // model has no class for it (see LabelName).
  uint32_t label = 0;
  // Multi-label models: how many labels reach their threshold (ChosenLabels); `rejected` is
  // then "none of them" and `label` the most probable chosen one. 1 for single-label ones.
  uint32_t chosen = 1;
};

// The threshold a rejection compares with: `requested` < 0 means the model's stored one,
// 0 means off; always 0 when the model has no out-of-scope label to answer with.
float EffectiveThreshold(const Model& model, float requested);
inline bool BelowThreshold(float reject_score, float threshold) { return threshold > 0 && reject_score < threshold; }
// The index a rejected text is labelled with: the oos label's class, or num_labels().
uint32_t OosLabelIndex(const Model& model);
// The name of a Decision::label (the oos label for num_labels(); "" when it has none).
const std::string& LabelName(const Model& model, uint32_t label);

// From a text's raw logits (before temperature, as Model::Logits gives them) and its
// coverage. `probs` receives the calibrated probabilities; `work` is scratch.
// `threshold` as for EffectiveThreshold.
Decision Decide(const Model& model, const float* raw_logits, float coverage, float threshold,
                std::vector<float>& probs, std::vector<float>& work);

// Sets `rejected` and `label` from the decision's scores (and `empty`), as Decide does:
// for applying the model's rule to decisions made earlier with another threshold.
void ApplyRejection(const Model& model, float threshold, Decision& decision);

// Encode, Logits and Decide for one text; the calibrated probabilities are left in
// scratch.probs and the raw logits in scratch.logits.
Decision Classify(const Model& model, std::string_view text, Model::Scratch& scratch, float threshold = -1);

// Multi-label models: the labels whose calibrated probability (`probs`, as Decide leaves
// them) reaches their threshold, in label order. `threshold` < 0 means each label's stored
// one (ModelInfo::label_thresholds), >= 0 one threshold for every label. An empty text
// chooses none.
void ChosenLabels(const Model& model, const std::vector<float>& probs, float threshold, bool empty,
                  std::vector<uint32_t>& chosen);
// Whether label k's probability reaches the threshold (as ChosenLabels decides).
bool LabelChosen(const Model& model, size_t k, float probability, float threshold);
// Label k's stored threshold (ModelInfo::label_thresholds; 0.5 when the model has none).
float StoredLabelThreshold(const Model& model, size_t k);

// The k most probable classes, best first (ties: lower index first).
void TopK(const std::vector<float>& probs, size_t k, std::vector<uint32_t>& order);

}  // namespace trainops
