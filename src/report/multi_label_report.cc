#include "report/multi_label_report.h"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "report/html_escape.h"
#include "report/html_style.h"

namespace trainops {
namespace {

std::string Pct(const nlohmann::json& v) { return v.is_number() ? fmt::format("{:.1f}%", 100 * v.get<double>()) : "–"; }
std::string Ci(const nlohmann::json& v) {
  return v.is_array() && v.size() == 2 ? fmt::format("{} – {}", Pct(v[0]), Pct(v[1])) : "";
}
std::string Str(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string JoinNames(const nlohmann::json& list) {
  std::string out;
  for (const auto& name : list) out += (out.empty() ? "" : ", ") + Str(name);
  return out.empty() ? "(none)" : out;
}

// Headline metrics: (title, key, interval key).
const std::vector<std::array<const char*, 3>> kHeadline = {
    {"micro-F1", "micro_f1", "micro_f1_ci"},          {"exact set", "exact_match", "exact_match_ci"},
    {"macro-F1", "macro_f1", "macro_f1_ci"},          {"samples F1", "samples_f1", "samples_f1_ci"},
    {"micro precision", "micro_precision", ""},       {"micro recall", "micro_recall", ""},
    {"Hamming loss", "hamming_loss", ""},
};

// Labels weakest first (by F1, then support), those with gold support or predictions.
std::vector<std::string> LabelsWeakestFirst(const nlohmann::json& r) {
  std::vector<std::string> labels;
  for (const auto& name : r["labels"]) {
    const auto& m = r["per_label"][Str(name)];
    if (m["support"].get<uint64_t>() > 0 || m["predicted"].get<uint64_t>() > 0) labels.push_back(Str(name));
  }
  std::stable_sort(labels.begin(), labels.end(), [&](const std::string& a, const std::string& b) {
    return r["per_label"][a]["f1"].get<double>() < r["per_label"][b]["f1"].get<double>();
  });
  return labels;
}

}  // namespace

std::string RenderMultiLabelHtmlReport(const nlohmann::json& r) {
  const std::string model = r.value("model", ""), data = r.value("data", "");
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>trainops eval: " + HtmlEscape(model) + "</title>\n<style>" + ReportStyle() + "</style>\n</head>\n";
  h += "<body data-rendered=\"done\">\n<header><h1>Evaluation report (multi-label)</h1><div class=\"sub\">model " +
       HtmlEscape(model) + " &middot; data " + HtmlEscape(data) + " &middot; " + Str(r["n"]) + " messages, " +
       fmt::format("{:.2f} labels a message ({:.2f} predicted)", r["label_cardinality"].get<double>(),
                   r["predicted_cardinality"].get<double>()) +
       " &middot; thresholds: " + HtmlEscape(r["threshold"].is_string() ? Str(r["threshold"])
                                                                         : fmt::format("{} for every label", Str(r["threshold"]))) +
       "</div></header>\n<main>\n";
  h += "<section id=\"headline\"><h2>Headline</h2><div class=\"cards\">";
  for (const auto& [title, key, ci] : kHeadline) {
    h += fmt::format("<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div>", title, Pct(r[key]));
    if (*ci && r.contains(ci)) h += "<div class=\"ci\">95% CI " + Ci(r[ci]) + "</div>";
    h += "</div>";
  }
  h += "</div></section>\n";
  h += "<section id=\"per-label\"><h2>Per label</h2><p class=\"note\">Weakest first. Precision and recall with "
       "Wilson 95% intervals, F1 with a bootstrap interval over messages.</p><div class=\"scroll\"><table><thead><tr>"
       "<th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>predicted</th>"
       "<th>threshold</th></tr></thead><tbody>";
  for (const std::string& label : LabelsWeakestFirst(r)) {
    const auto& m = r["per_label"][label];
    h += fmt::format("<tr><td>{}</td><td>{} <span class=\"ci\">{}</span></td><td>{} <span class=\"ci\">{}</span></td>"
                     "<td>{} <span class=\"ci\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                     HtmlEscape(label), Pct(m["precision"]), Ci(m["precision_ci"]), Pct(m["recall"]),
                     Ci(m["recall_ci"]), Pct(m["f1"]), Ci(m["f1_ci"]), Str(m["support"]), Str(m["predicted"]),
                     m.contains("threshold") ? fmt::format("{:.3f}", m["threshold"].get<double>()) : "not in model");
  }
  h += "</tbody></table></div></section>\n";
  const auto& failures = r["failures"];
  h += fmt::format("<section id=\"failures\"><h2>Failure categories</h2><p class=\"note\">{} wrong label decisions; "
                   "largest first, with examples.</p>",
                   Str(failures["total_errors"]));
  auto category_table = [&](const nlohmann::json& list, size_t limit) {
    std::string t = "<table><thead><tr><th>category</th><th>count</th><th>share</th><th>examples</th></tr></thead><tbody>";
    for (size_t i = 0; i < list.size() && i < limit; ++i) {
      const auto& c = list[i];
      std::string examples;
      for (const auto& e : c["examples"]) {
        examples += "<div>line " + Str(e["line"]) + ": " + HtmlEscape(Str(e["text"])) + " <span class=\"ci\">gold " +
                    HtmlEscape(JoinNames(e["gold"])) + "; predicted " + HtmlEscape(JoinNames(e["predicted"])) +
                    "</span></div>";
      }
      t += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", HtmlEscape(Str(c["title"])),
                       Str(c["count"]), Pct(c["share"]), examples);
    }
    return t + "</tbody></table>";
  };
  h += category_table(failures["categories"], 20);
  h += "<h3>Most confused pairs</h3><p class=\"note\">A gold label missed while another was predicted in the same "
       "message.</p>" +
       category_table(failures["confused_pairs"], 15) + "</section>\n";
  h += "<section id=\"segments\"><h2>Segments</h2>";
  for (const auto& column : r["segments"]["columns"]) {
    h += "<h3>" + HtmlEscape(Str(column["column"])) +
         "</h3><table><thead><tr><th>value</th><th>n</th><th>micro-F1</th><th>exact set</th><th>samples F1</th>"
         "</tr></thead><tbody>";
    for (const auto& s : column["segments"]) {
      h += fmt::format("<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", HtmlEscape(Str(s["value"])),
                       s["too_small"].get<bool>() ? " <span class=\"ci\">(too small to judge)</span>" : "",
                       Str(s["n"]), Pct(s["micro_f1"]), Pct(s["exact_match"]), Pct(s["samples_f1"]));
    }
    h += "</tbody></table>";
  }
  if (r["segments"]["columns"].empty()) h += "<p class=\"note\">No segment columns (--segments).</p>";
  h += "</section>\n</main>\n</body>\n</html>\n";
  return h;
}

std::string RenderMultiLabelMarkdownReport(const nlohmann::json& r) {
  std::string md = fmt::format("## Evaluation (multi-label): {}\n\nData: `{}` · {} messages, {:.2f} labels a message\n\n",
                               MarkdownCell(r.value("model", "")), MarkdownCell(r.value("data", "")), Str(r["n"]),
                               r["label_cardinality"].get<double>());
  md += "| metric | value | 95% CI |\n|---|---:|---|\n";
  for (const auto& [title, key, ci] : kHeadline) {
    md += fmt::format("| {} | {} | {} |\n", title, Pct(r[key]), *ci && r.contains(ci) ? Ci(r[ci]) : "");
  }
  md += "\n| label | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n";
  for (const std::string& label : LabelsWeakestFirst(r)) {
    const auto& m = r["per_label"][label];
    md += fmt::format("| {} | {} | {} | {} | {} |\n", MarkdownCell(label), Pct(m["precision"]), Pct(m["recall"]),
                      Pct(m["f1"]), Str(m["support"]));
  }
  md += "\n| failure category | count | share |\n|---|---:|---:|\n";
  const auto& cats = r["failures"]["categories"];
  for (size_t i = 0; i < cats.size() && i < 10; ++i) {
    md += fmt::format("| {} | {} | {} |\n", MarkdownCell(Str(cats[i]["title"])), Str(cats[i]["count"]),
                      Pct(cats[i]["share"]));
  }
  return md;
}

}  // namespace trainops
