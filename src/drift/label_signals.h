// What the production model says about one unlabelled text, in the terms that decide
// whether a person should label it first (`trainops select`, docs/select.md): how unsure
// the model is (top-two margin of the calibrated probabilities), how far the text lies from
// the training data (feature coverage, share of words training never saw), and whether it
// was rejected as out of scope. Also the text's n-gram vector that diversity is measured
// with. Pure functions of a const Model; thread-safe with one Scratch per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace trainops {

struct LabelSignals {
  // Calibrated p(top) - p(second). Multi-label models: how far the label nearest its
  // threshold is from it, min_k |p_k - t_k| / max(t_k, 1 - t_k) (0: a label the model
  // cannot decide on; 1: every label surely in or out).
  float margin = 1;
  float coverage = 1;    // share of the text's n-gram weight the vocabulary knows
  double oov_rate = 0;   // share of word tokens not in ReferenceStats::train_words (0 without them)
  bool rejected = false;  // answered with the out-of-scope label (never, for multi-label models)
  std::string predicted;  // the model's answer after rejection (multi-label: the set's canonical text)
};

// Why a text is worth labelling (MainReason).
enum class LabelReason { kUncertain, kDrifted, kRejected, kRandom };

// How much labelling the text would teach, in [0, 1]:
//   kUncertaintyWeight * max(1 - margin, drift)   the model cannot decide (or cannot know)
// + kDriftWeight * drift                          drift = max(oov_rate, 1 - coverage): new to it
// + kRejectedWeight * rejected                    the model refused it
// Drift and uncertainty weigh the same, and a drifted text counts as uncertain whatever its
// margin; a rejection adds on top, since a refused text is usually both and its label is
// what an out-of-scope rule or a new intent needs.
inline constexpr double kUncertaintyWeight = 0.4;
inline constexpr double kDriftWeight = 0.4;
inline constexpr double kRejectedWeight = 0.2;
double Informativeness(const LabelSignals& s);
// The reason: rejected; else drifted when the drift term is at least this or larger than
// the uncertainty term; else uncertain.
inline constexpr double kDriftedReasonFloor = 0.5;
LabelReason MainReason(const LabelSignals& s);
// "uncertain: margin 0.03", "drifted: 45% unseen words", "rejected as out-of-scope".
std::string DescribeReason(LabelReason reason, const LabelSignals& s);

// A text's hashed word and character n-grams (the model's feature extractor, unseen ones
// included, so texts from a new domain are still told apart), weighted by IDF (an unseen
// n-gram gets the model's unseen-feature IDF, else the largest IDF) and L2-normalized.
// Sorted by id.
struct NgramVector {
  std::vector<uint32_t> ids;
  std::vector<float> weights;
};
double Cosine(const NgramVector& a, const NgramVector& b);

// Scores one text with the model (model/inference.h Classify: the same answer as
// `trainops predict`) and fills `vector`.
LabelSignals ScoreForLabeling(const Model& model, std::string_view text, Model::Scratch& scratch,
                              NgramVector& vector);

}  // namespace trainops
