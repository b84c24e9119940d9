#include "check/findings.h"

#include <map>

#include <fmt/format.h>

namespace trainops {
namespace {

// Checks in the order they run, so reports read top to bottom like the pipeline.
const std::vector<std::string> kCheckOrder = {"broken_rows", "duplicates",  "conflicting_labels",
                                              "leakage",     "label_health", "staleness",
                                              "label_errors", "outliers",   "thin_segments"};

std::vector<std::string> ChecksPresent(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& name : kCheckOrder) {
    for (const auto& f : findings) {
      if (f.check == name) {
        out.push_back(name);
        break;
      }
    }
  }
  for (const auto& f : findings) {
    if (std::find(out.begin(), out.end(), f.check) == out.end()) out.push_back(f.check);
  }
  return out;
}

std::string RowList(const std::vector<RowRef>& rows, size_t max_rows) {
  std::string out;
  for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
    if (i) out += ", ";
    out += fmt::format("{}:{}", rows[i].file, rows[i].line);
  }
  if (rows.size() > max_rows) out += fmt::format(" ... and {} more", rows.size() - max_rows);
  return out;
}

}  // namespace

std::string SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "?";
}

size_t CheckReport::Count(Severity severity) const {
  size_t n = 0;
  for (const auto& f : findings) n += f.severity == severity;
  return n;
}

void CheckReport::Tally() {
  summary["errors"] = Count(Severity::kError);
  summary["warnings"] = Count(Severity::kWarning);
  summary["infos"] = Count(Severity::kInfo);
  nlohmann::json by_check = nlohmann::json::object();
  for (const auto& f : findings) {
    auto& entry = by_check[f.check];
    if (entry.is_null()) entry = {{"error", 0}, {"warning", 0}, {"info", 0}};
    entry[SeverityName(f.severity)] = entry[SeverityName(f.severity)].get<int>() + 1;
  }
  summary["by_check"] = by_check;
}

nlohmann::json CheckReport::ToJson() const {
  nlohmann::json findings_json = nlohmann::json::array();
  for (const auto& f : findings) {
    nlohmann::json j = {{"check", f.check}, {"severity", SeverityName(f.severity)}, {"message", f.message}};
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : f.rows) rows.push_back({{"file", r.file}, {"line", r.line}});
    j["rows"] = rows;
    for (const auto& [key, value] : f.details.items()) j[key] = value;
    findings_json.push_back(std::move(j));
  }
  return {{"summary", summary}, {"findings", findings_json}};
}

std::string CheckReport::ToText(size_t max_rows) const {
  std::string out;
  for (const auto& check : ChecksPresent(findings)) {
    std::map<Severity, size_t> counts;
    std::vector<const Finding*> of_check;
    for (const auto& f : findings) {
      if (f.check != check) continue;
      counts[f.severity]++;
      of_check.push_back(&f);
    }
    std::vector<std::string> parts;
    for (Severity s : {Severity::kError, Severity::kWarning, Severity::kInfo}) {
      if (counts[s]) parts.push_back(fmt::format("{} {}{}", counts[s], SeverityName(s), counts[s] > 1 ? "s" : ""));
    }
    out += fmt::format("{} ({})\n", check, fmt::join(parts, ", "));
    // Long checks (label_errors, thin_segments) can produce thousands of findings; the
    // first ones are the most important (they are ranked or sorted by the check).
    const size_t max_findings = 20;
    for (size_t i = 0; i < of_check.size() && i < max_findings; ++i) {
      const Finding& f = *of_check[i];
      out += fmt::format("  {}: {}\n", SeverityName(f.severity), f.message);
      if (!f.rows.empty()) out += fmt::format("    rows: {}\n", RowList(f.rows, max_rows));
    }
    if (of_check.size() > max_findings) {
      out += fmt::format("  ... and {} more {} findings (see --json)\n", of_check.size() - max_findings, check);
    }
  }
  out += fmt::format("check-data: {} errors, {} warnings, {} infos\n", Count(Severity::kError),
                     Count(Severity::kWarning), Count(Severity::kInfo));
  return out;
}

std::string CheckReport::ToMarkdown() const {
  std::string out = "# Data check report\n\n";
  out += fmt::format("**{} errors, {} warnings, {} infos**\n\n", Count(Severity::kError),
                     Count(Severity::kWarning), Count(Severity::kInfo));
  if (summary.contains("files")) {
    out += "| split | file | rows read | rows loaded | broken |\n|---|---|---:|---:|---:|\n";
    for (const auto& f : summary["files"]) {
      out += fmt::format("| {} | `{}` | {} | {} | {} |\n", f["split"].get<std::string>(),
                         f["file"].get<std::string>(), f["rows_read"].get<uint64_t>(),
                         f["rows_loaded"].get<uint64_t>(), f["broken_rows"].get<uint64_t>());
    }
    out += "\n";
    for (const auto& f : summary["files"]) {
      if (!f.contains("sampled")) continue;
      out += fmt::format("- `{}` has {} rows, more than checks.max_rows ({}): the checks saw a uniform sample of {} "
                         "of them (label counts are exact; duplicates, leakage and label errors are found only "
                         "among the sampled rows)\n",
                         f["file"].get<std::string>(), f["sampled"]["rows_in_file"].get<uint64_t>(),
                         f["sampled"]["max_rows"].get<int>(), f["sampled"]["rows_checked"].get<uint64_t>());
    }
  }
  if (summary.contains("checks_skipped") && !summary["checks_skipped"].empty()) {
    for (const auto& [check, why] : summary["checks_skipped"].items()) {
      out += fmt::format("- `{}` skipped: {}\n", check, why.get<std::string>());
    }
    out += "\n";
  }
  for (const auto& check : ChecksPresent(findings)) {
    out += fmt::format("## {}\n\n", check);
    size_t shown = 0, total = 0;
    for (const auto& f : findings) {
      if (f.check != check) continue;
      ++total;
      if (shown >= 100) continue;
      ++shown;
      out += fmt::format("- **{}**: {}", SeverityName(f.severity), f.message);
      if (!f.rows.empty()) out += fmt::format(" ({})", RowList(f.rows, 10));
      out += "\n";
    }
    if (total > shown) out += fmt::format("- ... and {} more (see the JSON report)\n", total - shown);
    out += "\n";
  }
  if (findings.empty()) out += "No problems found.\n";
  return out;
}

}  // namespace trainops
