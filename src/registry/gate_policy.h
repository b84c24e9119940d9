// The task's registered gate policy: the gate settings (a gate report's "settings", as
// the task spec's `gates:` section resolved them) recorded when a model of the task is
// first promoted through the gates, and again whenever a promotion passes under stricter
// settings. Promote refuses a report made under settings that loosen the registered
// policy anywhere, so editing the spec (a lower threshold, a metric dropped, the
// regression gate switched off) cannot let a worse model in quietly; a team that means to
// loosen it says so (`promote --new-policy --reason`), and that is kept in the history.
//
// Pure functions over JSON: the registry keeps the policy; the gate stage writes the
// settings. Thread-safe (no state).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops::gate_policy {

// Every setting in which `settings` is weaker than `registered`, one sentence each
// ("gates.regression.alpha is 0.01, the registered policy has 0.05 (a smaller alpha
// finds fewer regressions)"). Empty when `settings` is at least as strict everywhere.
// Settings missing from either side (reports from before settings were recorded) are not
// compared.
std::vector<std::string> Loosenings(const nlohmann::json& registered, const nlohmann::json& settings);

// A stable digest of the settings (for display and to tell whether they changed).
std::string Hash(const nlohmann::json& settings);

}  // namespace trainops::gate_policy
