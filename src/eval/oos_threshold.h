// Chooses the confidence below which a model answers "out of scope", from validation
// predictions, by one of three stated rules:
//   balanced          maximize (in-scope accuracy + out-of-scope recall) / 2, as the
//                     CLINC150 paper (Larson et al. 2019) tunes its thresholds;
//   accuracy_drop     the highest threshold that keeps in-scope accuracy within
//                     `max_accuracy_drop` (default 0.02) of its value without rejection;
//   target_oos_recall the lowest threshold whose out-of-scope recall reaches the target.
// "auto" picks balanced when validation has out-of-scope rows and accuracy_drop when not.
// Thresholds are midpoints between neighbouring confidences, so a row's fate does not hinge
// on float equality. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

struct ThresholdRule {
  enum class Kind { kAuto, kBalanced, kAccuracyDrop, kTargetOosRecall };
  Kind kind = Kind::kAuto;
  double max_accuracy_drop = 0.02;
  double target_oos_recall = 0.9;
  std::string ToString() const;
  // "auto" | "balanced" | "accuracy_drop" | "target_oos_recall"; throws InputError.
  static Kind ParseKind(std::string_view name);
};

struct ThresholdChoice {
  float threshold = 0;
  std::string rule;       // the rule actually applied
  std::string rationale;  // one sentence a reviewer can check
  double in_scope_accuracy = 0;             // on validation, at the threshold
  double in_scope_accuracy_no_reject = 0;   // on validation, threshold 0
  double oos_recall = 0;                    // NaN-free: 0 when there are no oos rows
  uint64_t in_scope_rows = 0, oos_rows = 0;
  nlohmann::json ToJson() const;
};

// predicted[i]: the model's top class; confidence[i]: its calibrated probability;
// gold[i]: the true label index. Rows with gold == oos_index are out of scope; a predicted
// class equal to oos_index (out-of-scope trained as a class) counts as out of scope too.
// oos_index nullopt: there are no out-of-scope rows.
ThresholdChoice ChooseRejectThreshold(const std::vector<uint32_t>& predicted,
                                      const std::vector<float>& confidence,
                                      const std::vector<uint32_t>& gold,
                                      std::optional<uint32_t> oos_index, const ThresholdRule& rule);

}  // namespace trainops
