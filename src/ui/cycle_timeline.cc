#include "ui/cycle_timeline.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/monitor_values.h"

namespace trainops::ui {

std::string CycleLabel(const CycleRecord& cycle) {
  if (!cycle.window_last.empty()) return monitor_page::ShortTime(cycle.window_last);
  if (!cycle.window_key.empty()) return monitor_page::Shorten(cycle.window_key, 16);
  return fmt::format("#{}", cycle.id);
}

std::string ChangeKind(const StatusChange& change) {
  return change.from_status == "archived" ? "rollback" : "promote";
}

std::vector<Marker> CycleMarkers(std::span<const CycleRecord> cycles, const std::vector<StatusChange>& history) {
  std::vector<Marker> markers;
  for (const StatusChange& h : history) {
    if (h.to_status != "production") continue;
    double x = static_cast<double>(cycles.size()) - 0.5;
    bool placed = false;
    // The cycle that made a promotion: its retrained candidate, or its production model
    // when the promotion was a refreshed threshold (no candidate). A rollback to a model a
    // cycle once promoted is not that cycle's doing: it is placed by its time.
    for (size_t i = 0; i < cycles.size() && !placed; ++i) {
      if (ChangeKind(h) == "promote" && cycles[i].promoted &&
          (cycles[i].candidate == h.model_id || cycles[i].production == h.model_id)) {
        x = static_cast<double>(i);
        placed = true;
      }
    }
    if (!placed) {
      // ISO-8601 UTC text in one format sorts as time.
      for (size_t i = 0; i < cycles.size(); ++i) {
        if (cycles[i].created_at > h.at) {
          x = static_cast<double>(i) - 0.5;
          break;
        }
      }
    }
    if (cycles.empty()) continue;
    x = std::max(-0.5, x);
    const std::string kind = ChangeKind(h);
    markers.push_back({x, kind,
                       fmt::format("{} {} {} ({}){}", h.at.substr(0, 16), kind == "rollback" ? "rollback to" : "promoted",
                                   h.model_id.substr(0, 12), h.reason, h.forced ? ", forced" : "")});
  }
  for (size_t i = 0; i < cycles.size(); ++i) {
    const auto& alerts = monitor_page::At(cycles[i].report, "alerts");
    if (!alerts.is_array() || alerts.empty()) continue;
    std::string names;
    for (const auto& a : alerts) names += (names.empty() ? "" : ", ") + monitor_page::AsText(a);
    markers.push_back({static_cast<double>(i), "drift", fmt::format("{}: drift alerts: {}", CycleLabel(cycles[i]), names)});
  }
  return markers;
}

}  // namespace trainops::ui
