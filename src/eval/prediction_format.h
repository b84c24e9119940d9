// Turns a Decision (model/inference.h) into the prediction CSV rows `trainops predict`
// writes: `label,confidence`, or with top-k `label_1,confidence_1,...,label_k,confidence_k`.
// A multi-label model writes `labels,confidences`: the chosen labels joined by its label
// separator ("" when none is chosen) and each one's calibrated probability joined the same
// way, then with top-k > 1 the best K labels by probability as above, chosen or not.
#pragma once

#include <string>
#include <vector>

#include "model/inference.h"

namespace trainops {

struct PredictSettings {
  int top_k = 1;
  // Rejection score below which the model's out-of-scope label is output; < 0 = the model's
  // stored threshold, 0 = never reject.
  float threshold = -1;
};

std::string PredictionCsvHeader(int top_k);
std::string PredictionCsvHeader(const Model& model, int top_k);
// How many columns a row has (a bad row's empty answer has as many).
size_t PredictionCsvColumns(const Model& model, int top_k);
// One CSV line (with "\n") for a text's decision and calibrated probabilities. The first
// label is the decision's (the oos label when rejected, keeping the confidence of the
// intent it refused; "" for an empty text of a model without an oos label, with confidence 0).
std::string PredictionCsvRow(const Model& model, const Decision& decision, const std::vector<float>& probs,
                             const PredictSettings& settings);

}  // namespace trainops
