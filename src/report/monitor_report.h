// The page `trainops monitor --report OUT.html` writes: one monitor run (the drift
// monitor's JSON, docs/monitoring.md) as a self-contained HTML file with inline CSS and
// inline SVG. It shows the window, the alerts first, the estimated and feedback
// accuracy, one chart per signal against its threshold (with traffic-vs-reference bars
// when the signal has a histogram), each signal's effect across past runs, and the
// unknown-label and per-label-recall tables.
//
// The page runs no script: its Content-Security-Policy forbids scripts and every fetch,
// so even text that escaped escaping could not execute. Every string from the JSON
// (labels, sources, free text come from users) is HTML-escaped. Keys may be absent or
// null; the page then says so instead of failing. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trainops {

// `monitor`: this run. `history`: earlier runs of the same task, oldest first, without
// this run (may be empty); they feed the per-signal history charts, this run last.
std::string MonitorHtml(const nlohmann::json& monitor, const std::vector<nlohmann::json>& history);

}  // namespace trainops
