#include "drift/label_signals.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/label_set.h"
#include "model/inference.h"

namespace trainops {

double Informativeness(const LabelSignals& s) {
  const double drift = std::max(s.oov_rate, 1.0 - std::clamp(static_cast<double>(s.coverage), 0.0, 1.0));
  // The margin of a text made of words the model never saw is no evidence of confidence
  // (a linear model can be sure about noise): in a drifted region the text counts as at
  // least as uncertain as it is new.
  const double uncertainty = std::max(1.0 - std::clamp(static_cast<double>(s.margin), 0.0, 1.0), drift);
  return kUncertaintyWeight * uncertainty + kDriftWeight * drift + kRejectedWeight * (s.rejected ? 1.0 : 0.0);
}

LabelReason MainReason(const LabelSignals& s) {
  if (s.rejected) return LabelReason::kRejected;
  const double uncertainty = 1.0 - s.margin;
  const double drift = std::max(s.oov_rate, 1.0 - static_cast<double>(s.coverage));
  // A text the model barely knows gets a near-prior answer, so a small margin there says
  // "new", not "borderline": from half unseen it is called drifted whatever the margin.
  return drift >= kDriftedReasonFloor || drift > uncertainty ? LabelReason::kDrifted : LabelReason::kUncertain;
}

std::string DescribeReason(LabelReason reason, const LabelSignals& s) {
  switch (reason) {
    case LabelReason::kRejected:
      return "rejected as out-of-scope";
    case LabelReason::kDrifted:
      // Name the measure that said so: unseen words when they dominate, else n-gram coverage.
      if (s.oov_rate >= 1.0 - s.coverage) return fmt::format("drifted: {:.0f}% unseen words", 100 * s.oov_rate);
      return fmt::format("drifted: feature coverage {:.2f}", s.coverage);
    case LabelReason::kUncertain:
      return fmt::format("uncertain: margin {:.2f}", s.margin);
    case LabelReason::kRandom:
      return "random (unbiased sample)";
  }
  return "";
}

double Cosine(const NgramVector& a, const NgramVector& b) {
  double dot = 0;
  size_t i = 0, j = 0;
  while (i < a.ids.size() && j < b.ids.size()) {
    if (a.ids[i] < b.ids[j]) {
      ++i;
    } else if (b.ids[j] < a.ids[i]) {
      ++j;
    } else {
      dot += static_cast<double>(a.weights[i++]) * b.weights[j++];
    }
  }
  return dot;
}

namespace {

// Sublinear TF times IDF over every n-gram of the text, as EncodeFeatures weighs the known
// ones, but keeping the unseen ones: two texts about a product the model never heard of
// share exactly those n-grams.
void BuildVector(const Model& model, std::vector<uint32_t> ids, NgramVector& v) {
  v.ids.clear();
  v.weights.clear();
  std::sort(ids.begin(), ids.end());
  float unseen_idf = model.info.unseen_feature_idf;
  if (unseen_idf <= 0) unseen_idf = model.idf.empty() ? 1.0f : *std::max_element(model.idf.begin(), model.idf.end());
  double norm = 0;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i + 1;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    const uint32_t row = model.vocab.Row(ids[i]);
    const float idf = row == FeatureVocabulary::kMissing ? unseen_idf : model.idf[row];
    const float w = (j - i == 1 ? 1.0f : 1.0f + std::log(static_cast<float>(j - i))) * idf;
    v.ids.push_back(ids[i]);
    v.weights.push_back(w);
    norm += static_cast<double>(w) * w;
    i = j;
  }
  if (norm > 0) {
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& w : v.weights) w *= inv;
  }
}

}  // namespace

LabelSignals ScoreForLabeling(const Model& model, std::string_view text, Model::Scratch& scratch,
                              NgramVector& vector) {
  const Decision d = Classify(model, text, scratch);
  LabelSignals s;
  s.margin = d.margin;
  s.coverage = d.coverage;
  s.rejected = d.rejected;
  s.predicted = LabelName(model, d.label);
  if (model.info.multi_label) {
    // A set is unsure where some label sits at its threshold; an empty set is an answer
    // ("none of the intents"), not a rejection.
    s.rejected = false;
    double nearest = 1;
    std::vector<std::string> chosen;
    for (size_t k = 0; k < model.num_labels(); ++k) {
      const double t = StoredLabelThreshold(model, k);
      const double p = scratch.probs[k];
      nearest = std::min(nearest, std::abs(p - t) / std::max(t, 1 - t));
      if (!d.empty && LabelChosen(model, k, scratch.probs[k], -1)) chosen.push_back(model.info.labels[k]);
    }
    s.margin = d.empty ? 0.0f : static_cast<float>(nearest);
    s.predicted = JoinLabelSet(chosen, model.info.label_separator);
  }
  if (model.reference_stats) s.oov_rate = CountOutOfVocabulary(text, model.reference_stats->train_words).Rate();
  BuildVector(model, scratch.ids, vector);  // Classify left the text's hashed ids in scratch.ids
  return s;
}

}  // namespace trainops
