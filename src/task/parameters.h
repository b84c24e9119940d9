// The parameter table: every tunable setting of a training run is declared here once, with
// its YAML key, CLI flag, JSON key, type, bounds, default and help. The spec parser
// (task_spec.cc), `trainops train`'s flags, the hyper-parameter JSON of run.json, train
// config and model files (train/hyperparameters.cc) and the parameter section of
// docs/task_spec.md are all generated from it, so they cannot drift apart.
//
// Programs that expose training overrides (a server, a Python binding) take them as
// `std::map<std::string, std::string>` keyed by `Parameter::name` ("training.epochs"; the
// flag, "--epochs", is accepted too) and apply them with ApplyParameterOverrides; values are
// the same text a user would write in the YAML or after the flag ("20", "0.3", "embedding",
// "auto"). Parameters() lists the table for help screens and validation of keys.
//
// Unset means "the model type's default" and is represented by std::nullopt in the spec,
// never by 0 or a negative number: 0 and out-of-range values are errors. Where 0 is a real
// setting (patience 0 never stops early, l2 0 is no regularization) the table says so.
//
// Everything here is stateless after the table's first construction (thread-safe).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "task/task_spec.h"

namespace trainops {

enum class ParameterType {
  kInt,      // a whole number, may be negative only if the bounds allow it
  kUint64,   // a non-negative whole number up to 2^64-1 (seed, buckets)
  kFloat,    // a decimal number ("0.3", "1e-6")
  kEnum,     // one of `choices`
  kString,   // free text ("" leaves it unset)
  kMetric,   // accuracy | macro_f1 | micro_f1 | weighted_f1 | recall:<label>
};

struct Parameter {
  std::string name;      // dotted YAML path, also the override key: "training.epochs"
  std::string flag;      // `trainops train` flag ("--epochs"); "" when there is none
  std::string json_key;  // key in the hyper-parameter JSON of run.json / model files; "" = not recorded
  ParameterType type;
  // Numeric bounds (kInt, kUint64, kFloat), inclusive unless *_exclusive.
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
  std::vector<std::string> choices;  // kEnum
  // A word that stands for a stored integer (threads `auto`, every_updates `epoch`). The
  // stored value is always written back as the word. `keyword_aliases` are older spellings
  // accepted for the same value ("0").
  std::string keyword;
  std::vector<std::string> keyword_aliases;
  // Defaults that depend on the model type; when both are empty the default is the
  // value of a default-constructed TaskSpec.
  std::string default_linear, default_embedding;
  std::string help;

  bool has_model_defaults() const { return !default_linear.empty(); }
  // "1..10000", "(0, 10]", "linear | embedding", "auto or 1..512".
  std::string BoundsText() const;
  // "20 (linear), 25 (embedding)" or "0.1"; computed, so it always agrees with the code.
  std::string DefaultText() const;
};

// The table, in documentation order. Built once; the reference stays valid.
const std::vector<Parameter>& Parameters();

// The entry with this name ("training.epochs") or flag ("--epochs"); nullptr if none.
const Parameter* FindParameter(std::string_view name_or_flag);

// Parses `value` as the parameter's type, checks its bounds and stores it in `spec`.
// Throws InputError naming the parameter (and its flag), the value, the accepted range,
// the default and the fix, e.g.
//   "parameter training.epochs (--epochs): got 0; use an integer in 1..10000, or leave it
//    out for the default 20 (linear), 25 (embedding)".
// An unknown name is an InputError listing the nearest names.
void SetParameter(TaskSpec& spec, std::string_view name, std::string_view value);

// SetParameter for each override, in the table's order, then spec.Validate() for the
// cross-field checks (char_ngram_min <= char_ngram_max, ...). Keys are names
// ("training.epochs") or flags ("--epochs"). All or nothing: on an InputError (unknown key,
// a parameter given twice, a bad value) `spec` is unchanged.
void ApplyParameterOverrides(TaskSpec& spec, const std::map<std::string, std::string>& overrides);

// The value as text, in the form SetParameter accepts; nullopt when unset (so the
// model type's default applies) or an empty string parameter.
std::optional<std::string> GetParameter(const TaskSpec& spec, std::string_view name);

// The value `spec` would train with: the set value, or the default for spec.model.type.
std::string EffectiveParameter(const TaskSpec& spec, std::string_view name);

// Throws the message SetParameter would for a value outside the problem text alone
// ("got 0; use an integer in 1..10000, ..."). For callers that add their own location
// (the YAML parser prefixes "task.yaml:12: key training.epochs: ").
void CheckParameterText(const Parameter& p, std::string_view value);

// Every parameter that has a json_key, with its effective value, typed (numbers as JSON
// numbers). This is the `hyperparameters` object of run.json and `training` of the model.
nlohmann::json ParametersToJson(const TaskSpec& spec);
// Applies the json_key entries of `j` to `spec` (missing keys stay unset). Throws
// InputError naming the key when a value is out of bounds or of the wrong type.
void ParametersFromJson(const nlohmann::json& j, TaskSpec& spec);

// The per-model-type defaults of the parameters that have them, in one place.
struct ModelTypeDefaults {
  int epochs;
  double learning_rate;
  double l2;
};
ModelTypeDefaults DefaultsFor(ModelType type);
// Multi-label tasks' linear model (one-vs-all sigmoids) has its own: chosen on NLU++ hotels
// validation carves (bench/RESULTS.md), a higher rate and more L2 than the softmax's.
ModelTypeDefaults DefaultsFor(ModelType type, bool multi_label);

// The Markdown table of docs/task_spec.md's parameter section (between the markers
// below), one row per parameter. tests/task/parameters_test.cc fails when the doc differs;
// `trainops train --list-parameters` prints it.
std::string RenderParameterMarkdown();
inline constexpr std::string_view kParameterDocBegin = "<!-- parameters:begin (generated from src/task/parameters.cc) -->";
inline constexpr std::string_view kParameterDocEnd = "<!-- parameters:end -->";

}  // namespace trainops
