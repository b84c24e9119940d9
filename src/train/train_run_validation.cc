// The validation-side steps of a training run (train_run_execute.cc): the shipped model's
// decisions on the validation rows, the out-of-scope threshold chosen on them, and the
// reference statistics drift monitoring compares traffic with.
#include <optional>

#include <fmt/format.h>

#include "common/error.h"
#include "eval/oos_threshold.h"
#include "model/inference.h"
#include "model/reference_stats.h"
#include "train/train_run_internal.h"
#include "train/validation_reference.h"

namespace trainops::train_internal {

// Sets the model's out-of-scope label (even when training has no such rows) and the
// threshold on its rejection score (RejectScore, model.h) below which it answers with it,
// chosen on validation by the spec's rule (eval/oos_threshold.h). Returns what run.json
// records (null without oos).
nlohmann::json ChooseRejection(const TaskSpec& spec, const TrainingData& data,
                               const std::vector<Decision>& decisions, Model& best) {
  best.info.oos_label = spec.oos_label;
  best.info.reject_threshold = 0;
  if (spec.oos_label.empty()) return nullptr;
  // The rule sees the decisions predict and eval make: the same top class and the same
  // rejection score (model/inference.h).
  std::vector<uint32_t> top(decisions.size());
  std::vector<float> confidence(decisions.size());
  for (size_t i = 0; i < decisions.size(); ++i) {
    top[i] = decisions[i].top;
    confidence[i] = decisions[i].reject_score;
  }
  std::optional<uint32_t> oos_index;
  const auto& names = data.validation_labels;
  if (auto it = std::find(names.begin(), names.end(), spec.oos_label); it != names.end()) {
    oos_index = static_cast<uint32_t>(it - names.begin());
  }
  ThresholdRule rule;
  rule.kind = ThresholdRule::ParseKind(spec.evaluation.threshold_rule);
  rule.target_oos_recall = spec.evaluation.target_oos_recall;
  rule.max_accuracy_drop = spec.evaluation.max_accuracy_drop;
  ThresholdChoice choice = ChooseRejectThreshold(top, confidence, data.validation.labels, oos_index, rule);
  best.info.reject_threshold = choice.threshold;
  nlohmann::json j = choice.ToJson();
  j["oos_label"] = spec.oos_label;
  j["score"] = RejectScoreName(best.info.reject_score);
  j["rationale"] = fmt::format("{} (score: {})", choice.rationale, RejectScoreName(best.info.reject_score));
  j["unseen_feature_idf"] = best.info.unseen_feature_idf;
  j["oos_label_is_class"] =
      std::find(best.info.labels.begin(), best.info.labels.end(), spec.oos_label) != best.info.labels.end();
  return j;
}

// The index (into validation_labels) of the declared out-of-scope label when only
// validation has it: the threshold-only set-up, where the model learns no class for it.
std::optional<uint32_t> ValidationOnlyOosLabel(const TaskSpec& spec, const TrainingData& data) {
  if (spec.oos_label.empty()) return std::nullopt;
  if (std::find(data.labels.begin(), data.labels.end(), spec.oos_label) != data.labels.end()) return std::nullopt;
  const auto& names = data.validation_labels;
  auto it = std::find(names.begin(), names.end(), spec.oos_label);
  if (it == names.end()) return std::nullopt;
  return static_cast<uint32_t>(it - names.begin());
}

EncodedData WithoutLabel(const EncodedData& all, uint32_t label) {
  EncodedData out;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all.labels[i] == label) continue;
    out.rows.insert(out.rows.end(), all.rows.begin() + static_cast<ptrdiff_t>(all.offsets[i]),
                    all.rows.begin() + static_cast<ptrdiff_t>(all.offsets[i + 1]));
    out.values.insert(out.values.end(), all.values.begin() + static_cast<ptrdiff_t>(all.offsets[i]),
                      all.values.begin() + static_cast<ptrdiff_t>(all.offsets[i + 1]));
    out.offsets.push_back(out.rows.size());
    out.labels.push_back(all.labels[i]);
    out.coverage.push_back(all.coverage[i]);
    if (!all.weights.empty()) out.weights.push_back(all.weights[i]);
  }
  return out;
}

// The shipped model's decisions on every validation row, before rejection (threshold 0):
// the rejection rule and the reference statistics both start from them.
std::vector<Decision> ValidationDecisions(const Model& best, const std::vector<float>& validation_logits,
                                          const std::vector<float>& validation_coverage) {
  const size_t n = best.num_labels();
  std::vector<Decision> decisions(validation_coverage.size());
  std::vector<float> probs, work;
  for (size_t i = 0; i < decisions.size(); ++i) {
    decisions[i] = Decide(best, &validation_logits[i * n], validation_coverage[i], /*threshold=*/0, probs, work);
  }
  return decisions;
}

// Statistics of all validation rows (out-of-scope ones included: traffic has them too) as
// the shipped model answers them, rejection applied.
ReferenceStats ValidationReferenceStats(const Model& best, const TrainingData& data, WordFilter train_words,
                                        const std::vector<Decision>& decisions) {
  std::vector<std::string> names = data.validation_labels;  // the model's labels first
  const std::string& oos = best.info.oos_label;
  if (!oos.empty() && std::find(names.begin(), names.end(), oos) == names.end()) names.push_back(oos);
  const uint32_t oos_index =
      oos.empty() ? 0 : static_cast<uint32_t>(std::find(names.begin(), names.end(), oos) - names.begin());
  const size_t n = best.num_labels();
  std::vector<ScoredText> scored(decisions.size());
  for (size_t i = 0; i < decisions.size(); ++i) {
    Decision d = decisions[i];
    ApplyRejection(best, /*threshold=*/-1, d);
    scored[i] = {d.label < n ? d.label : oos_index, d.confidence, d.margin, d.coverage};
  }
  return ComputeReferenceStats(std::move(names), std::move(train_words), data.validation.texts,
                               data.validation.labels, scored);
}

// The same for a multi-label model: each validation row's chosen set (each label's own
// threshold) against its gold set.
ReferenceStats MultiLabelReferenceStats(const Model& best, const TrainingData& data, WordFilter train_words,
                                        const std::vector<float>& validation_logits,
                                        const std::vector<float>& validation_coverage) {
  const size_t n = best.num_labels();
  std::vector<ScoredText> scored(validation_coverage.size());
  std::vector<std::vector<uint32_t>> chosen(validation_coverage.size());
  std::vector<float> probs, work;
  for (size_t i = 0; i < scored.size(); ++i) {
    const Decision d = Decide(best, &validation_logits[i * n], validation_coverage[i], /*threshold=*/-1, probs, work);
    ChosenLabels(best, probs, -1, d.empty, chosen[i]);
    scored[i] = {d.top, d.confidence, d.margin, d.coverage};
  }
  return ComputeMultiLabelReferenceStats(data.validation_labels, std::move(train_words), data.validation.texts,
                                         data.validation.label_sets, chosen, scored);
}

}  // namespace trainops::train_internal

namespace trainops {

ReferenceStats RecomputeReferenceStats(const Model& model, const TrainingData& data) {
  if (!model.reference_stats) throw InputError("the model has no reference statistics to recompute");
  if (data.multi_label) throw InputError("multi-label models keep their reference statistics");
  if (data.labels != model.info.labels) {
    throw InputError("the run's training data no longer has the model's labels; its validation rows cannot be rescored");
  }
  Model::Scratch scratch;
  std::vector<Decision> decisions(data.validation.texts.size());
  for (size_t i = 0; i < decisions.size(); ++i) {
    decisions[i] = Classify(model, data.validation.texts[i], scratch, /*threshold=*/0);
  }
  return train_internal::ValidationReferenceStats(model, data, model.reference_stats->train_words, decisions);
}

}  // namespace trainops
