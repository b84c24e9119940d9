#include "gate/gate_output.h"

#include <fmt/format.h>

#include "report/html_escape.h"

namespace trainops {
namespace {

std::string Number(double v) {
  if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e12) return fmt::format("{}", v);
  return fmt::format("{:.4f}", v);
}

}  // namespace

std::string RenderVerdict(const GateReport& report) {
  const nlohmann::json& ctx = report.context;
  std::string out = fmt::format("gate for task {} on {}\n", ctx.value("task", std::string("?")),
                                ctx.contains("data") ? ctx["data"].value("test", std::string()) : std::string());
  out += fmt::format("candidate: {}\n", ctx.contains("candidate") ? ctx["candidate"].value("path", std::string()) : "");
  if (ctx.contains("baseline") && !ctx["baseline"].is_null()) {
    out += fmt::format("baseline:  {}\n", ctx["baseline"].value("description", std::string()));
  }
  out += "\n";
  size_t width = 20;
  for (const auto& c : report.checks) width = std::max(width, c.name.size());
  width = std::min<size_t>(width, 72);
  for (const auto& c : report.checks) {
    // Gates without a comparison (skipped ones, unjudgeable ones) have no value to show.
    const std::string measured =
        c.op.empty() ? std::string(1, '-') : fmt::format("{} (needs {} {})", Number(c.value), c.op, Number(c.threshold));
    out += fmt::format("  {}  {:<{}}  {}\n", GateStatusName(c.status), c.name, width, measured);
    if (!c.detail.empty()) out += fmt::format("        {}\n", c.detail);
  }
  out += fmt::format("\nverdict: {} ({} passed, {} failed, {} skipped)\n", report.passed() ? "PASS" : "FAIL",
                     report.Count(GateStatus::kPass), report.Count(GateStatus::kFail), report.Count(GateStatus::kSkip));
  return out;
}

std::string RenderJUnit(const GateReport& report) {
  const std::string suite = "gate: " + report.context.value("task", std::string("task"));
  const double seconds = report.context.value("seconds", 0.0);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"trainops gate\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n",
                     report.checks.size(), report.Count(GateStatus::kFail), report.Count(GateStatus::kSkip), seconds);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\">\n",
                     XmlEscape(suite), report.checks.size(), report.Count(GateStatus::kFail),
                     report.Count(GateStatus::kSkip), seconds);
  for (const auto& c : report.checks) {
    out += fmt::format("    <testcase classname=\"trainops.gate.{}\" name=\"{}\" time=\"0\">\n", XmlEscape(c.kind),
                       XmlEscape(c.name));
    const std::string measured =
        c.op.empty() ? c.detail : fmt::format("value {} (needs {} {}): {}", Number(c.value), c.op, Number(c.threshold), c.detail);
    if (c.status == GateStatus::kFail) {
      out += fmt::format("      <failure type=\"GateFailed\" message=\"{}\">{}</failure>\n", XmlEscape(measured),
                         XmlEscape(c.data.is_null() ? measured : c.data.dump(2, ' ', false,
                                                                           nlohmann::json::error_handler_t::replace)));
    } else if (c.status == GateStatus::kSkip) {
      out += fmt::format("      <skipped message=\"{}\"/>\n", XmlEscape(c.detail));
    } else {
      out += fmt::format("      <system-out>{}</system-out>\n", XmlEscape(measured));
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace trainops
