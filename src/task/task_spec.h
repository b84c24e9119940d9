// The task spec: everything a training run needs to know about one classification task,
// loaded from YAML (see docs/task_spec.md). Plain structs with defaults; validated once in
// LoadTaskSpec. Paths are absolute after loading (relative ones resolve against the spec's
// folder). The tunable fields (model, training, checkpoints, seed, threads, metric, ...) are
// declared once in the parameter table (task/parameters.h), which parses, validates and
// documents them; CLI flags and library overrides go through it too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "model/model_type.h"
#include "task/drift_spec.h"
#include "task/gates_spec.h"
#include "text/features.h"

namespace trainops {

// The success metric used to select checkpoints: accuracy, macro_f1, weighted_f1, or
// recall of one label ("recall:returns").
struct MetricSpec {
  // kMicroF1: F1 over every (message, label) decision; the default of multi-label tasks,
  // where kAccuracy is exact-set accuracy. With one label a message it equals accuracy.
  enum class Kind { kAccuracy, kMacroF1, kWeightedF1, kRecall, kMicroF1 };
  Kind kind = Kind::kMacroF1;
  std::string label;  // for kRecall
  std::string ToString() const;
  // Throws InputError listing the valid forms.
  static MetricSpec Parse(std::string_view text);
};

struct DataSpec {
  std::filesystem::path train;       // required
  std::filesystem::path validation;  // optional: empty = stratified split of train
  std::filesystem::path test;        // optional
  std::optional<FileFormat> format;  // nullopt: by each file's extension
  std::string text_column = "text";
  std::string label_column = "label";
  std::vector<std::string> segment_columns;
  std::string time_column;
  // Per-row training weights (docs/task_spec.md); "" = every row weighs 1. Only the
  // training file is read with it: validation and test metrics stay unweighted.
  std::string weight_column;
  BadRowPolicy on_bad_row = BadRowPolicy::kError;
  // task.multi_label (docs/task_spec.md): each row has a set of labels (data/label_set.h).
  // Kept here because every file of the task is read with it.
  bool multi_label = false;
  // Joins a multi-label row's labels in a CSV/TSV cell (data.label_separator).
  std::string label_separator = "|";

  // A DataSource for one of the files, carrying the columns and the label set, and the
  // weight column when `path` is the training file (the others need not have it).
  DataSource Source(const std::filesystem::path& path,
                    const std::vector<std::string>& label_set) const;
};

// Defaults and bounds of these fields are the parameter table's (task/parameters.h); the
// in-class initializers below are what it reports as the defaults.
struct ModelSpec {
  ModelType type = ModelType::kLinear;
  FeatureConfig features;  // FeatureConfig's own defaults, so the two cannot disagree

  // Features seen in fewer training texts than this are dropped (smaller model, less noise).
  int min_count = 1;
  int dim = 100;  // embedding model, or the linear model's embedding companion: size of the text embedding
  // Linear models: "embedding" also trains an embedding model on the same features and
  // folds it into the shipped linear model (train/embedding_companion.h); "none" does not.
  // Not the default: on a replay stream its models broke the drift monitor's 1% false-alarm
  // rate on stable windows (docs/model.md).
  std::string ensemble = "none";
  // At most this many features, the most frequent (0: the default cap, 262,144, or fewer when
  // training.memory_mb leaves room for fewer; train/memory_plan.h).
  int max_features = 0;
};

struct TrainingSpec {
  // Unset: the model type's default (DefaultsFor in task/parameters.h).
  std::optional<int> epochs;
  std::optional<double> learning_rate;
  std::optional<double> l2;
  double validation_split = 0.1;  // share of train carved out when no validation file
  double autotune_seconds = 0;  // > 0: search hyper-parameters on validation for this long; 0: no search
  // Streaming (docs/scale.md): "on" streams the training file through a row cache instead
  // of holding it in memory; "auto" does so when holding it would take more than
  // memory_mb; "off" never does.
  std::string streaming = "auto";
  int memory_mb = 4096;  // memory for the training data; also sizes a streamed run's windows
};

struct CheckpointSpec {
  int every_updates = 0;  // 0 stands for the keyword `epoch`: one checkpoint per epoch
  int keep_last = 2;      // recent checkpoints kept besides the best
  int patience = 3;       // checkpoints without improvement before stopping; 0 = never stop early
};

// Settings of `trainops check-data` (the `checks:` section; see docs/check_data.md).
struct ChecksSpec {
  std::string max_age;            // "" = no age limit; "365d", "12w", "48h", "2y"
  int64_t max_age_seconds = 0;    // parsed max_age; 0 = none
  int min_examples_per_label = 10;
  double max_imbalance_ratio = 10;  // largest / smallest label count in train
  double near_duplicate_threshold = 0.9;  // Jaccard of character shingles
  int label_error_folds = 5;      // 0 disables the label-error and outlier checks
  int min_segment_examples = 10;  // per label x segment value
  // A split with more rows is checked on a seeded uniform sample of this many (label
  // counts stay exact); the report says so. Bounds the check's memory on huge files.
  int max_rows = 500000;
};

// Settings of `trainops eval` and of the rejection threshold training chooses (the
// `evaluation:` section; see docs/evaluation.md).
struct EvaluationSpec {
  std::vector<std::string> segments;  // segment columns to score; empty = data.segment_columns
  // How a segment cell holds several values: "" (one value per cell), "chars", or a
  // separator like ";". `segment_split` applies to every column not in
  // `segment_split_columns` (the spec's mapping form, {tags: chars, topics: ";"}).
  std::string segment_split;
  std::map<std::string, std::string> segment_split_columns;
  int bootstrap_resamples = 1000;
  int min_segment_support = 50;       // smaller segments are listed but flagged too small
  std::string threshold_rule = "auto";  // auto | balanced | accuracy_drop | target_oos_recall
  double target_oos_recall = 0.9;     // for target_oos_recall
  double max_accuracy_drop = 0.02;    // for accuracy_drop
  std::map<std::string, double> costs;  // cost of missing a label (default 1)
  int max_failure_examples = 5;
};

// "365d" -> seconds; units s, m (minutes), h, d, w, y (365 days). Throws InputError.
int64_t ParseDurationSeconds(std::string_view text);

struct TaskSpec {
  std::filesystem::path spec_path;  // "" when built from flags
  std::string name = "task";
  std::string description;
  DataSpec data;
  std::vector<std::string> labels;  // empty: whatever the training data has
  MetricSpec metric;
  ModelSpec model;
  TrainingSpec training;
  CheckpointSpec checkpoints;
  ChecksSpec checks;
  EvaluationSpec evaluation;
  std::string oos_label;  // the "none of these intents" label; "" = none
  // The registry (`registry:` key): a database file (relative to the spec, resolved) or a
  // PostgreSQL URL / conninfo (kept as written, never with a password); "" = .trainops/registry.db
  // next to the spec.
  std::filesystem::path registry_path;
  GatesSpec gates;  // what a candidate must show before release (docs/gates.md)
  DriftSpec drift;  // when traffic moved and when to retrain (docs/monitoring.md)
  uint64_t seed = 42;
  int threads = 0;  // 0 stands for the keyword `auto`: all cores
  // Where each key was given, so that Validate's errors point there: "task.yaml:14" for a
  // key of the spec file (filled by the parser), the flag ("--epochs") for a parameter
  // overridden by ApplyParameterOverrides. Empty for specs built in code.
  std::map<std::string, std::string> key_locations;

  // Where a message about `field` ("data.test") should point: the key's "file:line", or
  // its section's line when the key is not in the file (so a missing key is looked for in
  // the right place), or the flag that set it, or the spec's path ("task" when in code).
  std::string Locate(const std::string& field) const;

  // Cross-field checks (e.g. char_ngram_min <= char_ngram_max, recall label in labels).
  // Throws InputError naming the field.
  void Validate() const;
};

// Parses and validates a spec file. Errors (unknown keys with a did-you-mean, wrong types,
// missing required fields, invalid values) throw InputError naming the file, line and key.
TaskSpec LoadTaskSpec(const std::filesystem::path& path);
TaskSpec ParseTaskSpec(const std::string& yaml_text, const std::filesystem::path& path);

// ParseTaskSpec for the spec a training run saved in its folder (train_config.json).
// Runs started before the parameter table saved unset hyper-parameters as 0 / -1
// (training.epochs: 0, learning_rate: 0, l2: -1); those are read as unset here, so such a
// run still resumes, while the same values in a user's spec remain errors.
TaskSpec ParseSavedTaskSpec(const std::string& yaml_text, const std::filesystem::path& path);

// YAML text for a spec (used by `trainops init` and saved with each run). Paths are
// written relative to `relative_to`, or absolute when it is empty.
std::string TaskSpecToYaml(const TaskSpec& spec, const std::filesystem::path& relative_to);

}  // namespace trainops
