#include "gate/behaviour_gates.h"

#include <fmt/format.h>

#include "gate/behaviour_runner.h"

namespace trainops {

std::vector<GateCheck> BehaviourChecks(const Model& model, const BehaviourGate& gate, uint64_t seed, int threads) {
  const BehaviourSuite suite = LoadBehaviourSuite(gate.file);
  BehaviourOptions options;
  options.seed = seed;
  options.per_kind = gate.per_kind;
  options.max_failure_examples = 5;
  options.threads = threads;
  const BehaviourResult result = RunBehaviourTests(model, suite, options);
  const nlohmann::json j = result.ToJson();
  std::vector<GateCheck> checks;
  const std::pair<BehaviourKind, const char*> kinds[] = {{BehaviourKind::kMft, "mft"},
                                                         {BehaviourKind::kInv, "inv"},
                                                         {BehaviourKind::kDir, "dir"}};
  const std::map<std::string, std::string> titles = {
      {"mft", "minimum functionality"}, {"inv", "invariance"}, {"dir", "directional"}};
  for (const auto& [kind, key] : kinds) {
    const BehaviourKindResult& r = result.Of(kind);
    const double required = gate.min_pass_rate.at(key);
    const std::string name = fmt::format("behaviour: {} pass rate >= {}", titles.at(key), required);
    if (r.empty()) {
      GateCheck c = StatusCheck("behaviour", name, GateStatus::kSkip,
                                fmt::format("{} has no {} cases", gate.file.filename().string(), key));
      c.op = ">=";
      c.threshold = required;
      checks.push_back(std::move(c));
      continue;
    }
    std::string detail = fmt::format("{} of {} cases passed", r.passed, r.cases);
    if (kind == BehaviourKind::kInv) {
      for (const auto& [pk, stats] : result.perturbations) {
        if (stats.cases_broken > 0) detail += fmt::format("; {} broke {} of {}", pk, stats.cases_broken, stats.cases);
      }
    }
    if (!r.failures.empty()) {
      const BehaviourFailure& f = r.failures.front();
      detail += fmt::format("; e.g. {}: \"{}\" expected {}, got {}", f.where,
                            f.changed_text.empty() ? f.text : f.changed_text, f.expected, f.got);
    }
    GateCheck c = CompareCheck("behaviour", name, r.pass_rate(), ">=", required, detail);
    c.data = j[key];
    if (kind == BehaviourKind::kInv) c.data["perturbations"] = j["perturbations"];
    checks.push_back(std::move(c));
  }
  return checks;
}

}  // namespace trainops
