#include "report/monitor_sections.h"

#include <algorithm>
#include <cmath>

#include "report/html_escape.h"
#include "report/monitor_charts.h"
#include "report/monitor_values.h"

namespace trainops::monitor_page {
namespace {

// The alert condition in words, matching the chart's shaded zone.
std::string ThresholdText(std::optional<double> threshold, const std::string& direction) {
  if (!threshold) return "–";
  const std::string t = FormatNumber(std::fabs(*threshold));
  if (direction == "decrease") return "effect ≤ -" + t;
  if (direction == "increase") return "effect ≥ +" + t;
  return "|effect| ≥ " + t;
}

// "p ≤ α" is what makes an effect beyond the threshold an alert, so show them together.
std::string PValueText(const nlohmann::json& signal) {
  const auto p = NumberAt(signal, "p_value"), alpha = NumberAt(signal, "alpha");
  if (!p) return alpha ? "– (α " + FormatNumber(alpha) + ")" : "–";
  if (!alpha) return FormatPValue(p);
  return FormatPValue(p) + (*p <= *alpha ? " ≤ α " : " > α ") + FormatNumber(alpha);
}

std::string IntervalText(const nlohmann::json& interval) {
  if (!interval.is_array() || interval.size() != 2) return "–";
  const auto lo = AsNumber(interval[0]), hi = AsNumber(interval[1]);
  if (!lo || !hi) return "–";
  return "[" + FormatNumber(lo) + ", " + FormatNumber(hi) + "]";
}

std::string Cell(const std::string& text, bool num = true) {
  return std::string(num ? "<td class=\"num\">" : "<td>") + HtmlEscape(text) + "</td>";
}

std::string SignalBlock(nlohmann::json signal, bool alert, size_t index) {
  signal["alert"] = alert;  // the chart colours by the resolved state
  const std::string name = TextAt(signal, "name");
  std::string html = "<div class=\"signal\" id=\"signal-" + std::to_string(index) + "\">";
  html += "<h3>" + HtmlEscape(name.empty() ? "(unnamed signal)" : name) +
          (alert ? " <span class=\"flag bad\">alert</span>" : " <span class=\"flag ok\">ok</span>");
  const std::string group = TextAt(signal, "group");
  if (!group.empty()) html += " <span class=\"flag\">" + HtmlEscape(group) + "</span>";
  html += "</h3>";
  const std::string description = TextAt(signal, "description");
  if (!description.empty()) html += "<p class=\"note\">" + HtmlEscape(description) + "</p>";
  html +=
      "<table class=\"compact\"><tr><th>value</th><th>reference</th><th>effect</th><th>alerts "
      "when</th>"
      "<th>p-value vs α</th><th>interval</th><th>rows</th></tr><tr>";
  html += Cell(FormatNumber(NumberAt(signal, "value"))) +
          Cell(FormatNumber(NumberAt(signal, "reference")));
  html += Cell(FormatNumber(NumberAt(signal, "effect")));
  html += Cell(ThresholdText(NumberAt(signal, "threshold"), TextAt(signal, "direction")));
  html += Cell(PValueText(signal)) + Cell(IntervalText(At(signal, "interval")));
  html += Cell(FormatNumber(NumberAt(signal, "rows"))) + "</tr></table>";
  html += EffectChart(signal, index);
  const std::string detail = TextAt(signal, "detail");
  if (!detail.empty()) html += "<p class=\"detail\">" + HtmlEscape(detail) + "</p>";
  const std::string histogram = HistogramChart(At(signal, "histogram"), index);
  if (!histogram.empty()) {
    html +=
        "<div class=\"note\">Traffic against reference, share of rows per bin</div>" + histogram;
  }
  return html + "</div>\n";
}

// The run's entry for a signal, or null.
const nlohmann::json& FindSignal(const nlohmann::json& run, const std::string& name) {
  static const nlohmann::json kNull;
  const auto& signals = At(run, "signals");
  if (!signals.is_array()) return kNull;
  for (const auto& s : signals) {
    if (s.is_object() && TextAt(s, "name") == name) return s;
  }
  return kNull;
}

// The x label of a run: when its window ended, else what it read, else when it ran.
std::string RunLabel(const nlohmann::json& run, size_t position) {
  const auto& window = At(run, "window");
  for (const char* key : {"last", "source"}) {
    std::string text = TextAt(window, key);
    if (!text.empty()) return text;
  }
  std::string at = TextAt(run, "at");
  return at.empty() ? "run " + std::to_string(position + 1) : at;
}

}  // namespace

std::vector<nlohmann::json> Signals(const nlohmann::json& run) {
  std::vector<nlohmann::json> out;
  const auto& signals = At(run, "signals");
  if (signals.is_array()) {
    for (const auto& s : signals) {
      if (s.is_object()) out.push_back(s);
    }
  }
  return out;
}

bool ListedAlert(const nlohmann::json& run, const std::string& name) {
  const auto& alerts = At(run, "alerts");
  if (!alerts.is_array()) return false;
  for (const auto& a : alerts) {
    if (AsText(a) == name || TextAt(a, "name") == name) return true;
  }
  return false;
}

std::string SignalsSection(const nlohmann::json& monitor) {
  std::string html =
      "<section id=\"signals\"><h2>Signals against their thresholds</h2><p class=\"note\">Bars: "
      "each "
      "signal's effect (this window against the reference); dashed red lines: its threshold, the "
      "shaded side is where it alerts (when its p-value is also at most its Holm-corrected α). "
      "Red bar: the signal alerted.</p>\n";
  const auto signals = Signals(monitor);
  if (signals.empty()) html += "<p class=\"note\">This run has no signals.</p>";
  for (size_t i = 0; i < signals.size(); ++i) {
    const std::string name = TextAt(signals[i], "name");
    html += SignalBlock(signals[i], FlagAt(signals[i], "alert") || ListedAlert(monitor, name), i);
  }
  return html + "</section>\n";
}

std::string TrendsSection(const nlohmann::json& monitor,
                          const std::vector<nlohmann::json>& history) {
  // This run's signals first, then any only earlier runs measured (a retired signal's
  // history stays visible, ending in a gap).
  std::vector<std::string> names;
  auto Add = [&](const nlohmann::json& run) {
    for (const auto& s : Signals(run)) {
      const std::string name = TextAt(s, "name");
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  };
  Add(monitor);
  for (auto it = history.rbegin(); it != history.rend(); ++it) Add(*it);

  std::string html =
      "<section id=\"trends\"><h2>Signals across past runs</h2><p class=\"note\">Each signal's "
      "effect "
      "in the " +
      std::to_string(history.size()) +
      " earlier monitor run(s) of this task, oldest first, and this run (last point, outlined). "
      "Red points: the signal alerted in that run; dashed red line: this run's threshold.</p>\n";
  if (names.empty()) html += "<p class=\"note\">No signals to follow.</p>";
  html += "<div class=\"trends\">";
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    std::vector<TrendPoint> points;
    for (size_t r = 0; r <= history.size(); ++r) {
      const nlohmann::json& run = r < history.size() ? history[r] : monitor;
      const auto& s = FindSignal(run, name);
      points.push_back({RunLabel(run, r), NumberAt(s, "effect"),
                        s.is_object() && (FlagAt(s, "alert") || ListedAlert(run, name))});
    }
    // The threshold drawn is the newest run's that has the signal.
    nlohmann::json latest = FindSignal(monitor, name);
    for (auto it = history.rbegin(); latest.is_null() && it != history.rend(); ++it) {
      latest = FindSignal(*it, name);
    }
    html += "<div class=\"trend\"><h3>" + HtmlEscape(name.empty() ? "(unnamed signal)" : name) +
            "</h3>";
    html += TrendChart(points, NumberAt(latest, "threshold"), TextAt(latest, "direction"), i);
    html += "</div>\n";
  }
  return html + "</div></section>\n";
}

}  // namespace trainops::monitor_page
