// Where the overview's and the cycles page's charts put things: one position per cycle
// (oldest first), and the registry's status changes placed on it: on the cycle that made
// the change, else just before the first cycle recorded after it. An ordinal axis rather
// than a time axis, because a replayed stream runs weeks of windows in minutes and a
// time axis would pile its promotions on one spot. Internal to src/ui/; pure.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "registry/registry.h"
#include "ui/ui_charts.h"

namespace trainops::ui {

// "2026-11-08" (the window's last traffic date), else the window key, else "#id".
std::string CycleLabel(const CycleRecord& cycle);

// Promotions and rollbacks (history rows that made a model production) and drift alerts
// (cycles whose report has alerts) as chart markers.
std::vector<Marker> CycleMarkers(std::span<const CycleRecord> cycles, const std::vector<StatusChange>& history);

// A status change that made a model production: "promote" or "rollback" (an archived
// model made production again).
std::string ChangeKind(const StatusChange& change);

}  // namespace trainops::ui
