#include "task/task_spec.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/strings.h"
#include "task/drift_spec.h"
#include "task/parameters.h"
#include "task/yaml_section.h"

namespace trainops {
namespace {

const std::vector<std::string> kTopKeys = {"name",   "description", "data",        "labels",
                                           "metric", "model",       "training",    "checkpoints",
                                           "seed",   "threads",     "checks",
                                           "oos_label", "evaluation", "registry", "gates", "drift"};
const std::vector<std::string> kDataKeys = {"train",         "validation",      "test",
                                            "format",        "text_column",     "label_column",
                                            "segment_columns", "time_column",   "on_bad_row"};
// The sections made only of table parameters; their keys come from the table.
const std::vector<std::string> kParameterSections = {"model", "training", "checkpoints"};

// "training.epochs" -> {"training", "epochs"}; "seed" -> {"", "seed"}.
std::pair<std::string, std::string> SplitName(const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

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

void EmitParameters(YAML::Emitter& out, const TaskSpec& spec, const std::string& section) {
  for (const Parameter& p : Parameters()) {
    auto [s, key] = SplitName(p.name);
    if (s != section) continue;
    if (auto value = GetParameter(spec, p.name)) out << YAML::Key << key << YAML::Value << *value;
  }
}
const std::vector<std::string> kEvaluationKeys = {
    "segments",          "segment_split",     "bootstrap_resamples", "min_segment_support", "threshold_rule",
    "target_oos_recall", "max_accuracy_drop", "costs",               "max_failure_examples"};
const std::vector<std::string> kChecksKeys = {"max_age", "min_examples_per_label", "max_imbalance_ratio",
                                              "near_duplicate_threshold", "label_error_folds",
                                              "min_segment_examples", "max_rows"};

const std::vector<std::string> kGatesKeys = {"metrics", "segments", "regression", "behaviour", "budgets"};
const std::vector<std::string> kSegmentGateKeys = {"columns", "min_accuracy", "max_gap", "min_support"};
const std::vector<std::string> kRegressionKeys = {"enabled", "baseline", "metrics", "tolerance", "label_tolerance",
                                                  "alpha", "min_label_support", "resamples"};
const std::vector<std::string> kBehaviourKeys = {"file", "min_pass_rate", "per_kind"};
const std::vector<std::string> kPassRateKeys = {"mft", "inv", "dir"};
const std::vector<std::string> kBudgetKeys = {"latency_p99_us", "model_size_mb", "latency_samples"};

std::filesystem::path Resolve(const std::filesystem::path& base, const std::string& value) {
  if (value.empty()) return {};
  std::filesystem::path p(value);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

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

void ParseGates(const YamlSection& top, const std::filesystem::path& base, GatesSpec& gates) {
  YamlSection section = top.Child("gates", kGatesKeys);
  if (section.Has("metrics")) {
    const YAML::Node list = section.Raw("metrics");
    if (!list.IsSequence()) {
      section.Fail("metrics", "must be a list of thresholds, e.g. [\"macro_f1 >= 0.85\", \"recall[returns] >= 0.9\"]");
    }
    for (const YAML::Node& item : list) {
      const int line = item.Mark().line + 1;
      if (!item.IsScalar()) {
        throw InputError(fmt::format("{}:{}: key gates.metrics: each item is one threshold string, e.g. "
                                     "\"macro_f1 >= 0.85\"",
                                     section.file().string(), line));
      }
      try {
        MetricThreshold t = MetricThreshold::Parse(item.as<std::string>());
        t.line = line;
        gates.metrics.push_back(std::move(t));
      } catch (const InputError& e) {
        throw InputError(fmt::format("{}:{}: key gates.metrics: {}", section.file().string(), line, e.what()));
      }
    }
  }
  YamlSection seg = section.Child("segments", kSegmentGateKeys);
  seg.Read("columns", gates.segments.columns);
  seg.Read("min_accuracy", gates.segments.min_accuracy);
  seg.Read("max_gap", gates.segments.max_gap);
  seg.Read("min_support", gates.segments.min_support);
  auto in_unit = [](const YamlSection& s, const std::string& key, double v) {
    if (s.Has(key) && !(v >= 0 && v <= 1)) s.Fail(key, "must be between 0 and 1");
  };
  in_unit(seg, "min_accuracy", gates.segments.min_accuracy);
  in_unit(seg, "max_gap", gates.segments.max_gap);
  if (gates.segments.min_support < 0) seg.Fail("min_support", "must be >= 1 (or 0 for evaluation.min_segment_support)");

  YamlSection reg = section.Child("regression", kRegressionKeys);
  RegressionGate& r = gates.regression;
  reg.Read("enabled", r.enabled);
  std::string baseline;
  reg.Read("baseline", baseline);
  if (!baseline.empty()) r.baseline = baseline == "production" ? baseline : Resolve(base, baseline).string();
  reg.Read("metrics", r.metrics);
  for (const auto& m : r.metrics) {
    if (m != "accuracy" && m != "macro_f1" && m != "weighted_f1") {
      reg.Fail("metrics", fmt::format("\"{}\" cannot be compared{}; use accuracy, macro_f1 or weighted_f1", m,
                                      DidYouMean(m, {"accuracy", "macro_f1", "weighted_f1"})));
    }
  }
  reg.Read("tolerance", r.tolerance);
  reg.Read("label_tolerance", r.label_tolerance);
  reg.Read("alpha", r.alpha);
  reg.Read("min_label_support", r.min_label_support);
  reg.Read("resamples", r.resamples);
  // Sane ranges, not just well-formed values: each bound is where the gate would stop
  // guarding (alpha 1e-300 let a 47.7-point drop pass as "within noise").
  if (!(r.tolerance >= 0 && r.tolerance <= 0.05)) {
    reg.Fail("tolerance", "must be in [0, 0.05]: a larger drop is a regression, not noise (default 0.01)");
  }
  if (!(r.label_tolerance >= 0 && r.label_tolerance <= 0.2)) {
    reg.Fail("label_tolerance", "must be in [0, 0.2] (default 0.05)");
  }
  if (!(r.alpha >= 0.001 && r.alpha <= 0.2)) {
    reg.Fail("alpha", "must be in [0.001, 0.2]: below, no drop is ever significant; above, noise fails (default 0.05)");
  }
  if (r.min_label_support < 5 || r.min_label_support > 1000) {
    reg.Fail("min_label_support", "must be in 5..1000: recall over fewer rows says nothing, over more skips labels "
                                  "(default 10)");
  }
  if (r.resamples < 100 || r.resamples > 100000) reg.Fail("resamples", "must be 100..100000");

  YamlSection beh = section.Child("behaviour", kBehaviourKeys);
  std::string file;
  beh.Read("file", file);
  gates.behaviour.file = Resolve(base, file);
  YamlSection rates = beh.Child("min_pass_rate", kPassRateKeys);
  for (const auto& kind : kPassRateKeys) {
    rates.Read(kind, gates.behaviour.min_pass_rate[kind]);
    in_unit(rates, kind, gates.behaviour.min_pass_rate[kind]);
  }
  beh.Read("per_kind", gates.behaviour.per_kind);
  if (gates.behaviour.per_kind < 1 || gates.behaviour.per_kind > 20) beh.Fail("per_kind", "must be 1..20");

  YamlSection budgets = section.Child("budgets", kBudgetKeys);
  budgets.Read("latency_p99_us", gates.budgets.latency_p99_us);
  budgets.Read("model_size_mb", gates.budgets.model_size_mb);
  budgets.Read("latency_samples", gates.budgets.latency_samples);
  if (budgets.Has("latency_p99_us") && !(gates.budgets.latency_p99_us > 0)) {
    budgets.Fail("latency_p99_us", "must be a positive number of microseconds");
  }
  if (budgets.Has("model_size_mb") && !(gates.budgets.model_size_mb > 0)) {
    budgets.Fail("model_size_mb", "must be a positive number of megabytes");
  }
  if (gates.budgets.latency_samples < 100 || gates.budgets.latency_samples > 1000000) {
    budgets.Fail("latency_samples", "must be 100..1000000");
  }
}

}  // namespace

std::string MetricSpec::ToString() const {
  switch (kind) {
    case Kind::kAccuracy: return "accuracy";
    case Kind::kMacroF1: return "macro_f1";
    case Kind::kWeightedF1: return "weighted_f1";
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
  } else if (text.starts_with("recall:") && text.size() > 7) {
    m.kind = Kind::kRecall;
    m.label = std::string(text.substr(7));
  } else {
    throw InputError(fmt::format(
        "unknown metric \"{}\"{}; use accuracy, macro_f1, weighted_f1 or recall:<label>", text,
        DidYouMean(text, {"accuracy", "macro_f1", "weighted_f1"})));
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

std::string TaskSpec::Locate(const std::string& field) const {
  auto at = key_locations.find(field);
  if (at != key_locations.end()) return at->second;
  at = key_locations.find(field.substr(0, field.find('.')));
  if (at != key_locations.end() && !at->second.starts_with("-")) return at->second;
  return spec_path.empty() ? std::string("task") : spec_path.string();
}

void TaskSpec::Validate() const {
  auto fail = [&](const std::string& field, const std::string& message) {
    // A flag's value is blamed on the flag; a key of the file on file:line:key (a value
    // left at its default on its section's line).
    const std::string where = Locate(field);
    if (where.starts_with("-")) throw InputError(fmt::format("{}: {} (spec key {})", where, message, field));
    if (key_locations.count(field) || key_locations.count(field.substr(0, field.find('.')))) {
      throw InputError(fmt::format("{}: key {}: {}", where, field, message));
    }
    throw InputError(fmt::format("{}: {}: {}", where, field, message));
  };
  if (data.train.empty()) fail("data.train", "is required; name the training file");
  if (data.text_column.empty()) fail("data.text_column", "must not be empty");
  if (data.label_column.empty()) fail("data.label_column", "must not be empty");
  if (data.label_column == data.text_column) {
    fail("data.label_column", "must differ from data.text_column");
  }
  if (!data.weight_column.empty() &&
      (data.weight_column == data.text_column || data.weight_column == data.label_column)) {
    fail("data.weight_column", fmt::format("\"{}\" is also the {} column; name the column holding the row weights",
                                           data.weight_column,
                                           data.weight_column == data.text_column ? "text" : "label"));
  }
  const auto& f = model.features;
  // The bounds of the feature settings live with the feature extractor (one definition);
  // its message names the setting, the spec's adds where it is.
  try {
    ValidateFeatureConfig(f);
  } catch (const InputError& e) {
    // Its messages read "feature config: <setting> ..."; the setting is the spec key.
    const std::string_view prefix = "feature config: ";
    std::string message = e.what();
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    fail("model." + message.substr(0, message.find_first_of(" (")), message);
  }
  if (f.word_ngrams == 0 && f.char_ngram_max == 0) {
    fail("model.word_ngrams", "word and char n-grams are both off; the model would see nothing");
  }
  // Bounds of single parameters, for specs filled in by code rather than parsed.
  for (const Parameter& p : Parameters()) {
    const std::optional<std::string> value = GetParameter(*this, p.name);
    if (!value) continue;
    try {
      CheckParameterText(p, *value);
    } catch (const InputError& e) {
      fail(p.name, e.what());
    }
  }
  if (checks.min_examples_per_label < 0) fail("checks.min_examples_per_label", "must be >= 0");
  if (checks.max_imbalance_ratio < 1) fail("checks.max_imbalance_ratio", "must be at least 1");
  if (!(checks.near_duplicate_threshold > 0 && checks.near_duplicate_threshold <= 1)) {
    fail("checks.near_duplicate_threshold", "must be a Jaccard similarity in (0, 1], e.g. 0.9");
  }
  if (checks.label_error_folds != 0 && (checks.label_error_folds < 2 || checks.label_error_folds > 20)) {
    fail("checks.label_error_folds", "must be 0 (off) or 2..20");
  }
  const auto& ev = evaluation;
  if (!(ev.target_oos_recall > 0 && ev.target_oos_recall <= 1)) fail("evaluation.target_oos_recall", "must be in (0, 1]");
  if (!(ev.max_accuracy_drop >= 0 && ev.max_accuracy_drop < 1)) {
    fail("evaluation.max_accuracy_drop", "must be in [0, 1), e.g. 0.02 for 2 points");
  }
  if (ev.bootstrap_resamples < 0 || ev.bootstrap_resamples > 100000) {
    fail("evaluation.bootstrap_resamples", "must be 0..100000");
  }
  if (ev.min_segment_support < 1) fail("evaluation.min_segment_support", "must be at least 1");
  if (ev.max_failure_examples < 0) fail("evaluation.max_failure_examples", "must be >= 0");
  for (const auto& [label, cost] : ev.costs) {
    if (!(cost >= 0)) fail("evaluation.costs", fmt::format("cost of \"{}\" must be >= 0", label));
  }
  if (checks.min_segment_examples < 0) fail("checks.min_segment_examples", "must be >= 0");
  if (checks.max_rows < 1000) fail("checks.max_rows", "must be >= 1000 (the checks need rows to compare)");
  std::set<std::string> unique;
  for (const auto& label : labels) {
    if (!unique.insert(label).second) fail("labels", fmt::format("lists \"{}\" twice; keep one", label));
  }
  if (!labels.empty() && labels.size() < 2) fail("labels", "needs at least two labels");
  for (const auto& t : gates.metrics) {
    if (!t.label.empty() && t.label != "*" && !labels.empty() && !unique.count(t.label) && t.label != oos_label) {
      fail("gates.metrics", fmt::format("line {}: \"{}\" names label \"{}\", which is not in labels{}", t.line,
                                        t.text, t.label, DidYouMean(t.label, labels)));
    }
  }
  if (metric.kind == MetricSpec::Kind::kRecall && !labels.empty() && !unique.count(metric.label)) {
    fail("metric", fmt::format("recall of \"{}\", which is not in labels{}", metric.label,
                               DidYouMean(metric.label, labels)));
  }
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
  spec.registry_path = Resolve(base, registry);
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

std::string TaskSpecToYaml(const TaskSpec& spec, const std::filesystem::path& relative_to) {
  auto rel = [&](const std::filesystem::path& p) {
    if (p.empty()) return std::string();
    // No folder to be relative to (a run's saved spec): absolute, so that the spec reads
    // the same files from any working folder (`train --resume` from elsewhere).
    return relative_to.empty() ? std::filesystem::absolute(p).lexically_normal().string()
                               : p.lexically_relative(relative_to).string();
  };
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << spec.name;
  if (!spec.description.empty()) out << YAML::Key << "description" << YAML::Value << spec.description;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "train" << YAML::Value << rel(spec.data.train);
  if (!spec.data.validation.empty()) out << YAML::Key << "validation" << YAML::Value << rel(spec.data.validation);
  if (!spec.data.test.empty()) out << YAML::Key << "test" << YAML::Value << rel(spec.data.test);
  if (spec.data.format) out << YAML::Key << "format" << YAML::Value << FileFormatName(*spec.data.format);
  out << YAML::Key << "text_column" << YAML::Value << spec.data.text_column;
  out << YAML::Key << "label_column" << YAML::Value << spec.data.label_column;
  if (!spec.data.segment_columns.empty()) {
    out << YAML::Key << "segment_columns" << YAML::Value << YAML::Flow << spec.data.segment_columns;
  }
  if (!spec.data.time_column.empty()) out << YAML::Key << "time_column" << YAML::Value << spec.data.time_column;
  out << YAML::Key << "on_bad_row" << YAML::Value
      << (spec.data.on_bad_row == BadRowPolicy::kSkip ? "skip" : "error");
  EmitParameters(out, spec, "data");
  out << YAML::EndMap;
  if (!spec.labels.empty()) out << YAML::Key << "labels" << YAML::Value << YAML::Flow << spec.labels;
  EmitParameters(out, spec, "");
  for (const std::string& section : kParameterSections) {
    out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    EmitParameters(out, spec, section);
    out << YAML::EndMap;
  }
  out << YAML::Key << "checks" << YAML::Value << YAML::BeginMap;
  if (!spec.checks.max_age.empty()) out << YAML::Key << "max_age" << YAML::Value << spec.checks.max_age;
  out << YAML::Key << "min_examples_per_label" << YAML::Value << spec.checks.min_examples_per_label;
  out << YAML::Key << "max_imbalance_ratio" << YAML::Value << spec.checks.max_imbalance_ratio;
  out << YAML::Key << "near_duplicate_threshold" << YAML::Value << spec.checks.near_duplicate_threshold;
  out << YAML::Key << "label_error_folds" << YAML::Value << spec.checks.label_error_folds;
  out << YAML::Key << "min_segment_examples" << YAML::Value << spec.checks.min_segment_examples;
  out << YAML::Key << "max_rows" << YAML::Value << spec.checks.max_rows;
  out << YAML::EndMap;
  if (!spec.registry_path.empty()) out << YAML::Key << "registry" << YAML::Value << rel(spec.registry_path);
  {
    const EvaluationSpec& ev = spec.evaluation;
    out << YAML::Key << "evaluation" << YAML::Value << YAML::BeginMap;
    if (!ev.segments.empty()) out << YAML::Key << "segments" << YAML::Value << YAML::Flow << ev.segments;
    if (!ev.segment_split_columns.empty()) {
      // The mapping form cannot also carry an all-columns split, so the spec keeps one form.
      out << YAML::Key << "segment_split" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [column, split] : ev.segment_split_columns) {
        out << YAML::Key << column << YAML::Value << YAML::DoubleQuoted << split;
      }
      out << YAML::EndMap;
    } else if (!ev.segment_split.empty()) {
      out << YAML::Key << "segment_split" << YAML::Value << ev.segment_split;
    }
    out << YAML::Key << "bootstrap_resamples" << YAML::Value << ev.bootstrap_resamples;
    out << YAML::Key << "min_segment_support" << YAML::Value << ev.min_segment_support;
    EmitParameters(out, spec, "evaluation");
    out << YAML::Key << "target_oos_recall" << YAML::Value << ev.target_oos_recall;
    out << YAML::Key << "max_accuracy_drop" << YAML::Value << ev.max_accuracy_drop;
    if (!ev.costs.empty()) {
      out << YAML::Key << "costs" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [label, cost] : ev.costs) out << YAML::Key << label << YAML::Value << cost;
      out << YAML::EndMap;
    }
    out << YAML::Key << "max_failure_examples" << YAML::Value << ev.max_failure_examples;
    out << YAML::EndMap;
  }
  {
    const GatesSpec& g = spec.gates;
    out << YAML::Key << "gates" << YAML::Value << YAML::BeginMap;
    if (!g.metrics.empty()) {
      out << YAML::Key << "metrics" << YAML::Value << YAML::BeginSeq;
      for (const auto& t : g.metrics) out << t.text;
      out << YAML::EndSeq;
    }
    if (g.segments.enabled()) {
      out << YAML::Key << "segments" << YAML::Value << YAML::BeginMap;
      if (!g.segments.columns.empty()) out << YAML::Key << "columns" << YAML::Value << YAML::Flow << g.segments.columns;
      if (g.segments.min_accuracy >= 0) out << YAML::Key << "min_accuracy" << YAML::Value << g.segments.min_accuracy;
      if (g.segments.max_gap >= 0) out << YAML::Key << "max_gap" << YAML::Value << g.segments.max_gap;
      if (g.segments.min_support > 0) out << YAML::Key << "min_support" << YAML::Value << g.segments.min_support;
      out << YAML::EndMap;
    }
    const RegressionGate& r = g.regression;
    out << YAML::Key << "regression" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "enabled" << YAML::Value << r.enabled;
    out << YAML::Key << "baseline" << YAML::Value
        << (r.baseline == "production" ? r.baseline : rel(std::filesystem::path(r.baseline)));
    out << YAML::Key << "metrics" << YAML::Value << YAML::Flow << r.metrics;
    out << YAML::Key << "tolerance" << YAML::Value << r.tolerance;
    out << YAML::Key << "label_tolerance" << YAML::Value << r.label_tolerance;
    out << YAML::Key << "alpha" << YAML::Value << r.alpha;
    out << YAML::Key << "min_label_support" << YAML::Value << r.min_label_support;
    out << YAML::Key << "resamples" << YAML::Value << r.resamples;
    out << YAML::EndMap;
    if (!g.behaviour.file.empty()) {
      out << YAML::Key << "behaviour" << YAML::Value << YAML::BeginMap;
      out << YAML::Key << "file" << YAML::Value << rel(g.behaviour.file);
      out << YAML::Key << "min_pass_rate" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [kind, rate] : g.behaviour.min_pass_rate) out << YAML::Key << kind << YAML::Value << rate;
      out << YAML::EndMap;
      out << YAML::Key << "per_kind" << YAML::Value << g.behaviour.per_kind;
      out << YAML::EndMap;
    }
    if (g.budgets.latency_p99_us > 0 || g.budgets.model_size_mb > 0) {
      out << YAML::Key << "budgets" << YAML::Value << YAML::BeginMap;
      if (g.budgets.latency_p99_us > 0) out << YAML::Key << "latency_p99_us" << YAML::Value << g.budgets.latency_p99_us;
      if (g.budgets.model_size_mb > 0) out << YAML::Key << "model_size_mb" << YAML::Value << g.budgets.model_size_mb;
      out << YAML::Key << "latency_samples" << YAML::Value << g.budgets.latency_samples;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace trainops
