#include "task/task_spec.h"

#include <algorithm>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/atomic_file.h"
#include "common/db_location.h"
#include "common/error.h"
#include "common/strings.h"
#include "task/drift_spec.h"
#include "task/parameters.h"
#include "task/task_spec_internal.h"
#include "task/yaml_section.h"

namespace trainops {
namespace task_internal {

// "training.epochs" -> {"training", "epochs"}; "seed" -> {"", "seed"}.
std::pair<std::string, std::string> SplitName(const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

std::filesystem::path Resolve(const std::filesystem::path& base, const std::string& value) {
  if (value.empty()) return {};
  std::filesystem::path p(value);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

}  // namespace task_internal

namespace {

using task_internal::kParameterSections;
using task_internal::ParseGates;
using task_internal::Resolve;
using task_internal::SplitName;

const std::vector<std::string> kTopKeys = {"name",   "description", "data",        "labels",
                                           "metric", "model",       "training",    "checkpoints",
                                           "seed",   "threads",     "checks",
                                           "oos_label", "evaluation", "registry", "gates", "drift", "task"};
const std::vector<std::string> kDataKeys = {"train",         "validation",      "test",
                                            "format",        "text_column",     "label_column",
                                            "segment_columns", "time_column",   "on_bad_row"};

std::vector<std::string> ParameterKeys(const std::string& section) {
  std::vector<std::string> keys;
  for (const Parameter& p : Parameters()) {
    auto [s, key] = SplitName(p.name);
    if (s == section) keys.push_back(key);
  }
  return keys;
}

// Reads the table parameters that live in `section` ("" for top-level keys).
void ReadParameters(const YamlSection& yaml, const std::string& section, TaskSpec& spec) {
  for (const Parameter& p : Parameters()) {
    auto [s, key] = SplitName(p.name);
    if (s != section || !yaml.Has(key)) continue;
    const std::string text = yaml.ScalarText(key, "a value in " + p.BoundsText());
    try {
      CheckParameterText(p, text);  // its message has no name: the location names the key
    } catch (const InputError& e) {
      yaml.Fail(key, e.what());
    }
    SetParameter(spec, p.name, text);
  }
}

const std::vector<std::string> kEvaluationKeys = {
    "segments",          "segment_split",     "bootstrap_resamples", "min_segment_support", "threshold_rule",
    "target_oos_recall", "max_accuracy_drop", "costs",               "max_failure_examples"};
const std::vector<std::string> kChecksKeys = {"max_age", "min_examples_per_label", "max_imbalance_ratio",
                                              "near_duplicate_threshold", "label_error_folds",
                                              "min_segment_examples", "max_rows"};

// Runs `parse` and re-throws its InputError prefixed with the key's location.
template <typename F>
auto WithLocation(const YamlSection& section, const std::string& key, F parse) {
  try {
    return parse();
  } catch (const InputError& e) {
    section.Fail(key, e.what());
  }
}

// Records the line of every mapping key (dotted path -> line) and refuses a key given
// twice in one mapping: YAML parsers keep one of the two silently (yaml-cpp the first), so
// `data.train` written twice would train on the file the user did not mean.
void RecordKeyLines(const YAML::Node& node, const std::string& prefix, const std::filesystem::path& path,
                    std::map<std::string, std::string>& locations) {
  if (node.IsSequence()) {
    for (const auto& item : node) RecordKeyLines(item, prefix, path, locations);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, int> here;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    const int line = kv.first.Mark().line + 1;
    auto [it, inserted] = here.emplace(key, line);
    if (!inserted) {
      throw InputError(fmt::format("{}:{}: key {}{} is given twice (lines {} and {}); keep one: the spec would "
                                   "otherwise silently use one of them",
                                   path.string(), line, prefix, key, it->second, line));
    }
    locations.emplace(prefix + key, fmt::format("{}:{}", path.string(), line));
    RecordKeyLines(kv.second, prefix + key + ".", path, locations);
  }
}

}  // namespace

std::string MetricSpec::ToString() const {
  switch (kind) {
    case Kind::kAccuracy: return "accuracy";
    case Kind::kMacroF1: return "macro_f1";
    case Kind::kWeightedF1: return "weighted_f1";
    case Kind::kMicroF1: return "micro_f1";
    case Kind::kRecall: return "recall:" + label;
  }
  return "?";
}

MetricSpec MetricSpec::Parse(std::string_view text) {
  MetricSpec m;
  if (text == "accuracy") {
    m.kind = Kind::kAccuracy;
  } else if (text == "macro_f1") {
    m.kind = Kind::kMacroF1;
  } else if (text == "weighted_f1") {
    m.kind = Kind::kWeightedF1;
  } else if (text == "micro_f1") {
    m.kind = Kind::kMicroF1;
  } else if (text.starts_with("recall:") && text.size() > 7) {
    m.kind = Kind::kRecall;
    m.label = std::string(text.substr(7));
  } else {
    throw InputError(fmt::format(
        "unknown metric \"{}\"{}; use accuracy, macro_f1, micro_f1, weighted_f1 or recall:<label>", text,
        DidYouMean(text, {"accuracy", "macro_f1", "micro_f1", "weighted_f1"})));
  }
  return m;
}

DataSource DataSpec::Source(const std::filesystem::path& path,
                            const std::vector<std::string>& label_set) const {
  DataSource source;
  source.path = path;
  source.format = format;
  source.text_column = text_column;
  source.label_column = label_column;
  source.segment_columns = segment_columns;
  source.time_column = time_column;
  if (path == train) source.weight_column = weight_column;
  source.label_set = label_set;
  source.on_bad_row = on_bad_row;
  source.multi_label = multi_label;
  source.label_separator = label_separator;
  return source;
}

int64_t ParseDurationSeconds(std::string_view text) {
  const std::string_view t = Trim(text);
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  const std::string_view unit = Trim(t.substr(digits));
  int64_t scale = 0;
  if (unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else if (unit == "w") scale = 7 * 86400;
  else if (unit == "y") scale = 365 * 86400;
  if (digits == 0 || digits > 9 || scale == 0) {
    throw InputError(fmt::format("\"{}\" is not a duration; write a whole number and a unit: s, m, h, "
                                 "d, w or y (e.g. \"365d\")",
                                 text));
  }
  const int64_t value = std::stoll(std::string(t.substr(0, digits)));
  if (value <= 0) throw InputError(fmt::format("\"{}\": a duration must be positive", text));
  return value * scale;
}

// The first line whose indentation holds a tab (only_at_start: a line that starts with
// one), or 0. YAML forbids tabs for indentation; parsers then report something cryptic, or
// read the line into the wrong mapping.
int TabIndentedLine(const std::string& text, bool only_at_start) {
  int line = 1;
  for (size_t start = 0; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view l(text.data() + start, end - start);
    const size_t content = l.find_first_not_of(" \t\r");
    if (content != std::string_view::npos && l[content] != '#') {
      const std::string_view indent = l.substr(0, content);
      if (only_at_start ? indent.starts_with('\t') : indent.find('\t') != std::string_view::npos) return line;
    }
    start = end + 1;
  }
  return 0;
}

TaskSpec ParseTaskSpec(const std::string& yaml_text, const std::filesystem::path& path) {
  auto refuse_tab = [&](int line) {
    throw InputError(fmt::format("{}:{}: a tab in the indentation; YAML does not allow tabs for indentation: "
                                 "indent with spaces (two per level)",
                                 path.string(), line));
  };
  if (const int line = TabIndentedLine(yaml_text, /*only_at_start=*/true)) refuse_tab(line);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    if (const int line = TabIndentedLine(yaml_text, /*only_at_start=*/false)) refuse_tab(line);
    throw InputError(fmt::format("{}:{}: not valid YAML: {}", path.string(), e.mark.line + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) {
    throw InputError(fmt::format("{}: the spec is empty; start from `trainops init --data FILE`",
                                 path.string()));
  }
  const std::filesystem::path base = path.parent_path().empty() ? "." : path.parent_path();
  TaskSpec spec;
  spec.spec_path = path;
  RecordKeyLines(root, "", path, spec.key_locations);
  YamlSection top(root, path, "", kTopKeys);
  top.Read("name", spec.name);
  top.Read("description", spec.description);
  top.Read("labels", spec.labels);
  ReadParameters(top, "", spec);

  if (!top.Has("data")) top.Fail("data", "is required: a mapping with train, text_column, label_column");
  std::vector<std::string> data_keys = kDataKeys;  // and the table's data.* parameters
  for (std::string& key : ParameterKeys("data")) data_keys.push_back(std::move(key));
  YamlSection data = top.Child("data", data_keys);
  std::string train, validation, test, format, policy;
  data.Read("train", train, /*required=*/true);
  data.Read("validation", validation);
  data.Read("test", test);
  spec.data.train = Resolve(base, train);
  spec.data.validation = Resolve(base, validation);
  spec.data.test = Resolve(base, test);
  data.Read("format", format);
  if (!format.empty()) {
    spec.data.format = WithLocation(data, "format", [&] { return ParseFileFormat(format); });
  }
  data.Read("text_column", spec.data.text_column, /*required=*/true);
  data.Read("label_column", spec.data.label_column, /*required=*/true);
  data.Read("segment_columns", spec.data.segment_columns);
  data.Read("time_column", spec.data.time_column);
  data.Read("on_bad_row", policy);
  if (!policy.empty()) {
    spec.data.on_bad_row = WithLocation(data, "on_bad_row", [&] { return ParseBadRowPolicy(policy); });
  }
  ReadParameters(data, "data", spec);

  for (const std::string& section : kParameterSections) {
    ReadParameters(top.Child(section, ParameterKeys(section)), section, spec);
  }

  YamlSection checks = top.Child("checks", kChecksKeys);
  checks.Read("max_age", spec.checks.max_age);
  if (!spec.checks.max_age.empty()) {
    spec.checks.max_age_seconds =
        WithLocation(checks, "max_age", [&] { return ParseDurationSeconds(spec.checks.max_age); });
  }
  checks.Read("min_examples_per_label", spec.checks.min_examples_per_label);
  checks.Read("max_imbalance_ratio", spec.checks.max_imbalance_ratio);
  checks.Read("near_duplicate_threshold", spec.checks.near_duplicate_threshold);
  checks.Read("label_error_folds", spec.checks.label_error_folds);
  checks.Read("min_segment_examples", spec.checks.min_segment_examples);
  checks.Read("max_rows", spec.checks.max_rows);

  std::string registry;
  top.Read("registry", registry);
  if (IsPostgresLocation(registry)) {
    // A server is not a path next to the spec; its password never belongs in a spec.
    if (LocationHasPassword(registry)) {
      top.Fail("registry", "carries a password; put it in ~/.pgpass (or PGPASSFILE) or PGPASSWORD and write the "
                           "location without it, e.g. postgresql://trainops@db.internal/trainops");
    }
    spec.registry_path = registry;
  } else {
    spec.registry_path = Resolve(base, registry);
  }
  YamlSection evaluation = top.Child("evaluation", kEvaluationKeys);
  evaluation.Read("segments", spec.evaluation.segments);
  if (evaluation.Has("segment_split") && root["evaluation"]["segment_split"].IsMap()) {
    // Mapping form: {column: split}; every key must be a segment column.
    const std::vector<std::string>& columns =
        spec.evaluation.segments.empty() ? spec.data.segment_columns : spec.evaluation.segments;
    for (const auto& kv : root["evaluation"]["segment_split"]) {
      const std::string column = YamlKeyName(kv.first, evaluation.file(), "evaluation.segment_split");
      const int line = kv.first.Mark().line + 1;
      if (!kv.second.IsScalar() && !kv.second.IsNull()) {
        throw InputError(fmt::format("{}:{}: key evaluation.segment_split.{}: expected a split (chars, or a "
                                     "separator such as \";\"), got a list or mapping",
                                     evaluation.file().string(), line, column));
      }
      if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
        throw InputError(fmt::format(
            "{}:{}: key evaluation.segment_split: column \"{}\" is not a segment column{}{}; list it in "
            "evaluation.segments or data.segment_columns",
            evaluation.file().string(), line, column,
            columns.empty() ? std::string(" (none are set)") : fmt::format(" ({})", Join(columns, ", ")),
            DidYouMean(column, columns)));
      }
      spec.evaluation.segment_split_columns[column] = kv.second.IsNull() ? "" : kv.second.as<std::string>();
    }
  } else {
    evaluation.Read("segment_split", spec.evaluation.segment_split);
  }
  evaluation.Read("bootstrap_resamples", spec.evaluation.bootstrap_resamples);
  evaluation.Read("min_segment_support", spec.evaluation.min_segment_support);
  ReadParameters(evaluation, "evaluation", spec);
  evaluation.Read("target_oos_recall", spec.evaluation.target_oos_recall);
  evaluation.Read("max_accuracy_drop", spec.evaluation.max_accuracy_drop);
  evaluation.Read("max_failure_examples", spec.evaluation.max_failure_examples);
  if (evaluation.Has("costs")) {
    const YAML::Node costs = root["evaluation"]["costs"];
    if (!costs.IsMap()) evaluation.Fail("costs", "must map labels to costs, e.g. {refunds: 5}");
    for (const auto& kv : costs) {
      const std::string label = YamlKeyName(kv.first, evaluation.file(), "evaluation.costs");
      try {
        spec.evaluation.costs[label] = kv.second.as<double>();
      } catch (const YAML::Exception&) {
        evaluation.Fail("costs", fmt::format("cost of \"{}\" must be a number, e.g. {}: 5", label, label));
      }
    }
  }

  ParseGates(top, base, spec.gates);
  ParseDriftSection(top, spec.drift);
  spec.Validate();
  return spec;
}

TaskSpec ParseSavedTaskSpec(const std::string& yaml_text, const std::filesystem::path& path) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception&) {
    return ParseTaskSpec(yaml_text, path);  // its error names the line
  }
  YAML::Node training = root.IsMap() ? root["training"] : YAML::Node();
  if (!training.IsMap()) return ParseTaskSpec(yaml_text, path);
  bool changed = false;
  auto drop_if = [&](const char* key, auto is_legacy_unset) {
    if (!training[key] || !training[key].IsScalar()) return;
    double value = 0;
    try {
      value = training[key].as<double>();
    } catch (const YAML::Exception&) {
      return;  // not a number: ParseTaskSpec reports it
    }
    if (is_legacy_unset(value)) {
      training.remove(key);
      changed = true;
    }
  };
  drop_if("epochs", [](double v) { return v == 0; });
  drop_if("learning_rate", [](double v) { return v == 0; });
  drop_if("l2", [](double v) { return v < 0; });
  if (!changed) return ParseTaskSpec(yaml_text, path);
  YAML::Emitter out;
  out << root;
  return ParseTaskSpec(std::string(out.c_str()) + "\n", path);
}

TaskSpec LoadTaskSpec(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw InputError(fmt::format("{}: task spec not found; check the path or create one with "
                                 "`trainops init --data FILE`",
                                 path.string()));
  }
  return ParseTaskSpec(ReadFile(path), path);
}

}  // namespace trainops
