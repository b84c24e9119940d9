#include "drift/retrain_policy.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace trainops::drift {
namespace {

using nlohmann::json;

const json* FindSignal(const json& report, const std::string& name) {
  for (const json& s : report.at("signals")) {
    if (s.at("name") == name) return &s;
  }
  return nullptr;
}

bool Alerted(const json* s) { return s && s->at("alert").get<bool>(); }

// How many thresholds the signal's change spans (1 = just at the floor).
double Strength(const json* s) {
  if (!s || s->at("effect").is_null() || s->at("threshold").is_null()) return 0;
  const double threshold = s->at("threshold").get<double>();
  const double effect = std::abs(s->at("effect").get<double>());
  return threshold > 0 ? effect / threshold : 1e9;
}

}  // namespace

RetrainDecision DecideRetrain(const json& report, const DriftSpec& drift, const PolicyHistory& history) {
  RetrainDecision d;
  bool any_ready = false;
  for (const std::string& name : drift.retrain_on) {
    std::vector<const json*> signals;
    bool fired = false;
    if (name == "coverage_and_estimate") {
      const json* coverage = FindSignal(report, "feature_coverage");
      const json* oov = FindSignal(report, "oov_share");
      const json* estimate = FindSignal(report, "estimated_accuracy");
      fired = (Alerted(coverage) || Alerted(oov)) && Alerted(estimate);
      if (fired) signals = {Alerted(coverage) ? coverage : oov, estimate};
    } else {
      const char* signal = name == "rejection_surge" ? "rejection_rate" : name.c_str();
      const json* s = FindSignal(report, signal);
      fired = Alerted(s);
      if (fired) signals = {s};
    }
    if (!fired) continue;
    d.fired.push_back(name);
    // The weakest of its signals decides how strong a combined trigger is.
    double strength = 1e9;
    for (const json* s : signals) strength = std::min(strength, Strength(s));
    const bool strong = strength >= drift.strong_factor;
    // Confirmed: fired in each of the confirm_windows - 1 windows before this one too.
    int streak = 1;
    for (auto it = history.fired.rbegin(); it != history.fired.rend() && streak < drift.confirm_windows; ++it) {
      if (std::find(it->begin(), it->end(), name) == it->end()) break;
      ++streak;
    }
    const bool confirmed = streak >= drift.confirm_windows;
    json names = json::array();
    for (const json* s : signals) names.push_back(s->at("name"));
    d.triggers.push_back({{"name", name},
                          {"strength", strength},
                          {"strong", strong},
                          {"consecutive_windows", streak},
                          {"ready", strong || confirmed},
                          {"signals", names}});
    any_ready = any_ready || strong || confirmed;
  }
  if (d.fired.empty()) {
    d.reason = "no retrain trigger alerted";
  } else if (!any_ready) {
    d.reason = fmt::format("{} alerted below {}x its threshold; waiting for {} consecutive windows (hysteresis)",
                           fmt::join(d.fired, ", "), drift.strong_factor, drift.confirm_windows);
  } else if (history.windows_since_retrain <= drift.cooldown_windows) {
    d.reason = fmt::format("cooldown: the last retrain was {} window(s) ago (drift.cooldown_windows = {})",
                           history.windows_since_retrain, drift.cooldown_windows);
  } else if (history.feedback_since_retrain < static_cast<uint64_t>(drift.min_feedback_rows)) {
    d.reason = fmt::format("{} new feedback rows since the last retrain, fewer than drift.min_feedback_rows = {}",
                           history.feedback_since_retrain, drift.min_feedback_rows);
  } else {
    d.triggered = true;
    d.reason = fmt::format("retrain: {}", fmt::join(d.fired, ", "));
    return d;
  }
  // Recovery: the last retrain the policy triggered has not caught up yet: feedback
  // accuracy is still significantly low, or labels arrived that the model still lacks.
  if (history.windows_since_triggered_retrain > drift.recovery_windows ||
      history.feedback_since_retrain < static_cast<uint64_t>(drift.min_feedback_rows)) {
    return d;
  }
  const json* feedback = FindSignal(report, "feedback_accuracy");
  const json* unknown = FindSignal(report, "unknown_labels");
  std::string why;
  if (Alerted(feedback)) {
    why = fmt::format("feedback accuracy {:.3f} is still significantly below the production model's reference {:.3f} "
                      "(Holm-adjusted p = {:.2g})",
                      feedback->value("value", 0.0), feedback->value("reference", 0.0),
                      feedback->value("p_adjusted", 1.0));
  } else if (Alerted(unknown)) {
    why = fmt::format("{} feedback rows carry labels the production model still lacks",
                      unknown->value("value", 0.0));
  } else {
    return d;
  }
  const char* signal = Alerted(feedback) ? "feedback_accuracy" : "unknown_labels";
  if (std::find(d.fired.begin(), d.fired.end(), signal) == d.fired.end()) d.fired.push_back(signal);
  d.triggered = true;
  d.recovery = true;
  d.reason = fmt::format("retrain (recovery): {} {} window(s) after the retrain the policy triggered "
                         "(drift.recovery_windows = {}); waived: {}",
                         why, history.windows_since_triggered_retrain, drift.recovery_windows, d.reason);
  return d;
}

}  // namespace trainops::drift
