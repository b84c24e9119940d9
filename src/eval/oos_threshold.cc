#include "eval/oos_threshold.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"

namespace trainops {

std::string ThresholdRule::ToString() const {
  switch (kind) {
    case Kind::kAuto: return "auto";
    case Kind::kBalanced: return "balanced";
    case Kind::kAccuracyDrop: return "accuracy_drop";
    case Kind::kTargetOosRecall: return "target_oos_recall";
  }
  return "?";
}

ThresholdRule::Kind ThresholdRule::ParseKind(std::string_view name) {
  if (name == "auto") return Kind::kAuto;
  if (name == "balanced") return Kind::kBalanced;
  if (name == "accuracy_drop") return Kind::kAccuracyDrop;
  if (name == "target_oos_recall") return Kind::kTargetOosRecall;
  throw InputError(fmt::format(
      "unknown threshold rule \"{}\"{}; use auto, balanced, accuracy_drop or target_oos_recall", name,
      DidYouMean(name, {"auto", "balanced", "accuracy_drop", "target_oos_recall"})));
}

nlohmann::json ThresholdChoice::ToJson() const {
  return {{"threshold", threshold},
          {"rule", rule},
          {"rationale", rationale},
          {"validation_in_scope_accuracy", in_scope_accuracy},
          {"validation_in_scope_accuracy_without_rejection", in_scope_accuracy_no_reject},
          {"validation_oos_recall", oos_recall},
          {"validation_in_scope_rows", in_scope_rows},
          {"validation_oos_rows", oos_rows}};
}

ThresholdChoice ChooseRejectThreshold(const std::vector<uint32_t>& predicted,
                                      const std::vector<float>& confidence,
                                      const std::vector<uint32_t>& gold,
                                      std::optional<uint32_t> oos_index, const ThresholdRule& rule) {
  const size_t n = gold.size();
  auto is_oos = [&](size_t i) { return oos_index && gold[i] == *oos_index; };
  auto said_oos = [&](size_t i) { return oos_index && predicted[i] == *oos_index; };
  // Counts at threshold 0, then each row crossing below the threshold changes them.
  uint64_t in_rows = 0, oos_rows = 0, in_correct = 0, oos_caught = 0;
  for (size_t i = 0; i < n; ++i) {
    if (is_oos(i)) {
      ++oos_rows;
      oos_caught += said_oos(i);
    } else {
      ++in_rows;
      in_correct += predicted[i] == gold[i];
    }
  }
  ThresholdChoice choice;
  choice.in_scope_rows = in_rows;
  choice.oos_rows = oos_rows;
  auto ratio = [](uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  const double base_accuracy = ratio(in_correct, in_rows);
  choice.in_scope_accuracy_no_reject = base_accuracy;

  ThresholdRule::Kind kind = rule.kind;
  std::string note;
  if (kind == ThresholdRule::Kind::kAuto) {
    kind = oos_rows ? ThresholdRule::Kind::kBalanced : ThresholdRule::Kind::kAccuracyDrop;
  } else if (kind != ThresholdRule::Kind::kAccuracyDrop && oos_rows == 0) {
    note = fmt::format(" (rule {} needs out-of-scope validation rows; there are none)",
                       ThresholdRule{kind}.ToString());
    kind = ThresholdRule::Kind::kAccuracyDrop;
  }
  choice.rule = ThresholdRule{kind}.ToString();

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return confidence[a] < confidence[b]; });
  // Candidate k rejects the k least confident rows (only where confidences differ).
  float best_t = 0;
  double best_score = -1, best_in = base_accuracy, best_oos = ratio(oos_caught, oos_rows);
  bool found = false;
  auto consider = [&](float t, double in_acc, double oos_rec) {
    double score = 0;
    bool ok = false;
    switch (kind) {
      case ThresholdRule::Kind::kBalanced:
        score = (in_acc + oos_rec) / 2;
        ok = score > best_score + 1e-12;  // ties keep the lower threshold
        break;
      case ThresholdRule::Kind::kAccuracyDrop:
        ok = in_acc >= base_accuracy - rule.max_accuracy_drop - 1e-12;  // later = higher t
        break;
      case ThresholdRule::Kind::kTargetOosRecall:
        ok = !found && oos_rec >= rule.target_oos_recall - 1e-12;
        break;
      default: break;
    }
    if (ok) {
      found = true;
      best_score = score;
      best_t = t;
      best_in = in_acc;
      best_oos = oos_rec;
    }
  };
  consider(0.0f, base_accuracy, ratio(oos_caught, oos_rows));
  for (size_t k = 0; k < n; ++k) {
    const size_t i = order[k];
    if (is_oos(i)) {
      oos_caught += !said_oos(i);
    } else {
      in_correct -= predicted[i] == gold[i];
    }
    const bool last = k + 1 == n;
    if (!last && confidence[order[k + 1]] == confidence[i]) continue;
    const float t = last ? std::min(1.0f, std::nextafter(confidence[i], 2.0f))
                         : (confidence[i] + confidence[order[k + 1]]) / 2;
    consider(t, ratio(in_correct, in_rows), ratio(oos_caught, oos_rows));
  }
  choice.threshold = best_t;
  choice.in_scope_accuracy = best_in;
  choice.oos_recall = best_oos;
  switch (kind) {
    case ThresholdRule::Kind::kBalanced:
      choice.rationale = fmt::format(
          "threshold {:.4f} maximizes the mean of in-scope accuracy ({:.4f}) and out-of-scope recall "
          "({:.4f}) on {} validation rows ({} out of scope)",
          best_t, best_in, best_oos, n, oos_rows);
      break;
    case ThresholdRule::Kind::kAccuracyDrop:
      choice.rationale = fmt::format(
          "threshold {:.4f} is the highest that keeps validation in-scope accuracy ({:.4f}) within {:.2f} "
          "points of its value without rejection ({:.4f}){}",
          best_t, best_in, rule.max_accuracy_drop * 100, base_accuracy, note);
      break;
    case ThresholdRule::Kind::kTargetOosRecall:
      choice.rationale = fmt::format(
          "threshold {:.4f} is the lowest whose validation out-of-scope recall ({:.4f}) reaches the target "
          "{:.4f}; in-scope accuracy there is {:.4f}",
          best_t, best_oos, rule.target_oos_recall, best_in);
      break;
    default: break;
  }
  return choice;
}

}  // namespace trainops
