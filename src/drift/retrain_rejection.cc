#include "drift/retrain_rejection.h"

#include <algorithm>

namespace trainops::drift {

nlohmann::json RejectionDrop::ToJson() const {
  return {{"max_accuracy_drop", max_accuracy_drop},
          {"oos_share", {{"estimate", oos_share},
                         {"oos_rows", oos_rows},
                         {"sample_rows", sample_rows},
                         {"ranked_rows_left_out", ranked_rows},
                         {"window_rows_left_out", window_rows},
                         {"method", "(oos_rows + 1) / (sample_rows + 2): the mean under a uniform prior"}}}};
}

RejectionDrop RejectionDropFromFeedback(const std::vector<LabelledMessage>& feedback, const std::string& oos_label,
                                        const std::set<std::string>& ranked_texts,
                                        const std::set<std::string>& window_keys, double cap) {
  RejectionDrop out;
  for (const LabelledMessage& f : feedback) {
    if (window_keys.count(f.row_key)) {
      ++out.window_rows;
      continue;
    }
    if (ranked_texts.count(f.text)) {
      ++out.ranked_rows;
      continue;
    }
    ++out.sample_rows;
    out.oos_rows += f.label == oos_label;
  }
  out.oos_share = (static_cast<double>(out.oos_rows) + 1) / (static_cast<double>(out.sample_rows) + 2);
  out.max_accuracy_drop = std::min(cap, out.oos_share);
  return out;
}

}  // namespace trainops::drift
