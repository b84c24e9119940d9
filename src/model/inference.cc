#include "model/inference.h"

#include <algorithm>
#include <numeric>

namespace trainops {

float EffectiveThreshold(const Model& model, float requested) {
  if (model.info.oos_label.empty()) return 0;
  return requested < 0 ? model.info.reject_threshold : requested;
}

uint32_t OosLabelIndex(const Model& model) {
  const auto& labels = model.info.labels;
  return static_cast<uint32_t>(std::find(labels.begin(), labels.end(), model.info.oos_label) - labels.begin());
}

const std::string& LabelName(const Model& model, uint32_t label) {
  return label < model.info.labels.size() ? model.info.labels[label] : model.info.oos_label;
}

namespace {

// The best and second-best class of `probs` (ties: the lower index), their confidence and
// margin.
void SetTopTwo(const std::vector<float>& probs, Decision& d) {
  const auto n = static_cast<uint32_t>(probs.size());
  uint32_t top = 0, second = n > 1 ? 1 : 0;
  if (n > 1 && probs[1] > probs[0]) std::swap(top, second);
  for (uint32_t k = 2; k < n; ++k) {
    if (probs[k] > probs[top]) {
      second = top;
      top = k;
    } else if (probs[k] > probs[second]) {
      second = k;
    }
  }
  d.top = top;
  d.second = second;
  d.confidence = probs[top];
  d.margin = top == second ? 1.0f : probs[top] - probs[second];
}

// Sigmoids instead of a softmax: the top label is the most probable one, and the text is
// "rejected" (none of the intents) when no label reaches its threshold.
Decision DecideMultiLabel(const Model& model, const float* raw_logits, float coverage, float threshold,
                          std::vector<float>& probs) {
  Decision d;
  const size_t n = model.num_labels();
  d.coverage = coverage;
  probs.assign(raw_logits, raw_logits + n);
  model.CalibratedSigmoids(probs);
  SetTopTwo(probs, d);
  d.reject_score = d.confidence;
  d.chosen = 0;
  uint32_t best_chosen = d.top;
  for (uint32_t k = 0; k < n; ++k) {
    if (!LabelChosen(model, k, probs[k], threshold)) continue;
    if (d.chosen == 0 || probs[k] > probs[best_chosen]) best_chosen = k;
    ++d.chosen;
  }
  d.rejected = d.chosen == 0;
  d.label = d.rejected ? static_cast<uint32_t>(n) : best_chosen;
  return d;
}

}  // namespace

float StoredLabelThreshold(const Model& model, size_t k) {
  const auto& stored = model.info.label_thresholds;
  return k < stored.size() ? stored[k] : 0.5f;
}

bool LabelChosen(const Model& model, size_t k, float probability, float threshold) {
  return probability >= (threshold >= 0 ? threshold : StoredLabelThreshold(model, k));
}

void ChosenLabels(const Model& model, const std::vector<float>& probs, float threshold, bool empty,
                  std::vector<uint32_t>& chosen) {
  chosen.clear();
  if (empty) return;
  for (uint32_t k = 0; k < probs.size(); ++k) {
    if (LabelChosen(model, k, probs[k], threshold)) chosen.push_back(k);
  }
}

Decision Decide(const Model& model, const float* raw_logits, float coverage, float threshold,
                std::vector<float>& probs, std::vector<float>& work) {
  Decision d;
  const size_t n = model.num_labels();
  d.coverage = coverage;
  if (n == 0) return d;
  if (model.info.multi_label) return DecideMultiLabel(model, raw_logits, coverage, threshold, probs);
  const bool coverage_score = model.info.reject_score == RejectScore::kCoverageProbability;
  if (coverage_score) d.reject_score = model.RejectionScore(raw_logits, coverage, work);
  probs.assign(raw_logits, raw_logits + n);
  model.Softmax(probs, model.info.temperature);
  SetTopTwo(probs, d);
  if (!coverage_score) d.reject_score = d.confidence;
  ApplyRejection(model, threshold, d);
  return d;
}

void ApplyRejection(const Model& model, float threshold, Decision& d) {
  if (model.info.multi_label) {
    // The choice was made in Decide with its threshold; an empty text chooses nothing.
    if (d.empty) d.chosen = 0;
    d.rejected = d.chosen == 0;
    if (d.rejected) d.label = static_cast<uint32_t>(model.num_labels());
    return;
  }
  d.rejected = d.empty || BelowThreshold(d.reject_score, EffectiveThreshold(model, threshold));
  d.label = d.rejected ? OosLabelIndex(model) : d.top;
}

Decision Classify(const Model& model, std::string_view text, Model::Scratch& scratch, float threshold) {
  model.Encode(text, scratch, scratch.x);
  model.Logits(scratch.x, scratch.hidden, scratch.logits);
  Decision d = Decide(model, scratch.logits.data(), scratch.x.coverage, threshold, scratch.probs, scratch.reject_probs);
  if (scratch.ids.empty()) {
    d.empty = true;
    ApplyRejection(model, threshold, d);
  }
  return d;
}

void TopK(const std::vector<float>& probs, size_t k, std::vector<uint32_t>& order) {
  k = std::min(k, probs.size());
  order.resize(probs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](uint32_t a, uint32_t b) { return probs[a] > probs[b] || (probs[a] == probs[b] && a < b); });
  order.resize(k);
}

}  // namespace trainops
