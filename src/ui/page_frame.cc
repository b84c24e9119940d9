#include "ui/page_frame.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "report/html_escape.h"
#include "report/html_style.h"

namespace trainops::ui {
namespace {

// The dashboard's additions to the reports' stylesheet: navigation, forms, and a layout
// that still reads at a phone's width (tables scroll sideways instead of squeezing).
constexpr const char* kDashboardStyle = R"CSS(
nav{background:#262d3b;padding:0 20px;display:flex;flex-wrap:wrap;gap:4px}
nav a{color:#cfd6e4;text-decoration:none;padding:9px 12px;display:inline-block}nav a.on{color:#fff;border-bottom:2px solid var(--accent)}
a{color:var(--accent)}.tablewrap{overflow-x:auto}td .text{display:inline-block;min-width:14em}code,.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
fieldset{border:1px solid var(--line);border-radius:8px;margin:10px 0;padding:8px 12px}legend{font-weight:600}
label{display:inline-block;margin:4px 10px 4px 0}input,select,button{font:inherit;padding:3px 6px}
button{background:var(--accent);color:#fff;border:0;border-radius:5px;padding:5px 12px;cursor:pointer}
.notice{border-left:4px solid var(--ok);background:#e2f3e9}.error{border-left:4px solid var(--bad);background:#fbe3e1}
details summary{cursor:pointer;color:var(--muted)}svg{max-width:100%;height:auto}
.legend span{margin-right:14px;font-size:12px}.sw{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:4px;background:#5b6475}
.sw.est{background:#2f6fdb}.sw.fb{background:#2e8b57}.sw.promote{background:#6a3fb5}.card .v.id{font-size:15px;word-break:break-all}.sw.loss,.sw.rollback{background:#c98a16}.sw.vloss{background:#8e44ad}.sw.drift{background:#c8453b}
@media (max-width:640px){main{padding:8px}section{padding:10px}header{padding:12px}.card .v{font-size:18px}}
)CSS";

}  // namespace

std::string Esc(std::string_view text) { return HtmlEscape(text); }

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += fmt::format("%{:02X}", ch);
    }
  }
  return out;
}

std::string Link(const std::string& href, std::string_view text) {
  return fmt::format("<a href=\"{}\">{}</a>", Esc(href), Esc(text));
}

std::string ModelLink(const std::string& id) {
  if (id.empty()) return "–";
  return fmt::format("<a class=\"id\" href=\"/models/{}\" title=\"{}\">{}</a>", UrlEncode(id), Esc(id),
                     Esc(id.substr(0, 12)));
}

std::string When(const std::string& iso) {
  if (iso.size() >= 16 && iso[4] == '-' && iso[7] == '-' && (iso[10] == 'T' || iso[10] == ' ')) {
    return Esc(iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC");
  }
  return Esc(iso);
}

std::string Chip(bool ok, std::string_view text) {
  return fmt::format("<span class=\"flag {}\">{}</span>", ok ? "ok" : "bad", Esc(text));
}

std::string Table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  const std::vector<size_t>& numeric, const std::string& id) {
  auto is_num = [&](size_t i) { return std::find(numeric.begin(), numeric.end(), i) != numeric.end(); };
  std::string html = id.empty() ? "<div class=\"tablewrap\"><table><thead><tr>"
                                : fmt::format("<div class=\"tablewrap\"><table id=\"{}\"><thead><tr>", Esc(id));
  for (const auto& h : header) html += "<th scope=\"col\">" + Esc(h) + "</th>";
  html += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) html += (is_num(i) ? "<td class=\"num\">" : "<td>") + row[i] + "</td>";
    html += "</tr>";
  }
  return html + "</tbody></table></div>";
}

std::string ActionForm(const PageContext& c, const std::string& action, const std::string& legend,
                       const std::string& fields, const std::string& button) {
  return fmt::format(
      "<form method=\"post\" action=\"{}\"><fieldset><legend>{}</legend>"
      "<input type=\"hidden\" name=\"csrf\" value=\"{}\">{}"
      "<label>Token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required></label>"
      "<button type=\"submit\">{}</button></fieldset></form>",
      Esc(action), Esc(legend), Esc(c.csrf), fields, Esc(button));
}

std::string Frame(const PageContext* c, const std::string& nonce, const std::string& title, const std::string& active, const std::string& body) {
  std::string nav;
  for (const auto& [href, name] : std::vector<std::pair<std::string, std::string>>{
           {"/", "Overview"}, {"/models", "Models"}, {"/cycles", "Cycles"}, {"/traffic", "Traffic"}}) {
    nav += fmt::format("<a href=\"{}\"{}>{}</a>", href, name == active ? " class=\"on\" aria-current=\"page\"" : "",
                       name);
  }
  std::string sub;
  if (c) {
    sub = fmt::format("task {} · registry {}{}", Esc(c->spec.name), Esc(c->registry_shown),
                      c->actions ? " · actions allowed (token required)" : " · read-only");
  }
  std::string messages;
  if (c && !c->notice.empty()) messages += "<section class=\"notice\" role=\"status\">" + Esc(c->notice) + "</section>";
  if (c && !c->error.empty()) messages += "<section class=\"error\" role=\"alert\">" + Esc(c->error) + "</section>";
  return fmt::format(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{} · trainops</title><style nonce=\"{}\">{}{}</style></head><body>"
      "<header><h1>trainops · {}</h1><div class=\"sub\">{}</div></header><nav aria-label=\"Pages\">{}</nav>"
      "<main>{}{}</main></body></html>",
      Esc(title), Esc(nonce), ReportStyle(), kDashboardStyle, Esc(title), sub, nav, messages, body);
}

}  // namespace trainops::ui
