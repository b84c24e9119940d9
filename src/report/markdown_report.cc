#include "report/markdown_report.h"

#include <fmt/format.h>

#include "report/html_escape.h"
#include "report/multi_label_report.h"

namespace trainops {
namespace {

std::string Pct(const nlohmann::json& v) {
  return v.is_number() ? fmt::format("{:.1f}%", 100 * v.get<double>()) : "–";
}
std::string Ci(const nlohmann::json& v) {
  return v.is_array() && v.size() == 2 ? fmt::format("{} – {}", Pct(v[0]), Pct(v[1])) : "";
}
std::string Str(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::string RenderMarkdownReport(const nlohmann::json& r) {
  if (r.value("task_kind", "") == "multi_label") return RenderMultiLabelMarkdownReport(r);
  std::string md;
  md += fmt::format("## Evaluation: {}\n\n", MarkdownCell(r.value("model", "")));
  md += fmt::format("Data: `{}` · {} rows\n\n", MarkdownCell(r.value("data", "")), Str(r["n"]));
  md += "| metric | value | 95% CI |\n|---|---:|---|\n";
  md += fmt::format("| accuracy | {} | {} |\n", Pct(r["accuracy"]), Ci(r.value("accuracy_ci", nlohmann::json())));
  md += fmt::format("| macro-F1 | {} | {} |\n", Pct(r["macro_f1"]), Ci(r.value("macro_f1_ci", nlohmann::json())));
  md += fmt::format("| weighted-F1 | {} | |\n", Pct(r["weighted_f1"]));
  if (r.contains("calibration")) {
    const auto& c = r["calibration"];
    md += fmt::format("| ECE before → after calibration (T = {:.2f}) | {:.4f} → {:.4f} | |\n",
                      c["temperature"].get<double>(), c["ece_before"].get<double>(), c["ece_after"].get<double>());
  }
  md += "\n";
  if (r.contains("oos") && r["oos"].value("enabled", false)) {
    const auto& o = r["oos"];
    md += fmt::format("### Out of scope (`{}`, threshold {:.4f}, {})\n\n", MarkdownCell(Str(o["label"])),
                      o["threshold"].get<double>(), Str(o["threshold_source"]));
    md += "| | in-scope accuracy | oos recall | oos precision | overall accuracy |\n|---|---:|---:|---:|---:|\n";
    md += fmt::format("| with rejection | {} | {} | {} | {} |\n", Pct(o["in_scope_accuracy"]), Pct(o["oos_recall"]),
                      Pct(o["oos_precision"]), Pct(o["overall_accuracy"]));
    const auto& w = o["without_rejection"];
    md += fmt::format("| no rejection | {} | {} | {} | {} |\n\n", Pct(w["in_scope_accuracy"]), Pct(w["oos_recall"]),
                      Pct(w["oos_precision"]), Pct(w["overall_accuracy"]));
  }
  if (r.contains("segments")) {
    for (const auto& col : r["segments"]["columns"]) {
      md += fmt::format("### Segments by `{}`\n\n", MarkdownCell(Str(col["column"])));
      const auto& g = col["gap"];
      if (g.contains("gap")) {
        md += fmt::format("Best {} ({}), worst {} ({}): gap {:.1f} points, permutation p = {:.3f} — {}.\n\n",
                          MarkdownCell(Str(g["best"])), Pct(g["best_accuracy"]), MarkdownCell(Str(g["worst"])),
                          Pct(g["worst_accuracy"]), 100 * g["gap"].get<double>(), g["p_value"].get<double>(),
                          g["larger_than_chance"].get<bool>() ? "larger than chance" : "within chance");
      } else {
        md += MarkdownCell(g.value("note", "")) + "\n\n";
      }
      md += "| segment | n | accuracy | 95% CI | macro-F1 | 95% CI | |\n|---|---:|---:|---|---:|---|---|\n";
      for (const auto& s : col["segments"]) {
        std::string flags;
        if (s["too_small"].get<bool>()) flags += "too small to judge ";
        if (s["single_class"].get<bool>()) flags += "one class";
        md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", MarkdownCell(Str(s["value"])), Str(s["n"]),
                          Pct(s["accuracy"]), Ci(s["accuracy_ci"]), Pct(s["macro_f1"]), Ci(s["macro_f1_ci"]), flags);
      }
      md += "\n";
    }
  }
  if (r.contains("failures")) {
    const auto& f = r["failures"];
    md += fmt::format("### Failure categories ({} errors), by impact\n\n", Str(f["total_errors"]));
    md += "| # | category | count | share | impact |\n|---:|---|---:|---:|---:|\n";
    for (const auto& c : f["categories"]) {
      md += fmt::format("| {} | {} | {} | {} | {:.1f} |\n", Str(c["rank"]), MarkdownCell(Str(c["title"])),
                        Str(c["count"]), Pct(c["share"]), c["impact"].get<double>());
    }
    md += "\n";
    for (const auto& c : f["categories"]) {
      if (c["examples"].empty()) continue;
      md += fmt::format("**{}. {}**\n\n| text | gold | predicted | confidence |\n|---|---|---|---:|\n",
                        Str(c["rank"]), MarkdownCell(Str(c["title"])));
      for (const auto& e : c["examples"]) {
        md += fmt::format("| {} | {} | {} | {:.3f} |\n", MarkdownCell(Str(e["text"])), MarkdownCell(Str(e["gold"])),
                          MarkdownCell(Str(e["predicted"])), e["confidence"].get<double>());
      }
      md += "\n";
    }
  }
  return md;
}

}  // namespace trainops
