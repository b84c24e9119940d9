// The inline SVG charts of the monitor page (report/monitor_report.h), drawn here rather
// than by a script so the page needs no JavaScript and its Content-Security-Policy can
// forbid scripts outright. Every text that reaches the SVG is HTML-escaped; coordinates
// come only from finite numbers (report/monitor_values.h), so no chart holds a NaN.
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace trainops::monitor_page {

// Where a signal alerts: "decrease" below -threshold, "increase" above +threshold,
// "either" (and any unknown direction, so no alert zone is hidden) on both sides.
std::vector<double> ThresholdLines(std::optional<double> threshold, const std::string& direction);

// One signal's `effect` as a horizontal bar from zero, the alert zone beyond its
// threshold line(s) shaded. `index` makes the element id unique in the page.
std::string EffectChart(const nlohmann::json& signal, size_t index);

// Traffic against reference as normalized shares per bin of the signal's `histogram`
// ({"edges", "traffic", "reference"}); "" when there is nothing to draw.
std::string HistogramChart(const nlohmann::json& histogram, size_t index);

// One run's point on a signal's history chart.
struct TrendPoint {
  std::string label;             // run's window end (or source), shown on the x axis
  std::optional<double> effect;  // nullopt: the run did not measure the signal
  bool alert = false;
};

// A signal's effect over runs (oldest first, this run last) with its threshold line(s);
// alerted runs are red points. One circle of class "pt" per measured run.
std::string TrendChart(const std::vector<TrendPoint>& points, std::optional<double> threshold,
                       const std::string& direction, size_t index);

}  // namespace trainops::monitor_page
