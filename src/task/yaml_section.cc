#include "task/yaml_section.h"

#include <cmath>
#include <type_traits>

#include <charconv>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"

namespace trainops {
namespace {

// yaml-cpp marks are 0-based.
int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

}  // namespace

// Found by fuzz/task_spec_fuzz.cc: "? [a]\n: b" escaped ParseTaskSpec as YAML::BadConversion.
std::string YamlKeyName(const YAML::Node& key, const std::filesystem::path& file, const std::string& where) {
  if (key.IsMap() || key.IsSequence()) {
    throw InputError(fmt::format("{}:{}: a key in {} must be a plain name, not {}; write name: value",
                                 file.string(), LineOf(key), where, key.IsMap() ? "a mapping" : "a list"));
  }
  // A null key (`~:`, `null:`) reads as "null", as it always has (a label may be named so).
  return key.as<std::string>();
}

YamlSection::YamlSection(const YAML::Node& node, std::filesystem::path file, std::string prefix,
                         std::vector<std::string> keys)
    : node_(node), file_(std::move(file)), prefix_(std::move(prefix)) {
  std::string section = prefix_.empty() ? "the spec" : prefix_.substr(0, prefix_.size() - 1);
  if (!node_.IsMap()) {
    throw InputError(fmt::format("{}:{}: {} must be a mapping of keys to values", file_.string(),
                                 node_.IsDefined() ? LineOf(node_) : 1, section));
  }
  for (const auto& entry : node_) {
    std::string key = YamlKeyName(entry.first, file_, section);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      throw InputError(fmt::format("{}:{}: unknown key \"{}{}\" in {}{}; valid keys here: {}",
                                   file_.string(), LineOf(entry.first), prefix_, key, section,
                                   DidYouMean(key, keys), Join(keys, ", ")));
    }
  }
}

bool YamlSection::Has(const std::string& key) const {
  return node_[key].IsDefined() && !node_[key].IsNull();
}

std::string YamlSection::Where(const std::string& key) const {
  const YAML::Node value = node_[key];
  int line = value.IsDefined() ? LineOf(value) : LineOf(node_);
  return fmt::format("{}:{}: key {}{}", file_.string(), line, prefix_, key);
}

void YamlSection::Fail(const std::string& key, const std::string& message) const {
  throw InputError(Where(key) + ": " + message);
}

YamlSection YamlSection::Child(const std::string& key, std::vector<std::string> keys) const {
  if (!Has(key)) return YamlSection(YAML::Node(YAML::NodeType::Map), file_, prefix_ + key + ".", keys);
  if (!node_[key].IsMap()) Fail(key, "must be a mapping (indented keys below it)");
  return YamlSection(node_[key], file_, prefix_ + key + ".", std::move(keys));
}

YAML::Node YamlSection::Scalar(const std::string& key, const char* expected) const {
  YAML::Node value = node_[key];
  if (!value.IsScalar()) Fail(key, fmt::format("expected {}, got a list or mapping", expected));
  return value;
}

std::string YamlSection::ScalarText(const std::string& key, const std::string& expected) const {
  return Scalar(key, expected.c_str()).as<std::string>();
}

void YamlSection::Read(const std::string& key, std::string& out, bool required) const {
  if (!Has(key)) {
    if (required) Fail(key, "is required but missing; add it to the spec");
    return;
  }
  out = Scalar(key, "a string").as<std::string>();
  if (required && Trim(out).empty()) Fail(key, "must not be empty");
}

template <typename T>
void YamlSection::ReadNumber(const std::string& key, T& out, const char* expected) const {
  if (!Has(key)) return;
  std::string text = Scalar(key, expected).template as<std::string>();
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    Fail(key, fmt::format("expected {}, got \"{}\"", expected, text));
  }
  if constexpr (std::is_floating_point_v<T>) {
    // from_chars reads "nan" and "inf"; no setting means either, and NaN passes every
    // range check written as "fail when x < lo".
    if (!std::isfinite(value)) Fail(key, fmt::format("expected {}, got \"{}\"", expected, text));
  }
  out = value;
}

void YamlSection::Read(const std::string& key, int& out, bool required) const {
  if (required && !Has(key)) Fail(key, "is required but missing; add it to the spec");
  ReadNumber(key, out, "an integer");
}
void YamlSection::Read(const std::string& key, uint32_t& out) const {
  ReadNumber(key, out, "a non-negative integer");
}
void YamlSection::Read(const std::string& key, uint64_t& out) const {
  ReadNumber(key, out, "a non-negative integer");
}
void YamlSection::Read(const std::string& key, double& out) const {
  ReadNumber(key, out, "a number");
}

void YamlSection::Read(const std::string& key, bool& out) const {
  if (!Has(key)) return;
  std::string text = Scalar(key, "true or false").as<std::string>();
  if (text == "true" || text == "yes" || text == "on") {
    out = true;
  } else if (text == "false" || text == "no" || text == "off") {
    out = false;
  } else {
    Fail(key, fmt::format("expected true or false, got \"{}\"", text));
  }
}

void YamlSection::Read(const std::string& key, std::vector<std::string>& out) const {
  if (!Has(key)) return;
  YAML::Node value = node_[key];
  out.clear();
  if (value.IsScalar()) {
    out.push_back(value.as<std::string>());
    return;
  }
  if (!value.IsSequence()) Fail(key, "expected a list like [a, b]");
  for (const auto& item : value) {
    if (!item.IsScalar()) {
      throw InputError(fmt::format("{}:{}: key {}{}: list items must be plain strings",
                                   file_.string(), LineOf(item), prefix_, key));
    }
    out.push_back(item.as<std::string>());
  }
}

}  // namespace trainops
