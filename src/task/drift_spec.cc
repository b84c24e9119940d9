#include "task/drift_spec.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "task/yaml_section.h"

namespace trainops {
namespace {

const std::vector<std::string> kDriftKeys = {"family_alpha",     "resamples",        "min_rows",
                                             "thresholds",       "retrain_on",       "min_feedback_rows",
                                             "cooldown_windows", "confirm_windows",  "strong_factor",
                                             "feedback_holdout", "recovery_windows", "feedback_weight",
                                             "balance_share",    "max_row_weight",   "feedback_as",
                                             "oos_share_drop",   "threshold_refresh", "threshold_refresh_alpha"};

}  // namespace

const std::vector<std::string>& DriftSignalNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, value] : DriftSpec{}.thresholds) n.push_back(name);
    return n;
  }();
  return names;
}

const std::vector<std::string>& RetrainTriggerNames() {
  static const std::vector<std::string> names = {"feedback_accuracy", "unknown_labels", "per_label_recall",
                                                 "coverage_and_estimate", "rejection_surge"};
  return names;
}

void ParseDriftSection(const YamlSection& top, DriftSpec& drift) {
  const YamlSection s = top.Child("drift", kDriftKeys);
  s.Read("family_alpha", drift.family_alpha);
  if (!(drift.family_alpha > 0 && drift.family_alpha < 0.5)) s.Fail("family_alpha", "must be in (0, 0.5), e.g. 0.01");
  s.Read("resamples", drift.resamples);
  if (drift.resamples < 99 || drift.resamples > 1000000) s.Fail("resamples", "must be 99..1000000");
  s.Read("min_rows", drift.min_rows);
  if (drift.min_rows < 10 || drift.min_rows > 1000000) s.Fail("min_rows", "must be 10..1000000");
  const YamlSection thresholds = s.Child("thresholds", DriftSignalNames());
  for (auto& [name, value] : drift.thresholds) {
    thresholds.Read(name, value);
    if (!(value >= 0 && value <= 1e6)) thresholds.Fail(name, "must be a number >= 0");
  }
  if (s.Has("retrain_on")) {
    std::vector<std::string> triggers;
    s.Read("retrain_on", triggers);
    for (const auto& t : triggers) {
      if (std::find(RetrainTriggerNames().begin(), RetrainTriggerNames().end(), t) == RetrainTriggerNames().end()) {
        s.Fail("retrain_on", fmt::format("unknown trigger \"{}\"{}; triggers: {}", t,
                                         DidYouMean(t, RetrainTriggerNames()), Join(RetrainTriggerNames(), ", ")));
      }
    }
    drift.retrain_on = triggers;
  }
  s.Read("min_feedback_rows", drift.min_feedback_rows);
  if (drift.min_feedback_rows < 1) s.Fail("min_feedback_rows", "must be >= 1");
  s.Read("cooldown_windows", drift.cooldown_windows);
  if (drift.cooldown_windows < 0 || drift.cooldown_windows > 1000) s.Fail("cooldown_windows", "must be 0..1000");
  s.Read("confirm_windows", drift.confirm_windows);
  if (drift.confirm_windows < 1 || drift.confirm_windows > 100) s.Fail("confirm_windows", "must be 1..100");
  s.Read("strong_factor", drift.strong_factor);
  if (!(drift.strong_factor >= 1 && drift.strong_factor <= 100)) s.Fail("strong_factor", "must be 1..100");
  s.Read("feedback_holdout", drift.feedback_holdout);
  if (!(drift.feedback_holdout >= 0 && drift.feedback_holdout < 1)) {
    s.Fail("feedback_holdout", "must be in [0, 1), e.g. 0.2");
  }
  s.Read("recovery_windows", drift.recovery_windows);
  if (drift.recovery_windows < 0 || drift.recovery_windows > 100) s.Fail("recovery_windows", "must be 0..100");
  s.Read("max_row_weight", drift.max_row_weight);
  if (!(drift.max_row_weight >= 1 && drift.max_row_weight <= 100)) s.Fail("max_row_weight", "must be 1..100");
  s.Read("feedback_weight", drift.feedback_weight);
  if (!(drift.feedback_weight >= 1 && drift.feedback_weight <= drift.max_row_weight)) {
    s.Fail("feedback_weight", fmt::format("must be 1..max_row_weight ({}), e.g. 3", drift.max_row_weight));
  }
  s.Read("feedback_as", drift.feedback_as);
  if (drift.feedback_as != "copies" && drift.feedback_as != "weights") {
    s.Fail("feedback_as", fmt::format("\"{}\": use copies (a row of weight w trains as round(w) copies) or weights",
                                      drift.feedback_as));
  }
  s.Read("oos_share_drop", drift.oos_share_drop);
  s.Read("threshold_refresh", drift.threshold_refresh);
  s.Read("threshold_refresh_alpha", drift.threshold_refresh_alpha);
  if (!(drift.threshold_refresh_alpha > 0 && drift.threshold_refresh_alpha <= 0.5)) {
    s.Fail("threshold_refresh_alpha", "must be in (0, 0.5], e.g. 0.05");
  }
  s.Read("balance_share", drift.balance_share);
  if (!(drift.balance_share >= 0 && drift.balance_share <= 1)) s.Fail("balance_share", "must be in [0, 1], e.g. 0.5");
}

}  // namespace trainops
