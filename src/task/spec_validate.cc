// The cross-field checks of a loaded spec (TaskSpec::Validate) and where their messages
// point (TaskSpec::Locate): they run on specs built in code too, not only on parsed ones.
#include "task/task_spec.h"

#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "task/parameters.h"

namespace trainops {

std::string TaskSpec::Locate(const std::string& field) const {
  auto at = key_locations.find(field);
  if (at != key_locations.end()) return at->second;
  at = key_locations.find(field.substr(0, field.find('.')));
  if (at != key_locations.end() && !at->second.starts_with("-")) return at->second;
  return spec_path.empty() ? std::string("task") : spec_path.string();
}

void TaskSpec::Validate() const {
  auto fail = [&](const std::string& field, const std::string& message) {
    // A flag's value is blamed on the flag; a key of the file on file:line:key (a value
    // left at its default on its section's line).
    const std::string where = Locate(field);
    if (where.starts_with("-")) throw InputError(fmt::format("{}: {} (spec key {})", where, message, field));
    if (key_locations.count(field) || key_locations.count(field.substr(0, field.find('.')))) {
      throw InputError(fmt::format("{}: key {}: {}", where, field, message));
    }
    throw InputError(fmt::format("{}: {}: {}", where, field, message));
  };
  if (data.train.empty()) fail("data.train", "is required; name the training file");
  if (data.text_column.empty()) fail("data.text_column", "must not be empty");
  if (data.label_column.empty()) fail("data.label_column", "must not be empty");
  if (data.label_column == data.text_column) {
    fail("data.label_column", "must differ from data.text_column");
  }
  if (!data.weight_column.empty() &&
      (data.weight_column == data.text_column || data.weight_column == data.label_column)) {
    fail("data.weight_column", fmt::format("\"{}\" is also the {} column; name the column holding the row weights",
                                           data.weight_column,
                                           data.weight_column == data.text_column ? "text" : "label"));
  }
  const auto& f = model.features;
  // The bounds of the feature settings live with the feature extractor (one definition);
  // its message names the setting, the spec's adds where it is.
  try {
    ValidateFeatureConfig(f);
  } catch (const InputError& e) {
    // Its messages read "feature config: <setting> ..."; the setting is the spec key.
    const std::string_view prefix = "feature config: ";
    std::string message = e.what();
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    fail("model." + message.substr(0, message.find_first_of(" (")), message);
  }
  if (f.word_ngrams == 0 && f.char_ngram_max == 0) {
    fail("model.word_ngrams", "word and char n-grams are both off; the model would see nothing");
  }
  // Bounds of single parameters, for specs filled in by code rather than parsed.
  for (const Parameter& p : Parameters()) {
    const std::optional<std::string> value = GetParameter(*this, p.name);
    if (!value) continue;
    try {
      CheckParameterText(p, *value);
    } catch (const InputError& e) {
      fail(p.name, e.what());
    }
  }
  if (data.label_separator.empty()) fail("data.label_separator", "must not be empty; the default is \"|\"");
  if (data.multi_label && !oos_label.empty()) {
    fail("oos_label", "a multi-label task answers a message with none of the intents with the empty set; remove "
                      "oos_label (rows with none of the intents have an empty label list)");
  }
  if (checks.min_examples_per_label < 0) fail("checks.min_examples_per_label", "must be >= 0");
  if (checks.max_imbalance_ratio < 1) fail("checks.max_imbalance_ratio", "must be at least 1");
  if (!(checks.near_duplicate_threshold > 0 && checks.near_duplicate_threshold <= 1)) {
    fail("checks.near_duplicate_threshold", "must be a Jaccard similarity in (0, 1], e.g. 0.9");
  }
  if (checks.label_error_folds != 0 && (checks.label_error_folds < 2 || checks.label_error_folds > 20)) {
    fail("checks.label_error_folds", "must be 0 (off) or 2..20");
  }
  const auto& ev = evaluation;
  if (!(ev.target_oos_recall > 0 && ev.target_oos_recall <= 1)) fail("evaluation.target_oos_recall", "must be in (0, 1]");
  if (!(ev.max_accuracy_drop >= 0 && ev.max_accuracy_drop < 1)) {
    fail("evaluation.max_accuracy_drop", "must be in [0, 1), e.g. 0.02 for 2 points");
  }
  if (ev.bootstrap_resamples < 0 || ev.bootstrap_resamples > 100000) {
    fail("evaluation.bootstrap_resamples", "must be 0..100000");
  }
  if (ev.min_segment_support < 1) fail("evaluation.min_segment_support", "must be at least 1");
  if (ev.max_failure_examples < 0) fail("evaluation.max_failure_examples", "must be >= 0");
  for (const auto& [label, cost] : ev.costs) {
    if (!(cost >= 0)) fail("evaluation.costs", fmt::format("cost of \"{}\" must be >= 0", label));
  }
  if (checks.min_segment_examples < 0) fail("checks.min_segment_examples", "must be >= 0");
  if (checks.max_rows < 1000) fail("checks.max_rows", "must be >= 1000 (the checks need rows to compare)");
  std::set<std::string> unique;
  for (const auto& label : labels) {
    if (!unique.insert(label).second) fail("labels", fmt::format("lists \"{}\" twice; keep one", label));
  }
  if (!labels.empty() && labels.size() < 2) fail("labels", "needs at least two labels");
  for (const auto& t : gates.metrics) {
    if (!t.label.empty() && t.label != "*" && !labels.empty() && !unique.count(t.label) && t.label != oos_label) {
      fail("gates.metrics", fmt::format("line {}: \"{}\" names label \"{}\", which is not in labels{}", t.line,
                                        t.text, t.label, DidYouMean(t.label, labels)));
    }
  }
  if (metric.kind == MetricSpec::Kind::kRecall && !labels.empty() && !unique.count(metric.label)) {
    fail("metric", fmt::format("recall of \"{}\", which is not in labels{}", metric.label,
                               DidYouMean(metric.label, labels)));
  }
}

}  // namespace trainops
