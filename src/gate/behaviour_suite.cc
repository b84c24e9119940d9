#include "gate/behaviour_suite.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "common/strings.h"
#include "gate/behaviour_suite_internal.h"
#include "gate/perturbations.h"

namespace trainops {
namespace {

using behaviour_internal::Finish;
using behaviour_internal::RawCase;
using behaviour_internal::RawField;

int YamlLine(const YAML::Node& node) { return node.Mark().line + 1; }

std::string YamlKind(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing (an empty value)";
  return "a scalar";
}

// A field name. YAML allows a list or a mapping as a key ("{[a, b]: x}", "? [a]: x"),
// which as<std::string>() refuses with YAML::BadConversion, an exception that is not an
// InputError and names no line (found by fuzz/behaviour_suite_fuzz.cc).
std::string FieldName(const YAML::Node& key, const std::filesystem::path& file) {
  if (key.IsMap() || key.IsSequence()) {
    throw InputError(fmt::format("{}:{}: a field name must be a plain word like text or label, not {}", file.string(),
                                 YamlLine(key), YamlKind(key)));
  }
  return key.as<std::string>();  // a null key reads as "null": an unknown field, named as such
}

// An unquoted YAML value ends at " #": the rest of the line is a comment. In a message
// ("Where is order #AS-123?") that silently cuts the text, so it is refused.
void CheckNotCutByComment(const YAML::Node& node, const std::vector<std::string_view>& lines,
                          const std::filesystem::path& file, const std::string& field) {
  if (!node.IsScalar() || node.Tag() != "?") return;  // "?" = plain (unquoted) scalar
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0 || static_cast<size_t>(mark.line) >= lines.size()) return;
  std::string_view line = lines[static_cast<size_t>(mark.line)];
  const std::string value = node.as<std::string>();
  if (mark.column < 0 || static_cast<size_t>(mark.column) > line.size()) return;
  std::string_view rest = line.substr(static_cast<size_t>(mark.column));
  if (!rest.starts_with(value)) return;  // a multi-line value: not checked
  rest.remove_prefix(value.size());
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos && hash > 0 && Trim(rest.substr(0, hash)).empty()) {
    throw InputError(fmt::format("{}:{}: field {}: the value is cut at \" #\" because YAML reads the rest of the "
                                 "line as a comment; put the whole value in quotes: {}: \"{} {}\"",
                                 file.string(), mark.line + 1, field, field, value,
                                 Trim(rest.substr(hash))));
  }
}

RawField FromYaml(const YAML::Node& node, int key_line) {
  RawField f;
  f.line = node.IsNull() ? key_line : YamlLine(node);
  f.got = YamlKind(node);
  if (node.IsScalar()) {
    f.type = RawField::Type::kString;
    f.text = node.as<std::string>();
  } else if (node.IsSequence()) {
    f.type = RawField::Type::kList;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        f.type = RawField::Type::kOther;
        f.got = "a list with a non-string item";
        f.line = YamlLine(item);
        break;
      }
      f.list.push_back(item.as<std::string>());
    }
  }
  return f;
}

std::string JsonKind(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "a number";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    default:
      return "a string";
  }
}

RawField FromJson(const nlohmann::json& j, int line) {
  RawField f;
  f.line = line;
  f.got = JsonKind(j);
  if (j.is_string()) {
    f.type = RawField::Type::kString;
    f.text = j.get<std::string>();
  } else if (j.is_array()) {
    f.type = RawField::Type::kList;
    for (const auto& item : j) {
      if (!item.is_string()) {
        f.type = RawField::Type::kOther;
        f.got = "an array with a non-string item";
        break;
      }
      f.list.push_back(item.get<std::string>());
    }
  }
  return f;
}

std::vector<std::string> ReadProducts(const RawField& f, const std::filesystem::path& file) {
  if (f.type != RawField::Type::kList) {
    throw InputError(fmt::format("{}:{}: field products: expected a list of product names like "
                                 "[\"Air Runner\", \"TrailMax\"], got {}",
                                 file.string(), f.line, f.type == RawField::Type::kString ? "a string" : f.got));
  }
  for (const std::string& p : f.list) {
    if (Trim(p).empty()) {
      throw InputError(fmt::format("{}:{}: field products: product names must not be empty", file.string(), f.line));
    }
  }
  return f.list;
}

}  // namespace

std::string BehaviourKindName(BehaviourKind kind) {
  switch (kind) {
    case BehaviourKind::kMft:
      return "mft";
    case BehaviourKind::kInv:
      return "inv";
    case BehaviourKind::kDir:
      return "dir";
  }
  return "?";
}

const std::vector<BehaviourKind>& AllBehaviourKinds() {
  static const std::vector<BehaviourKind> kinds = {BehaviourKind::kMft, BehaviourKind::kInv, BehaviourKind::kDir};
  return kinds;
}

std::string PerturbationKindName(PerturbationKind kind) {
  switch (kind) {
    case PerturbationKind::kTypo:
      return "typo";
    case PerturbationKind::kCase:
      return "case";
    case PerturbationKind::kPunctuation:
      return "punctuation";
    case PerturbationKind::kPolite:
      return "polite";
    case PerturbationKind::kNumber:
      return "number";
    case PerturbationKind::kProduct:
      return "product";
  }
  return "?";
}

const std::vector<PerturbationKind>& AllPerturbationKinds() {
  static const std::vector<PerturbationKind> kinds = {PerturbationKind::kTypo,   PerturbationKind::kCase,
                                                      PerturbationKind::kPunctuation, PerturbationKind::kPolite,
                                                      PerturbationKind::kNumber, PerturbationKind::kProduct};
  return kinds;
}

std::optional<PerturbationKind> ParsePerturbationKind(std::string_view name) {
  for (PerturbationKind k : AllPerturbationKinds()) {
    if (PerturbationKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string DirExpectName(DirExpect expect) {
  switch (expect) {
    case DirExpect::kTo:
      return "to";
    case DirExpect::kUp:
      return "up";
    case DirExpect::kDown:
      return "down";
  }
  return "?";
}

size_t BehaviourSuite::Count(BehaviourKind kind) const {
  return static_cast<size_t>(
      std::count_if(cases.begin(), cases.end(), [&](const BehaviourCase& c) { return c.kind == kind; }));
}

BehaviourSuite ParseBehaviourYaml(const std::string& text, const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}:{}: not valid YAML: {}", file.string(), std::max(1, e.mark.line + 1), e.msg));
  }
  const std::string layout =
      "a behaviour file is a mapping with an optional products: [...] list and a cases: list "
      "(see docs/behaviour_tests.md)";
  if (!root.IsMap()) {
    throw InputError(fmt::format("{}:{}: {}", file.string(), root.IsDefined() && !root.IsNull() ? YamlLine(root) : 1,
                                 layout));
  }
  static const std::vector<std::string> kTop = {"products", "cases"};
  const std::vector<std::string_view> lines = [&] {
    std::vector<std::string_view> out;
    std::string_view rest(text);
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out.push_back(line);
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    return out;
  }();
  std::vector<std::string> products;
  YAML::Node cases;
  int cases_line = 1;
  for (const auto& entry : root) {
    std::string key = FieldName(entry.first, file);
    if (key == "products") {
      if (!entry.second.IsNull()) products = ReadProducts(FromYaml(entry.second, YamlLine(entry.first)), file);
    } else if (key == "cases") {
      cases = entry.second;
      cases_line = YamlLine(entry.first);
      if (!cases.IsNull() && !cases.IsSequence()) {
        throw InputError(fmt::format("{}:{}: field cases: expected a list of cases (lines starting with \"- \"), "
                                     "got {}",
                                     file.string(), YamlLine(cases), YamlKind(cases)));
      }
    } else {
      throw InputError(fmt::format("{}:{}: field {}: unknown top-level field{}; {}", file.string(),
                                   YamlLine(entry.first), key, DidYouMean(key, kTop), layout));
    }
  }
  if (!cases.IsDefined() || cases.IsNull() || cases.size() == 0) {
    throw InputError(fmt::format("{}:{}: field cases: is missing or empty; {}", file.string(), cases_line, layout));
  }
  std::vector<RawCase> raw_cases;
  for (const auto& item : cases) {
    RawCase raw;
    raw.line = YamlLine(item);
    if (!item.IsMap()) {
      throw InputError(fmt::format("{}:{}: case {}: expected a mapping like {{type: mft, text: ..., label: ...}}, "
                                   "got {}",
                                   file.string(), raw.line, raw_cases.size() + 1, YamlKind(item)));
    }
    for (const auto& entry : item) {
      const std::string key = FieldName(entry.first, file);
      if (key == "text" || key == "changed_text" || key == "append" || key == "prepend" || key == "name") {
        CheckNotCutByComment(entry.second, lines, file, key);
      }
      raw.fields.emplace_back(key, FromYaml(entry.second, YamlLine(entry.first)));
    }
    raw_cases.push_back(std::move(raw));
  }
  return Finish(file, std::move(products), raw_cases);
}

BehaviourSuite ParseBehaviourJsonl(const std::string& text, const std::filesystem::path& file) {
  std::vector<std::string> products;
  int products_line = 0;
  std::vector<RawCase> raw_cases;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // BOM
    if (Trim(line).empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      // Also out_of_range: a number beyond double's range (1e999) is bad input too.
      throw InputError(fmt::format("{}:{}: not valid JSON ({}); each line must be one case object like "
                                   "{{\"type\": \"mft\", \"text\": \"...\", \"label\": \"...\"}}",
                                   file.string(), line_no, e.what()));
    }
    if (!j.is_object()) {
      throw InputError(fmt::format("{}:{}: expected a JSON object (one case per line), got {}", file.string(),
                                   line_no, JsonKind(j)));
    }
    if (j.contains("products") && !j.contains("type") && !j.contains("text")) {
      if (products_line) {
        throw InputError(fmt::format("{}:{}: field products: given twice (first on line {}); merge the lists",
                                     file.string(), line_no, products_line));
      }
      for (const auto& [key, value] : j.items()) {
        if (key != "products") {
          throw InputError(fmt::format("{}:{}: field {}: a products line holds only products; move {} to a case",
                                       file.string(), line_no, key, key));
        }
      }
      products = ReadProducts(FromJson(j["products"], line_no), file);
      products_line = line_no;
      continue;
    }
    RawCase raw;
    raw.line = line_no;
    for (const auto& [key, value] : j.items()) raw.fields.emplace_back(key, FromJson(value, line_no));
    raw_cases.push_back(std::move(raw));
  }
  if (raw_cases.empty()) {
    throw InputError(fmt::format("{}:1: the file holds no cases; write one JSON case object per line "
                                 "(see docs/behaviour_tests.md)",
                                 file.string()));
  }
  return Finish(file, std::move(products), raw_cases);
}

BehaviourSuite LoadBehaviourSuite(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("{}: cannot open the behaviour test file; check the path (behaviour.file in the "
                                 "spec resolves against the spec's folder)",
                                 path.string()));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool jsonl;
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") {
    jsonl = true;
  } else if (ext == ".yaml" || ext == ".yml") {
    jsonl = false;
  } else {
    size_t first = text.find_first_not_of(" \t\r\n");
    jsonl = first != std::string::npos && text[first] == '{';
  }
  return jsonl ? ParseBehaviourJsonl(text, path) : ParseBehaviourYaml(text, path);
}

void CheckSuiteLabels(const BehaviourSuite& suite, const std::vector<std::string>& labels,
                      const std::string& oos_label, bool multi_label) {
  std::vector<std::string> known = labels;
  if (!oos_label.empty()) known.push_back(oos_label);
  auto check_known = [&](const std::string& label, const std::string& where, const std::string& field) {
    const bool is_label = std::find(labels.begin(), labels.end(), label) != labels.end();
    const bool is_oos = !oos_label.empty() && label == oos_label;
    if (!is_label && !is_oos) {
      throw InputError(fmt::format("{}: field {}: the model has no label {}{}; the model's labels are: {}", where,
                                   field, Quoted(label), DidYouMean(label, known), Join(known, ", ")));
    }
    return is_oos;
  };
  for (const BehaviourCase& c : suite.cases) {
    if (!c.label.empty()) {
      const bool is_oos = check_known(c.label, c.label_where, "label");
      if (is_oos && c.kind == BehaviourKind::kDir && c.expect != DirExpect::kTo) {
        throw InputError(fmt::format("{}: field label: the out-of-scope label {} has no probability, so expect: {} "
                                     "cannot be checked; use expect: to, or a model label",
                                     c.label_where, Quoted(c.label), DirExpectName(c.expect)));
      }
    }
    for (const auto& [field, list] : {std::pair<const char*, const BehaviourCase::ExpectedLabels*>{"expect_all", &c.expect_all},
                                      {"expect_any", &c.expect_any},
                                      {"expect_none", &c.expect_none}}) {
      for (const std::string& label : list->labels) check_known(label, list->where, field);
    }
    if (!multi_label && c.expect_all.labels.size() > 1) {
      throw InputError(fmt::format("{}: field expect_all: the model is single-label (it predicts one label per "
                                   "text), so a text can never get all of {}; use expect_any for \"one of these\", "
                                   "or test a multi-label model",
                                   c.expect_all.where, Join(c.expect_all.labels, ", ")));
    }
  }
}

}  // namespace trainops
