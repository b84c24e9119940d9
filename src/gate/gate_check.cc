#include "gate/gate_check.h"

#include "task/gates_spec.h"

namespace trainops {

std::string GateStatusName(GateStatus status) {
  switch (status) {
    case GateStatus::kPass: return "PASS";
    case GateStatus::kFail: return "FAIL";
    case GateStatus::kSkip: return "SKIP";
  }
  return "?";
}

nlohmann::json GateCheck::ToJson() const {
  nlohmann::json j = {{"kind", kind},          {"name", name},     {"value", value},
                      {"op", op},              {"threshold", threshold},
                      {"status", GateStatusName(status)}, {"passed", status != GateStatus::kFail},
                      {"detail", detail}};
  if (!data.is_null()) j["data"] = data;
  return j;
}

GateCheck CompareCheck(std::string kind, std::string name, double value, const std::string& op, double threshold,
                       std::string detail) {
  GateCheck c;
  c.kind = std::move(kind);
  c.name = std::move(name);
  c.value = value;
  c.op = op;
  c.threshold = threshold;
  c.status = ComparisonHolds(value, op, threshold) ? GateStatus::kPass : GateStatus::kFail;
  c.detail = std::move(detail);
  return c;
}

GateCheck StatusCheck(std::string kind, std::string name, GateStatus status, std::string detail) {
  GateCheck c;
  c.kind = std::move(kind);
  c.name = std::move(name);
  c.status = status;
  c.detail = std::move(detail);
  return c;
}

bool GateReport::passed() const { return Count(GateStatus::kFail) == 0; }

size_t GateReport::Count(GateStatus status) const {
  size_t n = 0;
  for (const auto& c : checks) n += c.status == status;
  return n;
}

nlohmann::json GateReport::ToJson() const {
  nlohmann::json j = context;
  j["passed"] = passed();
  j["verdict"] = passed() ? "PASS" : "FAIL";
  j["counts"] = {{"total", checks.size()},
                 {"passed", Count(GateStatus::kPass)},
                 {"failed", Count(GateStatus::kFail)},
                 {"skipped", Count(GateStatus::kSkip)}};
  j["gates"] = nlohmann::json::array();
  for (const auto& c : checks) j["gates"].push_back(c.ToJson());
  return j;
}

}  // namespace trainops
