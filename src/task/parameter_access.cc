// What is done with the parameter table: lookups, checking and setting values, overrides,
// JSON and the Markdown of the docs. Apart from the table itself (parameters.cc), whose rows
// are long enough on their own.
#include "task/parameters.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "task/parameters_internal.h"

namespace trainops {
namespace {

using task_internal::Entry;
using task_internal::FormatDouble;
using task_internal::Table;

std::string FormatBound(const Parameter& p, double v) {
  if (p.type == ParameterType::kFloat) return FormatDouble(v);
  if (p.type == ParameterType::kUint64 && v >= 1.8e19) return "18446744073709551615";
  return fmt::format("{}", static_cast<long long>(v));
}

const Entry* FindEntry(std::string_view name_or_flag) {
  for (const Entry& e : Table()) {
    if (e.p.name == name_or_flag || (!e.p.flag.empty() && e.p.flag == name_or_flag)) return &e;
  }
  return nullptr;
}

const Entry& EntryOrThrow(std::string_view name) {
  if (const Entry* e = FindEntry(name)) return *e;
  std::vector<std::string> names;
  for (const Entry& e : Table()) names.push_back(e.p.name);
  throw InputError(fmt::format("unknown parameter \"{}\"{}; parameters: {}", name, DidYouMean(name, names),
                               Join(names, ", ")));
}

std::string Expected(const Parameter& p) {
  switch (p.type) {
    case ParameterType::kInt:
      return p.keyword.empty() ? "an integer" : fmt::format("{} or an integer", p.keyword);
    case ParameterType::kUint64: return "a non-negative integer";
    case ParameterType::kFloat: return "a number";
    case ParameterType::kEnum: return "one of";
    case ParameterType::kString: return "text";
    case ParameterType::kMetric: return "one of";
  }
  return "a value";
}

bool InBounds(const Parameter& p, double v) {
  const bool above = p.min_exclusive ? v > p.min : v >= p.min;
  const bool below = p.max_exclusive ? v < p.max : v <= p.max;
  return above && below;
}

}  // namespace

std::string Parameter::BoundsText() const {
  switch (type) {
    case ParameterType::kEnum:
    case ParameterType::kMetric: return Join(choices, ", ");
    case ParameterType::kString: return "text";
    case ParameterType::kFloat:
      return fmt::format("{}{}, {}{}", min_exclusive ? "(" : "[", FormatBound(*this, min), FormatBound(*this, max),
                         max_exclusive ? ")" : "]");
    case ParameterType::kInt:
    case ParameterType::kUint64: {
      std::string range = fmt::format("{}..{}", FormatBound(*this, min), FormatBound(*this, max));
      return keyword.empty() ? range : fmt::format("{} or {}", keyword, range);
    }
  }
  return "";
}

std::string Parameter::DefaultText() const {
  if (has_model_defaults()) {
    if (default_linear == default_embedding) return default_linear;
    return fmt::format("{} (linear), {} (embedding)", default_linear, default_embedding);
  }
  return GetParameter(TaskSpec{}, name).value_or("none");
}

const Parameter* FindParameter(std::string_view name_or_flag) {
  const Entry* e = FindEntry(name_or_flag);
  if (!e) return nullptr;
  // Parameters() is built from Table() in the same order.
  return &Parameters()[static_cast<size_t>(e - Table().data())];
}

void CheckParameterText(const Parameter& p, std::string_view value) {
  const std::string fallback =
      p.has_model_defaults() ? fmt::format("; leave it out for the default {}", p.DefaultText()) : "";
  auto out_of_range = [&] {
    throw InputError(fmt::format("got {}; must be {} in {}{}", Quoted(value),
                                 p.type == ParameterType::kFloat ? "a number" : "an integer", p.BoundsText(),
                                 fallback));
  };
  auto wrong_type = [&] {
    throw InputError(fmt::format("expected {}, got {}; use a value in {}{}", Expected(p), Quoted(value),
                                 p.BoundsText(), fallback));
  };
  const char* begin = value.data();
  const char* end = value.data() + value.size();
  switch (p.type) {
    case ParameterType::kInt: {
      if (!p.keyword.empty() &&
          (value == p.keyword ||
           std::find(p.keyword_aliases.begin(), p.keyword_aliases.end(), value) != p.keyword_aliases.end())) {
        return;
      }
      long long v = 0;
      auto [ptr, ec] = std::from_chars(begin, end, v);
      if (ec == std::errc::result_out_of_range) out_of_range();
      if (ec != std::errc() || ptr != end || value.empty()) wrong_type();
      if (!InBounds(p, static_cast<double>(v))) out_of_range();
      return;
    }
    case ParameterType::kUint64: {
      unsigned long long v = 0;
      if (value.starts_with('-') && value.size() > 1 && std::isdigit(static_cast<unsigned char>(value[1]))) {
        out_of_range();
      }
      auto [ptr, ec] = std::from_chars(begin, end, v);
      if (ec == std::errc::result_out_of_range) out_of_range();
      if (ec != std::errc() || ptr != end || value.empty()) wrong_type();
      if (v < p.min || (p.max < 1.8e19 && static_cast<double>(v) > p.max)) out_of_range();
      return;
    }
    case ParameterType::kFloat: {
      double v = 0;
      auto [ptr, ec] = std::from_chars(begin, end, v);
      if (ec == std::errc::result_out_of_range) out_of_range();
      if (ec != std::errc() || ptr != end || value.empty() || !std::isfinite(v)) wrong_type();
      if (!InBounds(p, v)) out_of_range();
      return;
    }
    case ParameterType::kEnum:
      if (std::find(p.choices.begin(), p.choices.end(), value) == p.choices.end()) {
        throw InputError(fmt::format("got {}{}; use one of {}", Quoted(value), DidYouMean(value, p.choices),
                                     p.BoundsText()));
      }
      return;
    case ParameterType::kMetric: MetricSpec::Parse(value); return;
    case ParameterType::kString: return;
  }
}

void SetParameter(TaskSpec& spec, std::string_view name, std::string_view value) {
  const Entry& e = EntryOrThrow(name);
  try {
    CheckParameterText(e.p, value);
  } catch (const InputError& error) {
    throw InputError(fmt::format("parameter {}{}: {}", e.p.name, e.p.flag.empty() ? "" : " (" + e.p.flag + ")",
                                 error.what()));
  }
  e.set(spec, value);
}

void ApplyParameterOverrides(TaskSpec& spec, const std::map<std::string, std::string>& overrides) {
  // Keys may be names or flags; resolve them all first so that an unknown key or one
  // parameter given twice ("training.epochs" and "--epochs") changes nothing.
  std::map<const Entry*, std::pair<std::string, std::string>> by_entry;  // entry -> (key, value)
  for (const auto& [key, value] : overrides) {
    const Entry* e = &EntryOrThrow(key);
    auto [it, inserted] = by_entry.emplace(e, std::pair{key, value});
    if (!inserted) {
      throw InputError(fmt::format("parameter {} is given twice, as \"{}\" and \"{}\"; keep one", e->p.name,
                                   it->second.first, key));
    }
  }
  TaskSpec updated = spec;
  for (const Entry& e : Table()) {
    auto it = by_entry.find(&e);
    if (it == by_entry.end()) continue;
    SetParameter(updated, e.p.name, it->second.second);
    // Validate's errors about this parameter now name where it was given.
    updated.key_locations[e.p.name] = e.p.flag.empty() ? "override " + e.p.name : e.p.flag;
  }
  updated.Validate();
  spec = std::move(updated);
}

std::optional<std::string> GetParameter(const TaskSpec& spec, std::string_view name) {
  return EntryOrThrow(name).get(spec);
}

std::string EffectiveParameter(const TaskSpec& spec, std::string_view name) {
  const Entry& e = EntryOrThrow(name);
  if (auto v = e.get(spec)) return *v;
  if (e.p.has_model_defaults()) {
    return spec.model.type == ModelType::kEmbedding ? e.p.default_embedding : e.p.default_linear;
  }
  return "";
}

nlohmann::json ParametersToJson(const TaskSpec& spec) {
  nlohmann::json j = nlohmann::json::object();
  for (const Entry& e : Table()) {
    if (e.p.json_key.empty()) continue;
    const std::string text = EffectiveParameter(spec, e.p.name);
    nlohmann::json& out = j[e.p.json_key];
    const bool keyword = !e.p.keyword.empty() && text == e.p.keyword;
    switch (keyword ? ParameterType::kString : e.p.type) {
      case ParameterType::kInt: out = std::stoll(text); break;
      case ParameterType::kUint64: out = std::stoull(text); break;
      case ParameterType::kFloat: out = std::stod(text); break;
      default: out = text; break;
    }
  }
  return j;
}

void ParametersFromJson(const nlohmann::json& j, TaskSpec& spec) {
  if (!j.is_object()) throw InputError(fmt::format("hyper-parameters must be a JSON object, got {}", j.dump()));
  for (const Entry& e : Table()) {
    if (e.p.json_key.empty() || !j.contains(e.p.json_key)) continue;
    const nlohmann::json& v = j.at(e.p.json_key);
    const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    try {
      CheckParameterText(e.p, text);
    } catch (const InputError& error) {
      throw InputError(fmt::format("hyper-parameter \"{}\" ({}): {}", e.p.json_key, e.p.name, error.what()));
    }
    e.set(spec, text);
  }
}

std::string RenderParameterMarkdown() {
  auto code = [](const std::string& s) { return s.empty() ? std::string() : "`" + s + "`"; };
  auto type_name = [](ParameterType t) {
    switch (t) {
      case ParameterType::kInt: return "int";
      case ParameterType::kUint64: return "uint64";
      case ParameterType::kFloat: return "number";
      case ParameterType::kEnum: return "enum";
      case ParameterType::kString: return "string";
      case ParameterType::kMetric: return "metric";
    }
    return "?";
  };
  std::string out =
      "| key | flag | type | accepted | default | JSON key | meaning |\n"
      "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const Entry& e : Table()) {
    const Parameter& p = e.p;
    std::string accepted = p.BoundsText();
    if (!p.choices.empty()) {
      std::vector<std::string> quoted;
      for (const auto& c : p.choices) quoted.push_back(code(c));  // `recall:<label>` is not HTML
      accepted = Join(quoted, ", ");
    }
    // A '|' in a cell (the label separator's default) would end the cell.
    auto cell = [](std::string text) {
      for (size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2)) text.insert(at, "\\");
      return text;
    };
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", code(p.name), code(p.flag), type_name(p.type),
                       cell(accepted), cell(p.DefaultText()), code(p.json_key), cell(p.help));
  }
  return out;
}

}  // namespace trainops
