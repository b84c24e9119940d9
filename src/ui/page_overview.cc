// The overview: which model serves, since when and on what grounds, what waits, what the
// last cycle decided, and accuracy across cycles with the events that explain its moves.
#include <algorithm>
#include <span>

#include <fmt/format.h>

#include "report/monitor_values.h"
#include "ui/cycle_timeline.h"
#include "ui/page_frame.h"
#include "ui/pages.h"

namespace trainops::ui {
namespace {

using monitor_page::At;
using monitor_page::FormatPercent;
using monitor_page::NumberAt;

// The history row that made `model_id` production most recently.
const StatusChange* MadeProduction(const std::vector<StatusChange>& history, const std::string& model_id) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->model_id == model_id && it->to_status == "production") return &*it;
  }
  return nullptr;
}

std::string Grounds(PageContext& c, const StatusChange& change) {
  if (change.forced) return "forced, reason: " + Esc(change.reason);
  std::string html;
  if (ChangeKind(change) == "rollback") html = "rolled back to it: " + Esc(change.reason) + "; ";
  if (change.gate_report_id == 0) return html + "no gate report recorded (" + Esc(change.reason) + ")";
  const auto report = c.registry.GetGateReport(change.gate_report_id);
  if (!report) return html + fmt::format("gate report #{} (no longer in the registry)", change.gate_report_id);
  const auto& counts = At(report->report, "counts");
  return html + fmt::format("<a href=\"/models/{}#gate-{}\">gate report #{}</a> {} ({} of {} gates passed{})",
                            UrlEncode(report->model_id), report->id, report->id,
                            Chip(report->passed, report->passed ? "PASS" : "FAIL"),
                            monitor_page::FormatNumber(NumberAt(counts, "passed")),
                            monitor_page::FormatNumber(NumberAt(counts, "total")),
                            report->baseline_model_id.empty()
                                ? ", first release"
                                : ", against " + report->baseline_model_id.substr(0, 12));
}

std::string ProductionSection(PageContext& c, const std::vector<StatusChange>& history) {
  const auto production = c.registry.Production(c.spec.name);
  if (!production) {
    return "<section id=\"production\"><h2>Production model</h2><p>None yet: release a model (`trainops release "
           "--task ...`) to serve one.</p></section>";
  }
  const StatusChange* made = MadeProduction(history, production->id);
  std::string html = fmt::format(
      "<section id=\"production\"><h2>Production model</h2><div class=\"cards\">"
      "<div class=\"card\"><div class=\"k\">model</div><div class=\"v id\" id=\"production-id\">{}</div>"
      "<div class=\"ci id\">{}</div></div>"
      "<div class=\"card\"><div class=\"k\">production since</div><div class=\"v\">{}</div></div>"
      "<div class=\"card\"><div class=\"k\">trained by run</div><div class=\"v id\">{}</div></div></div>",
      ModelLink(production->id), Esc(production->id), made ? When(made->at) : "–", Esc(production->run_id));
  if (made) html += "<p>Made production: " + Grounds(c, *made) + "</p>";
  return html + "</section>";
}

std::string CandidatesSection(PageContext& c) {
  std::vector<ModelRecord> waiting;
  for (auto& m : c.registry.ListModels(c.spec.name)) {
    if (m.status == ModelStatus::kCandidate) waiting.push_back(std::move(m));
  }
  std::sort(waiting.begin(), waiting.end(),
            [](const ModelRecord& a, const ModelRecord& b) { return a.created_at > b.created_at; });
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < waiting.size() && i < 10; ++i) {
    const auto& m = waiting[i];
    const auto reports = c.registry.GateReports(m.id);
    std::string verdict = "not gated";
    if (!reports.empty()) {
      verdict = fmt::format("<a href=\"/models/{}#gate-{}\">#{}</a> {}", UrlEncode(m.id), reports[0].id, reports[0].id,
                            Chip(reports[0].passed, reports[0].passed ? "PASS" : "FAIL"));
    }
    rows.push_back({ModelLink(m.id), When(m.created_at), Esc(m.run_id), verdict});
  }
  std::string html = fmt::format("<section id=\"candidates\"><h2>Candidates waiting ({})</h2>", waiting.size());
  if (waiting.empty()) return html + "<p>None.</p></section>";
  html += Table({"model", "registered", "run", "latest gate report"}, rows);
  if (waiting.size() > rows.size()) {
    html += "<p>" + Link("/models?status=candidate", fmt::format("all {} candidates", waiting.size())) + "</p>";
  }
  return html + "</section>";
}

std::string LastCycleSection(const std::vector<CycleRecord>& cycles) {
  if (cycles.empty()) {
    return "<section id=\"last-cycle\"><h2>Last cycle</h2><p>No cycle yet: `trainops cycle --task ...` runs the weekly "
           "job.</p></section>";
  }
  const CycleRecord& last = cycles.back();
  const auto& alerts = At(last.report, "alerts");
  std::string alert_html;
  if (alerts.is_array() && !alerts.empty()) {
    for (const auto& a : alerts) alert_html += Chip(false, monitor_page::AsText(a)) + " ";
  } else {
    alert_html = Chip(true, "no alerts");
  }
  return fmt::format(
      "<section id=\"last-cycle\"><h2>Last cycle: <a href=\"/cycles/{0}\">#{0}</a> · window {1}</h2>"
      "<p>Decision: <b>{2}</b></p><p>Alerts: {3}</p>"
      "<p>Estimated accuracy {4} · feedback accuracy {5} · {6}{7}</p></section>",
      last.id, Esc(CycleLabel(last)), Esc(monitor_page::TextAt(last.report, "decision")), alert_html,
      FormatPercent(NumberAt(At(last.report, "estimated_accuracy"), "value")),
      FormatPercent(NumberAt(At(last.report, "feedback_accuracy"), "value")),
      last.retrained ? "retrained" : "not retrained", last.promoted ? ", candidate promoted" : "");
}

std::string Interval(const nlohmann::json& estimate) {
  const auto v = NumberAt(estimate, "value");
  if (!v) return "–";
  const auto lo = NumberAt(estimate, "low"), hi = NumberAt(estimate, "high");
  return lo && hi ? fmt::format("{} ({}–{})", FormatPercent(v), FormatPercent(lo), FormatPercent(hi)) : FormatPercent(v);
}

std::string AccuracySection(const std::vector<CycleRecord>& all_cycles, const std::vector<StatusChange>& history,
                            bool show_all) {
  std::string html = "<section id=\"accuracy\"><h2>Accuracy across cycles</h2>";
  if (all_cycles.empty()) return html + "<p>No cycle yet.</p></section>";
  // A year of weekly windows by default: hundreds of cycles make a chart nobody can read.
  constexpr size_t kRecent = 52;
  const size_t first = show_all || all_cycles.size() <= kRecent ? 0 : all_cycles.size() - kRecent;
  // A view, not a copy: each cycle holds its whole report.
  const std::span<const CycleRecord> cycles = std::span(all_cycles).subspan(first);
  if (first > 0) {
    html += fmt::format("<p class=\"note\">The latest {} of {} cycles; <a href=\"/?cycles=all\">chart all of them</a>."
                        "</p>",
                        cycles.size(), all_cycles.size());
  } else if (show_all && all_cycles.size() > kRecent) {
    html += fmt::format("<p class=\"note\">All {} cycles; <a href=\"/\">the latest {} only</a>.</p>", all_cycles.size(),
                        kRecent);
  }
  ChartSpec chart;
  chart.id = "accuracy-chart";
  chart.aria_label = fmt::format("Accuracy over {} cycles: estimated without labels with its interval, and measured "
                                 "from feedback; promotions, rollbacks and drift alerts marked. The table below has the "
                                 "numbers.",
                                 cycles.size());
  Series est{"estimated without labels (band: interval)", "est", {}, {}, {}, true, true};
  Series fb{"measured from feedback (bars: interval)", "fb", {}, {}, {}, false, false};
  for (const auto& cycle : cycles) {
    chart.x_labels.push_back(CycleLabel(cycle));
    const auto& e = At(cycle.report, "estimated_accuracy");
    est.y.push_back(NumberAt(e, "value"));
    est.low.push_back(NumberAt(e, "low"));
    est.high.push_back(NumberAt(e, "high"));
    const auto& f = At(cycle.report, "feedback_accuracy");
    fb.y.push_back(NumberAt(f, "value"));
    fb.low.push_back(NumberAt(f, "low"));
    fb.high.push_back(NumberAt(f, "high"));
  }
  chart.series = {est, fb};
  // Only the changes after the cycle before the range: older ones belong to cycles not shown.
  std::vector<StatusChange> shown_history;
  for (const auto& h : history) {
    if (first == 0 || h.at > all_cycles[first - 1].created_at) shown_history.push_back(h);
  }
  chart.markers = CycleMarkers(cycles, shown_history);
  html += LineChart(chart) + ChartLegend(chart);
  // The chart's numbers for screen readers and for reading exact values.
  std::vector<std::vector<std::string>> rows;
  for (size_t i = cycles.size(); i-- > 0;) {
    const auto& cycle = cycles[i];
    std::string events;
    for (const auto& m : chart.markers) {
      if (m.x > static_cast<double>(i) - 0.75 && m.x <= static_cast<double>(i) + 0.25) {
        events += (events.empty() ? "" : "; ") + Esc(m.label);
      }
    }
    rows.push_back({fmt::format("<a href=\"/cycles/{0}\">#{0}</a>", cycle.id), Esc(CycleLabel(cycle)),
                    Esc(Interval(At(cycle.report, "estimated_accuracy"))),
                    Esc(Interval(At(cycle.report, "feedback_accuracy"))), events});
  }
  html += "<details><summary>The chart as a table (newest first)</summary>" +
          Table({"cycle", "window", "estimated accuracy (interval)", "feedback accuracy (interval)", "events"}, rows,
                {}, "accuracy-table") +
          "</details>";
  return html + "</section>";
}

std::string RecentChanges(const std::vector<StatusChange>& history) {
  std::vector<std::vector<std::string>> rows;
  for (auto it = history.rbegin(); it != history.rend() && rows.size() < 8; ++it) {
    rows.push_back({When(it->at), ModelLink(it->model_id), Esc(it->from_status + " → " + it->to_status),
                    Esc(it->reason) + (it->forced ? " " + Chip(false, "forced") : "")});
  }
  if (rows.empty()) return "";
  return "<section id=\"changes\"><h2>Latest status changes</h2>" +
         Table({"when", "model", "change", "reason"}, rows) + "<p>" + Link("/models#history", "full history") +
         "</p></section>";
}

}  // namespace

std::string OverviewPage(PageContext& c, const Query& q) {
  const auto range = q.find("cycles");
  if (range != q.end() && range->second != "all" && !range->second.empty()) {
    throw PageError{400, "cycles must be \"all\" (or absent: the latest 52)"};
  }
  const bool all_cycles = range != q.end() && range->second == "all";
  const auto history = c.registry.History(c.spec.name);
  const auto cycles_held = c.cycles();
  const std::vector<CycleRecord>& cycles = *cycles_held;
  std::string body = ProductionSection(c, history) + LastCycleSection(cycles) + AccuracySection(cycles, history, all_cycles) +
                     CandidatesSection(c) + RecentChanges(history);
  if (c.actions) {
    body += "<section id=\"rollback\"><h2>Roll back</h2><p>Makes the model that served before the current one "
            "production again (as <code>trainops rollback</code>).</p>" +
            ActionForm(c, "/actions/rollback", "Roll back the production model",
                       "<label>Reason <input name=\"reason\" required maxlength=\"500\"></label>", "Roll back") +
            "</section>";
  }
  return Frame(&c, c.nonce, "Overview", "Overview", body);
}

}  // namespace trainops::ui
