// Turns probabilities into the prediction CSV rows `trainops predict` writes:
// `label,confidence`, or with top-k `label_1,confidence_1,...,label_k,confidence_k`.
#pragma once

#include <string>
#include <vector>

#include "model/model.h"

namespace trainops {

struct PredictSettings {
  int top_k = 1;
  // Rejection score below which the model's out-of-scope label is output; < 0 = the model's
  // stored threshold, 0 = never reject.
  float threshold = -1;
};

std::string PredictionCsvHeader(int top_k);
// One CSV line (with "\n") for a text's probabilities; `reject_score` is what the
// threshold is compared with (Model::Scratch::reject_score after PredictProba).
std::string PredictionCsvRow(const Model& model, const std::vector<float>& probs, float reject_score,
                             const PredictSettings& settings);

// The label index to report for a top prediction after rejection (when `reject_score` is
// below the threshold), and whether rejected.
// When the model has no class for its oos label (out-of-scope rows were not in training),
// a rejected prediction returns model.num_labels(), which LabelName maps to the oos label.
uint32_t ApplyRejection(const Model& model, uint32_t label, float reject_score, float threshold,
                        bool* rejected);
// The name for a label index from ApplyRejection.
const std::string& LabelName(const Model& model, uint32_t label);

}  // namespace trainops
