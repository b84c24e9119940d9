#include "registry/gate_policy.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "common/hash.h"

namespace trainops::gate_policy {
namespace {

using nlohmann::json;

// A threshold of gates.metrics as the spec wrote it ("recall[returns] >= 0.9"); the spec
// validated it when the report was made, so anything unreadable is simply not compared.
struct Threshold {
  std::string name;  // with its [label]
  bool at_least = true;  // >= or >
  bool strict = false;   // > or <
  double value = 0;
  std::string text;
};

std::optional<Threshold> ParseThreshold(const std::string& text) {
  const size_t op = text.find_first_of("<>");
  if (op == std::string::npos || op == 0) return std::nullopt;
  Threshold t;
  t.text = text;
  t.at_least = text[op] == '>';
  t.strict = op + 1 >= text.size() || text[op + 1] != '=';
  std::string name = text.substr(0, op);
  name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
  t.name = name;
  const std::string number = text.substr(op + (t.strict ? 1 : 2));
  char* end = nullptr;
  t.value = std::strtod(number.c_str(), &end);
  if (end == number.c_str()) return std::nullopt;
  return t;
}

// Whether `s` asks at least as much as `r` (same metric, same direction).
bool AtLeastAsStrict(const Threshold& s, const Threshold& r) {
  if (s.name != r.name || s.at_least != r.at_least) return false;
  if (s.value == r.value) return s.strict || !r.strict;
  return r.at_least ? s.value > r.value : s.value < r.value;
}

std::string Show(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

class Comparison {
 public:
  Comparison(const json& registered, const json& settings) : registered_(registered), settings_(settings) {}

  // Both sides' value at `path` ("regression/alpha"), when both have it.
  bool Both(const std::string& path, json* r, json* s) const {
    const json::json_pointer p("/" + path);
    if (!registered_.contains(p) || !settings_.contains(p)) return false;
    *r = registered_.at(p);
    *s = settings_.at(p);
    return true;
  }

  // A number where a higher value asks for less (a tolerance); `off_below_zero`: a
  // negative value switches the gate off, which is the weakest of all.
  void HigherIsWeaker(const std::string& path, const char* why, bool off_below_zero = false) {
    json r, s;
    if (!Both(path, &r, &s) || !r.is_number() || !s.is_number()) return;
    const double rv = r.get<double>(), sv = s.get<double>();
    if (off_below_zero && rv < 0) return;  // off in the registered policy: anything is as strict
    if (off_below_zero && sv < 0) {
      Add(path, fmt::format("is off ({}), the registered policy has {}", Show(s), Show(r)));
    } else if (sv > rv) {
      Add(path, fmt::format("is {}, the registered policy has {} ({})", Show(s), Show(r), why));
    }
  }

  // A number where a lower value asks for less (a floor, alpha).
  void LowerIsWeaker(const std::string& path, const char* why, bool off_below_zero = false) {
    json r, s;
    if (!Both(path, &r, &s) || !r.is_number() || !s.is_number()) return;
    const double rv = r.get<double>(), sv = s.get<double>();
    if (off_below_zero && rv < 0) return;
    if (off_below_zero && sv < 0) {
      Add(path, fmt::format("is off ({}), the registered policy has {}", Show(s), Show(r)));
    } else if (sv < rv) {
      Add(path, fmt::format("is {}, the registered policy has {} ({})", Show(s), Show(r), why));
    }
  }

  // Every element of the registered list must still be there.
  void NoneRemoved(const std::string& path) {
    json r, s;
    if (!Both(path, &r, &s) || !r.is_array() || !s.is_array()) return;
    for (const auto& item : r) {
      if (std::find(s.begin(), s.end(), item) == s.end()) {
        Add(path, fmt::format("no longer has {}, which the registered policy has", Show(item)));
      }
    }
  }

  void Metrics() {
    json r, s;
    if (!Both("metrics", &r, &s) || !r.is_array() || !s.is_array()) return;
    std::vector<Threshold> now;
    for (const auto& t : s)
      if (t.is_string())
        if (auto parsed = ParseThreshold(t.get<std::string>())) now.push_back(*parsed);
    for (const auto& t : r) {
      if (!t.is_string()) continue;
      const auto want = ParseThreshold(t.get<std::string>());
      if (!want) continue;
      const bool kept = std::any_of(now.begin(), now.end(), [&](const Threshold& h) { return AtLeastAsStrict(h, *want); });
      if (kept) continue;
      std::vector<std::string> instead;
      for (const auto& h : now)
        if (h.name == want->name && h.at_least == want->at_least) instead.push_back("\"" + h.text + "\"");
      Add("metrics", instead.empty()
                         ? fmt::format("no longer has \"{}\", which the registered policy has", want->text)
                         : fmt::format("has {} where the registered policy has \"{}\"", fmt::join(instead, ", "),
                                       want->text));
    }
  }

  void Regression() {
    json r, s;
    if (Both("regression/enabled", &r, &s) && r == true && s == false) {
      Add("regression/enabled", "is false, the registered policy compares every candidate with production");
    }
    if (Both("regression/baseline", &r, &s) && r == "production" && s != "production") {
      Add("regression/baseline", fmt::format("is {}, the registered policy compares with production", Show(s)));
    }
    NoneRemoved("regression/metrics");
    HigherIsWeaker("regression/tolerance", "a larger drop passes");
    HigherIsWeaker("regression/label_tolerance", "a larger drop in a label's recall passes");
    LowerIsWeaker("regression/alpha", "a smaller alpha finds fewer regressions");
    HigherIsWeaker("regression/min_label_support", "fewer labels are tested one by one");
    // resamples only sets the bootstrap's precision, in either direction: not compared.
  }

  void Segments() {
    NoneRemoved("segments/columns");
    LowerIsWeaker("segments/min_accuracy", "a lower floor", /*off_below_zero=*/true);
    HigherIsWeaker("segments/max_gap", "a larger gap passes", /*off_below_zero=*/true);
    json r, s;
    // 0 means "the evaluation default", whose value the report does not carry.
    if (Both("segments/min_support", &r, &s) && r.is_number() && s.is_number() && r.get<double>() > 0 &&
        s.get<double>() > 0) {
      HigherIsWeaker("segments/min_support", "fewer segments are checked");
    }
  }

  void Behaviour() {
    json r, s;
    if (Both("behaviour/file", &r, &s) && r != "" && s == "") {
      Add("behaviour/file", fmt::format("is not set, the registered policy runs the behavioural tests of {}", Show(r)));
    }
    if (Both("behaviour/min_pass_rate", &r, &s) && r.is_object() && s.is_object()) {
      for (const auto& [kind, rate] : r.items()) {
        if (!s.contains(kind)) {
          Add("behaviour/min_pass_rate/" + kind, fmt::format("is not set, the registered policy has {}", Show(rate)));
        } else {
          LowerIsWeaker("behaviour/min_pass_rate/" + kind, "a lower pass rate");
        }
      }
    }
    LowerIsWeaker("behaviour/per_kind", "fewer perturbations are tested");
  }

  void Budgets() {
    HigherIsWeaker("budgets/latency_p99_us", "a slower model passes", /*off_below_zero=*/true);
    HigherIsWeaker("budgets/model_size_mb", "a larger model passes", /*off_below_zero=*/true);
  }

  std::vector<std::string> found;

 private:
  void Add(const std::string& path, const std::string& what) {
    std::string key = "gates." + path;
    std::replace(key.begin(), key.end(), '/', '.');
    found.push_back(key + " " + what);
  }
  const json& registered_;
  const json& settings_;
};

}  // namespace

std::vector<std::string> Loosenings(const nlohmann::json& registered, const nlohmann::json& settings) {
  if (!registered.is_object() || !settings.is_object()) return {};
  Comparison c(registered, settings);
  c.Metrics();
  c.Segments();
  c.Regression();
  c.Behaviour();
  c.Budgets();
  return c.found;
}

std::string Hash(const nlohmann::json& settings) { return HexDigest(Hash64(settings.dump())).substr(0, 16); }

}  // namespace trainops::gate_policy
