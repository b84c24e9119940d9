#include "task/gates_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"

namespace trainops {

const std::vector<std::string>& GateMetricNames() {
  static const std::vector<std::string> names = {
      "accuracy",          "macro_f1",   "weighted_f1",   "ece",             "ece_before",
      "in_scope_accuracy", "oos_recall", "oos_precision", "overall_accuracy",
      // Multi-label models (docs/gates.md); a single-label report cannot give them.
      "micro_f1",          "samples_f1", "exact_match",   "hamming_loss",    "micro_precision", "micro_recall"};
  return names;
}

const std::vector<std::string>& GateLabelMetricNames() {
  static const std::vector<std::string> names = {"recall", "precision", "f1"};
  return names;
}

bool ComparisonHolds(double value, std::string_view op, double threshold) {
  if (op == ">=") return value >= threshold;
  if (op == ">") return value > threshold;
  if (op == "<=") return value <= threshold;
  if (op == "<") return value < threshold;
  return false;
}

bool MetricThreshold::Holds(double observed) const { return ComparisonHolds(observed, op, value); }

MetricThreshold MetricThreshold::Parse(std::string_view text) {
  const std::string form =
      "write \"METRIC OP VALUE\", e.g. \"macro_f1 >= 0.85\" or \"recall[returns] >= 0.9\" (OP: >=, >, <=, <)";
  MetricThreshold t;
  t.text = std::string(Trim(text));
  const size_t op_at = t.text.find_first_of("<>");
  if (op_at == std::string::npos) throw InputError(fmt::format("\"{}\" has no comparison; {}", t.text, form));
  const bool or_equal = op_at + 1 < t.text.size() && t.text[op_at + 1] == '=';
  t.op = t.text.substr(op_at, or_equal ? 2 : 1);
  std::string name(Trim(std::string_view(t.text).substr(0, op_at)));
  const std::string_view number = Trim(std::string_view(t.text).substr(op_at + t.op.size()));
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), t.value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size()) {
    throw InputError(fmt::format("\"{}\": \"{}\" is not a number; {}", t.text, number, form));
  }
  // from_chars reads "nan" and "inf", and every comparison with NaN is false: a gate
  // "accuracy >= nan" could never fail. Metrics are rates.
  if (!std::isfinite(t.value)) {
    throw InputError(fmt::format("\"{}\": {} is not a rate in [0, 1]; {}", t.text, number, form));
  }
  if (const size_t open = name.find('['); open != std::string::npos) {
    if (name.back() != ']' || open + 2 > name.size() - 1) {
      throw InputError(fmt::format("\"{}\": a label goes in brackets, e.g. recall[returns]", t.text));
    }
    t.label = std::string(Trim(std::string_view(name).substr(open + 1, name.size() - open - 2)));
    name = std::string(Trim(std::string_view(name).substr(0, open)));
    const auto& names = GateLabelMetricNames();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      throw InputError(fmt::format("\"{}\": \"{}\" is not a per-label metric{}; use {}[LABEL] (LABEL * = every label)",
                                   t.text, name, DidYouMean(name, names), Join(names, "[LABEL], ")));
    }
    if (t.label.empty()) throw InputError(fmt::format("\"{}\": name the label inside the brackets", t.text));
  } else {
    const auto& names = GateMetricNames();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      throw InputError(fmt::format("\"{}\": unknown metric \"{}\"{}; use one of {}, or recall/precision/f1[LABEL]",
                                   t.text, name, DidYouMean(name, names), Join(names, ", ")));
    }
  }
  t.metric = name;
  if (t.value < 0 || t.value > 1) {
    throw InputError(fmt::format("\"{}\": metrics are rates between 0 and 1; write 0.85, not 85", t.text));
  }
  return t;
}

}  // namespace trainops
