#include "report/monitor_report.h"

#include <fmt/format.h>

#include "report/html_escape.h"
#include "report/html_style.h"
#include "report/monitor_sections.h"
#include "report/monitor_values.h"

namespace trainops {
namespace {

using monitor_page::At;
using monitor_page::FlagAt;
using monitor_page::FormatNumber;
using monitor_page::FormatPercent;
using monitor_page::FormatPValue;
using monitor_page::NumberAt;
using monitor_page::TextAt;

// Additions to the shared stylesheet for what only the monitor page has.
constexpr const char* kMonitorStyle = R"CSS(
.alerts.bad{border-color:#e7b3ae;background:#fdf1f0}.alerts.ok{border-color:#b7dcc5;background:#f1faf4}
.alerts h2{font-size:20px;margin:0 0 6px}.alerts.bad h2{color:var(--bad)}.alerts.ok h2{color:var(--ok)}
.alerts ul{margin:4px 0 0;padding-left:20px}.alerts a{color:inherit}
.warnbox{border:1px solid #ecd08f;background:#fdf6e3;color:#7a5200;border-radius:6px;padding:8px 12px;margin-top:12px;font-weight:600}
.card.unreliable .v{color:var(--muted)}
.signal{border-top:1px solid var(--line);padding:10px 0 6px}.signal:first-of-type{border-top:0}
.signal h3{margin-top:0}.signal svg{display:block;margin-top:8px}.detail{font-size:12px;margin:4px 0}
table.compact{width:auto}table.compact td,table.compact th{padding:3px 14px 3px 0}
.trends{display:flex;flex-wrap:wrap;gap:4px 28px}
)CSS";

// A text that is a known absence ("" from the JSON) reads as a dash.
std::string OrDash(const std::string& text) { return text.empty() ? "–" : text; }

std::string Header(const nlohmann::json& m) {
  const auto& w = At(m, "window");
  std::string html =
      "<header><h1>Monitor report: " + HtmlEscape(OrDash(TextAt(m, "task"))) + "</h1>";
  html += "<div class=\"sub\">model " + HtmlEscape(OrDash(TextAt(m, "model"))) +
          " &middot; run at " + HtmlEscape(OrDash(TextAt(m, "at"))) + "</div>";
  html += "<div class=\"sub\" id=\"window\">window " + HtmlEscape(OrDash(TextAt(w, "source"))) +
          " &middot; " + FormatNumber(NumberAt(w, "rows")) + " rows, " +
          FormatNumber(NumberAt(w, "feedback_rows")) + " with feedback &middot; " +
          HtmlEscape(OrDash(TextAt(w, "first"))) + " to " + HtmlEscape(OrDash(TextAt(w, "last"))) +
          "</div>";
  html += "<div class=\"sub\" id=\"test\">test: " + HtmlEscape(OrDash(TextAt(m, "test"))) +
          " &middot; family-wise α " + FormatNumber(NumberAt(m, "family_alpha")) +
          "</div></header>\n";
  return html;
}

// The alert list, with each signal's effect and threshold; an alert naming no signal (a
// label, say) is listed as given.
std::string AlertSummary(const nlohmann::json& m) {
  const auto signals = monitor_page::Signals(m);
  std::vector<std::string> alerts;
  const auto& listed = At(m, "alerts");
  if (listed.is_array()) {
    for (const auto& a : listed) {
      std::string name = a.is_object() ? TextAt(a, "name") : monitor_page::AsText(a);
      if (!name.empty()) alerts.push_back(name);
    }
  } else {  // no list: fall back on the signals' own flags
    for (const auto& s : signals) {
      if (FlagAt(s, "alert")) alerts.push_back(TextAt(s, "name"));
    }
  }
  if (alerts.empty()) {
    return "<section id=\"alert-summary\" class=\"alerts ok\"><h2>No alerts</h2><p>" +
           std::to_string(signals.size()) + " signal(s) checked; none alerted.</p></section>\n";
  }
  std::string html = "<section id=\"alert-summary\" class=\"alerts bad\"><h2>" +
                     std::to_string(alerts.size()) + (alerts.size() == 1 ? " alert" : " alerts") +
                     "</h2><ul>";
  for (const auto& name : alerts) {
    size_t i = 0;
    while (i < signals.size() && TextAt(signals[i], "name") != name) ++i;
    if (i == signals.size()) {
      html += "<li>" + HtmlEscape(name) + "</li>";
      continue;
    }
    const auto& s = signals[i];
    const std::string description = TextAt(s, "description");
    html += "<li><a href=\"#signal-" + std::to_string(i) + "\"><b>" + HtmlEscape(name) + "</b></a>";
    if (!description.empty()) html += " (" + HtmlEscape(description) + ")";
    html += ": effect " + FormatNumber(NumberAt(s, "effect")) + ", threshold " +
            FormatNumber(NumberAt(s, "threshold")) + ", p-value " +
            FormatPValue(NumberAt(s, "p_value")) + "</li>";
  }
  return html + "</ul></section>\n";
}

std::string IntervalNote(const nlohmann::json& e) {
  const auto lo = NumberAt(e, "low"), hi = NumberAt(e, "high");
  return lo && hi ? "interval " + FormatPercent(lo) + " – " + FormatPercent(hi) : "no interval";
}

std::string Card(const std::string& key, const std::string& value, const std::string& sub,
                 const char* extra_class = "") {
  return std::string("<div class=\"card") + extra_class + "\"><div class=\"k\">" + HtmlEscape(key) +
         "</div><div class=\"v\">" + HtmlEscape(value) + "</div><div class=\"ci\">" +
         HtmlEscape(sub) + "</div></div>";
}

std::string AccuracySection(const nlohmann::json& m) {
  const auto& est = At(m, "estimated_accuracy");
  // Only an explicit false is a warning: an absent estimate is said as such instead.
  const bool unreliable =
      est.is_object() && At(est, "reliable").is_boolean() && !FlagAt(est, "reliable");
  std::string html = "<section id=\"accuracy\"><h2>Accuracy</h2><div class=\"cards\">";
  html += Card("estimated accuracy (no labels)", FormatPercent(NumberAt(est, "value")),
               est.is_object() ? IntervalNote(est) : "not estimated in this run",
               unreliable ? " unreliable" : "");
  for (const auto& [key, title] : {std::pair{"feedback_accuracy", "feedback accuracy"},
                                   std::pair{"feedback_macro_f1", "feedback macro-F1"}}) {
    const auto& f = At(m, key);
    if (!f.is_object()) continue;
    html += Card(title, FormatPercent(NumberAt(f, "value")),
                 IntervalNote(f) + " · " + FormatNumber(NumberAt(f, "rows")) + " rows");
  }
  html += "</div>";
  if (unreliable) {
    const std::string reason = TextAt(est, "reason");
    html +=
        "<div class=\"warnbox\" id=\"estimate-warning\">Estimated accuracy: not a valid "
        "estimate: " +
        HtmlEscape(reason.empty() ? "no reason given" : reason) + "</div>";
  }
  if (!At(m, "feedback_accuracy").is_object() && !At(m, "feedback_macro_f1").is_object()) {
    html +=
        "<p class=\"note\" id=\"no-feedback\">No feedback in this window: accuracy measured on "
        "corrected labels is not available.</p>";
  }
  return html + "</section>\n";
}

std::string UnknownLabels(const nlohmann::json& m) {
  const auto& rows = At(m, "unknown_labels");
  if (!rows.is_array() || rows.empty()) return "";
  std::string html =
      "<section id=\"unknown-labels\"><h2>Unknown labels in feedback</h2><p class=\"note\">Labels "
      "given in feedback that the model does not know.</p><div class=\"scroll\"><table "
      "class=\"compact\"><tr><th>label</th>"
      "<th>rows</th></tr>";
  for (const auto& r : rows) {
    html += "<tr><td>" + HtmlEscape(TextAt(r, "label")) + "</td><td class=\"num\">" +
            FormatNumber(NumberAt(r, "rows")) + "</td></tr>";
  }
  return html + "</table></div></section>\n";
}

// A per-label table of the report: label, reference, this window, change, (rows,) p-value, alert.
std::string PerLabelTable(const nlohmann::json& rows, const std::string& id, const std::string& title,
                          const std::string& note, bool with_rows) {
  if (!rows.is_array() || rows.empty()) return "";
  std::string html = "<section id=\"" + id + "\"><h2>" + title + "</h2>" +
                     (note.empty() ? "" : "<p class=\"note\">" + note + "</p>") +
                     "<div class=\"scroll\"><table class=\"compact\">"
                     "<tr><th>label</th><th>reference</th><th>this window</th><th>change</th>" +
                     (with_rows ? "<th>rows</th>" : "") + "<th>p-value</th><th></th></tr>";
  for (const auto& r : rows) {
    const auto ref = NumberAt(r, "reference"), value = NumberAt(r, "value");
    std::string change = "–";
    if (ref && value) change = fmt::format("{:+.1f} pts", 100.0 * (*value - *ref));
    html += "<tr><td>" + HtmlEscape(TextAt(r, "label")) + "</td><td class=\"num\">" + FormatPercent(ref) +
            "</td><td class=\"num\">" + FormatPercent(value) + "</td><td class=\"num\">" + change + "</td>" +
            (with_rows ? "<td class=\"num\">" + FormatNumber(NumberAt(r, "rows")) + "</td>" : "") +
            "<td class=\"num\">" + FormatPValue(NumberAt(r, "p_value")) + "</td><td>" +
            (FlagAt(r, "alert") ? "<span class=\"flag bad\">alert</span>" : "") + "</td></tr>";
  }
  return html + "</table></div></section>\n";
}

std::string PerLabelRecall(const nlohmann::json& m) {
  return PerLabelTable(At(m, "per_label_recall"), "per-label-recall", "Recall per label (feedback)", "", true);
}

// Multi-label models: the share of messages each label was chosen for (label_rates).
std::string LabelRates(const nlohmann::json& m) {
  return PerLabelTable(At(m, "label_rates"), "label-rates", "Predicted rate per label",
                       "Share of messages each label is chosen for, against validation; Fisher's exact test per "
                       "label, Bonferroni-adjusted over the labels.",
                       false);
}

}  // namespace

std::string MonitorHtml(const nlohmann::json& monitor, const std::vector<nlohmann::json>& history) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // No script and no fetch may run: the page is static, so forbidding both costs nothing
  // and would stop anything that slipped past the escaping.
  html +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>trainops monitor: " + HtmlEscape(TextAt(monitor, "task")) + "</title>\n<style>" +
          ReportStyle() + kMonitorStyle + "</style>\n</head>\n<body>\n";
  html += Header(monitor) + "<main>\n" + AlertSummary(monitor) + AccuracySection(monitor);
  html += monitor_page::SignalsSection(monitor) + monitor_page::TrendsSection(monitor, history);
  html += LabelRates(monitor) + UnknownLabels(monitor) + PerLabelRecall(monitor);
  return html + "</main>\n</body>\n</html>\n";
}

}  // namespace trainops
