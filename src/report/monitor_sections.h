// The signal sections of the monitor page (report/monitor_report.h), apart from the page
// frame so each file stays readable. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trainops::monitor_page {

// The run's signals as a list of objects (non-objects dropped); empty when absent.
std::vector<nlohmann::json> Signals(const nlohmann::json& run);

// Whether `name` is in the run's `alerts` list (strings, or objects with a "name").
bool ListedAlert(const nlohmann::json& run, const std::string& name);

// One block per signal: facts, effect-against-threshold chart, histogram when present.
std::string SignalsSection(const nlohmann::json& monitor);

// One small chart per signal of its effect across `history` and this run.
std::string TrendsSection(const nlohmann::json& monitor,
                          const std::vector<nlohmann::json>& history);

}  // namespace trainops::monitor_page
