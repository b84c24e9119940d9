// The weekly job's record: every cycle on a timeline with its decision, each drift signal
// across all windows against its threshold, one cycle's signals, and its monitor page.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "report/monitor_charts.h"
#include "report/monitor_report.h"
#include "report/monitor_values.h"
#include "ui/cycle_timeline.h"
#include "ui/page_frame.h"
#include "ui/pages.h"

namespace trainops::ui {
namespace {

using monitor_page::At;
using monitor_page::FormatNumber;
using monitor_page::FormatPercent;
using monitor_page::NumberAt;
using monitor_page::TextAt;

std::string AlertChips(const nlohmann::json& report) {
  const auto& alerts = At(report, "alerts");
  if (!alerts.is_array() || alerts.empty()) return "";
  std::string html;
  for (const auto& a : alerts) html += Chip(false, monitor_page::AsText(a)) + " ";
  return html;
}

const CycleRecord& FindCycle(const std::vector<CycleRecord>& cycles, int64_t id) {
  for (const auto& c : cycles) {
    if (c.id == id) return c;
  }
  throw PageError{404, fmt::format("no cycle #{} for this task", id)};
}

}  // namespace

std::string CyclesPage(PageContext& c) {
  const auto cycles_held = c.cycles();
  const std::vector<CycleRecord>& cycles = *cycles_held;
  std::string body;
  if (cycles.empty()) {
    body = "<section><h2>No cycles yet</h2><p><code>trainops cycle --task ...</code> runs the weekly job; each run "
           "appears here.</p></section>";
    return Frame(&c, c.nonce, "Cycles", "Cycles", body);
  }
  std::vector<std::vector<std::string>> rows;
  for (auto it = cycles.rbegin(); it != cycles.rend(); ++it) {
    std::string outcome = it->promoted ? Chip(true, "promoted") : it->retrained ? Chip(false, "retrained, not promoted")
                                        : it->triggered                         ? Chip(false, "triggered")
                                                                                : "";
    rows.push_back({fmt::format("<a href=\"/cycles/{0}\">#{0}</a>", it->id), Esc(CycleLabel(*it)), When(it->created_at),
                    AlertChips(it->report), Esc(TextAt(it->report, "decision")) + " " + outcome,
                    FormatPercent(NumberAt(At(it->report, "estimated_accuracy"), "value")),
                    FormatPercent(NumberAt(At(it->report, "feedback_accuracy"), "value")),
                    FormatNumber(NumberAt(At(it->report, "feedback"), "new_rows"))});
  }
  body += fmt::format("<section id=\"timeline\"><h2>{} cycles, newest first</h2>", cycles.size()) +
          Table({"cycle", "window", "ran", "alerts", "decision", "estimated accuracy", "feedback accuracy",
                 "new feedback rows"},
                rows, {5, 6, 7}, "cycles-table") +
          "</section>";

  // Each signal across all windows: its effect against the threshold, alerts in red.
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& cycle : cycles) {
    const auto& signals = At(cycle.report, "signals");
    if (!signals.is_array()) continue;
    for (const auto& s : signals) {
      const std::string name = TextAt(s, "name");
      if (!name.empty() && seen.insert(name).second) names.push_back(name);
    }
  }
  body += "<section id=\"signals\"><h2>Each signal across all windows</h2><p class=\"note\">The effect each window "
          "measured (beyond sampling noise) against the signal's threshold line; red points alerted. Hover a point "
          "for its window; the table under each chart has the numbers.</p>";
  for (size_t k = 0; k < names.size(); ++k) {
    std::vector<monitor_page::TrendPoint> points;
    std::optional<double> threshold;
    std::string direction = "either", description;
    // The table under the chart: the windows where the signal alerted and the latest 12
    // (each cycle's page has all its signals); the sentence before it says the rest.
    std::vector<std::vector<std::string>> table;
    size_t measured = 0, alerted = 0;
    for (size_t i = 0; i < cycles.size(); ++i) {
      const auto& cycle = cycles[i];
      monitor_page::TrendPoint p;
      p.label = CycleLabel(cycle);
      const auto& signals = At(cycle.report, "signals");
      if (signals.is_array()) {
        for (const auto& s : signals) {
          if (TextAt(s, "name") != names[k]) continue;
          p.effect = NumberAt(s, "effect");
          p.alert = monitor_page::FlagAt(s, "alert");
          measured += p.effect.has_value();
          alerted += p.alert;
          if (const auto t = NumberAt(s, "threshold")) threshold = t;
          direction = TextAt(s, "direction").empty() ? direction : TextAt(s, "direction");
          description = TextAt(s, "description");
          if (p.alert || i + 12 >= cycles.size()) {
            table.push_back({fmt::format("<a href=\"/cycles/{0}\">#{0}</a>", cycle.id), Esc(p.label),
                             FormatNumber(NumberAt(s, "value")), FormatNumber(p.effect),
                             FormatNumber(NumberAt(s, "threshold")),
                             monitor_page::FormatPValue(NumberAt(s, "p_adjusted")), p.alert ? Chip(false, "alert") : ""});
          }
        }
      }
      points.push_back(std::move(p));
    }
    std::reverse(table.begin(), table.end());
    body += fmt::format("<h3 id=\"signal-{}\">{}</h3><p class=\"note\">{} Measured in {} of {} windows, alerted in "
                        "{}; threshold {} ({}).</p>",
                        k, Esc(names[k]), Esc(description), measured, cycles.size(), alerted,
                        FormatNumber(threshold), Esc(direction)) +
            monitor_page::TrendChart(points, threshold, direction, k) + "<details><summary>" + Esc(names[k]) +
            ": the windows where it alerted and the latest 12, as a table (newest first)</summary>" +
            Table({"cycle", "window", "value", "effect", "threshold", "p (adjusted)", ""}, table, {2, 3, 4, 5}) +
            "</details>";
  }
  body += "</section>";
  return Frame(&c, c.nonce, "Cycles", "Cycles", body);
}

std::string CyclePage(PageContext& c, int64_t id) {
  const auto cycles_held = c.cycles();
  const std::vector<CycleRecord>& cycles = *cycles_held;
  const CycleRecord& cycle = FindCycle(cycles, id);
  const auto& r = cycle.report;
  const auto& window = At(r, "window");
  std::string body = fmt::format(
      "<section id=\"cycle\"><h2>Cycle #{} · window {}</h2>"
      "<p>Traffic {} to {} ({} rows, {} with feedback) from <code>{}</code>; ran {}.</p>"
      "<p>Decision: <b>{}</b> {}</p><p>Production {} · candidate {}{}</p>"
      "<p>Estimated accuracy {} · feedback accuracy {} · feedback macro-F1 {}</p>"
      "<p><a href=\"/cycles/{}/monitor\">The window's monitor report</a> (the page <code>trainops monitor "
      "--report</code> writes)</p></section>",
      cycle.id, Esc(CycleLabel(cycle)), When(cycle.window_first), When(cycle.window_last),
      FormatNumber(NumberAt(window, "rows")), FormatNumber(NumberAt(window, "feedback_rows")), Esc(cycle.source),
      When(cycle.created_at), Esc(TextAt(r, "decision")), AlertChips(r), ModelLink(cycle.production),
      cycle.candidate.empty() ? "none" : ModelLink(cycle.candidate),
      cycle.promoted ? " " + Chip(true, "promoted") : "", FormatPercent(NumberAt(At(r, "estimated_accuracy"), "value")),
      FormatPercent(NumberAt(At(r, "feedback_accuracy"), "value")),
      FormatNumber(NumberAt(At(r, "feedback_macro_f1"), "value")), cycle.id);
  const auto& triggers = At(r, "triggers");
  if (triggers.is_array() && !triggers.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : triggers) {
      rows.push_back({Esc(TextAt(t, "name")), FormatNumber(NumberAt(t, "strength")), Esc(At(t, "signals").dump()),
                      monitor_page::FlagAt(t, "confirmed") ? Chip(false, "confirmed") : "not confirmed"});
    }
    body += "<section id=\"triggers\"><h2>Retrain triggers</h2>" +
            Table({"trigger", "strength", "signals", "hysteresis"}, rows, {1}) + "</section>";
  }
  const auto& signals = At(r, "signals");
  if (signals.is_array()) {
    std::vector<std::vector<std::string>> rows;
    std::string charts;
    for (size_t i = 0; i < signals.size(); ++i) {
      const auto& s = signals[i];
      rows.push_back({Esc(TextAt(s, "name")), FormatNumber(NumberAt(s, "value")), FormatNumber(NumberAt(s, "reference")),
                      FormatNumber(NumberAt(s, "effect")), FormatNumber(NumberAt(s, "threshold")),
                      Esc(TextAt(s, "direction")), monitor_page::FormatPValue(NumberAt(s, "p_adjusted")),
                      FormatNumber(NumberAt(s, "rows")), monitor_page::FlagAt(s, "alert") ? Chip(false, "alert") : "",
                      Esc(TextAt(s, "detail"))});
      charts += "<h3>" + Esc(TextAt(s, "name")) + "</h3>" + monitor_page::EffectChart(s, i);
    }
    body += fmt::format("<section id=\"signals\"><h2>Signals against thresholds (family α {})</h2>",
                        FormatNumber(NumberAt(r, "family_alpha"))) +
            Table({"signal", "value", "reference", "effect", "threshold", "alerts on", "p (Holm)", "rows", "",
                   "detail"},
                  rows, {1, 2, 3, 4, 6, 7}, "signals-table") +
            "<details><summary>Each signal's effect against its threshold, drawn</summary>" + charts +
            "</details></section>";
  }
  return Frame(&c, c.nonce, fmt::format("Cycle #{}", cycle.id), "Cycles", body);
}

std::string CycleMonitorPage(PageContext& c, int64_t id) {
  const auto cycles_held = c.cycles();
  const std::vector<CycleRecord>& cycles = *cycles_held;
  const CycleRecord& cycle = FindCycle(cycles, id);
  // The monitor run the cycle recorded for its window, and those before it for the history
  // charts; a cycle's own report has the same keys when the run is gone.
  // The run is recorded on the model that served the window (the report's "model"), which
  // a promoting cycle's `production` no longer is.
  const std::string served = TextAt(cycle.report, "model").empty() ? cycle.production : TextAt(cycle.report, "model");
  const auto runs = c.registry.MonitorRuns(c.spec.name);
  std::vector<nlohmann::json> history;
  for (const auto& run : runs) {
    if (run.window_key == cycle.window_key && run.model_id == served) {
      return MonitorHtml(run.report, history);
    }
    history.push_back(run.report);
  }
  std::vector<nlohmann::json> before;
  for (const auto& other : cycles) {
    if (other.id >= cycle.id) break;
    before.push_back(other.report);
  }
  if (before.size() > 12) before.erase(before.begin(), before.end() - 12);
  return MonitorHtml(cycle.report, before);
}

}  // namespace trainops::ui
