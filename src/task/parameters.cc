#include "task/parameters.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "task/parameters_internal.h"

namespace trainops {
namespace {

using task_internal::Entry;
using task_internal::FormatDouble;
using task_internal::Table;

// Integers that stand for a keyword (threads `auto`, every_updates `epoch`) are stored as
// this value because the code that consumes them (ResolveThreads, the trainer) predates
// the table; users never write it as a default, they write the keyword.
constexpr long long kKeywordValue = 0;

// Accessors for a field reached by `ref` (a generic lambda returning a reference, so the
// same lambda serves the const getter and the setter).
template <typename Ref>
Entry IntEntry(Parameter p, Ref ref) {
  std::string keyword = p.keyword;
  return {std::move(p),
          [ref, keyword](const TaskSpec& s) -> std::optional<std::string> {
            const auto v = ref(s);
            if (!keyword.empty() && v == static_cast<std::remove_cvref_t<decltype(v)>>(kKeywordValue)) return keyword;
            return fmt::format("{}", v);
          },
          [ref, keyword](TaskSpec& s, std::string_view text) {
            using T = std::remove_reference_t<decltype(ref(s))>;
            T value{};
            if (!keyword.empty() && !text.empty() && !std::isdigit(static_cast<unsigned char>(text[0]))) {
              value = static_cast<T>(kKeywordValue);
            } else {
              std::from_chars(text.data(), text.data() + text.size(), value);
            }
            ref(s) = value;
          }};
}

template <typename Ref>
Entry OptionalIntEntry(Parameter p, Ref ref) {
  return {std::move(p),
          [ref](const TaskSpec& s) -> std::optional<std::string> {
            const auto& v = ref(s);
            if (!v) return std::nullopt;
            return fmt::format("{}", *v);
          },
          [ref](TaskSpec& s, std::string_view text) {
            int value = 0;
            std::from_chars(text.data(), text.data() + text.size(), value);
            ref(s) = value;
          }};
}

template <typename Ref>
Entry FloatEntry(Parameter p, Ref ref) {
  return {std::move(p),
          [ref](const TaskSpec& s) -> std::optional<std::string> {
            return FormatDouble(ref(s));
          },
          [ref](TaskSpec& s, std::string_view text) {
            double value = 0;
            std::from_chars(text.data(), text.data() + text.size(), value);
            ref(s) = value;
          }};
}

template <typename Ref>
Entry OptionalFloatEntry(Parameter p, Ref ref) {
  return {std::move(p),
          [ref](const TaskSpec& s) -> std::optional<std::string> {
            const auto& v = ref(s);
            if (!v) return std::nullopt;
            return FormatDouble(*v);
          },
          [ref](TaskSpec& s, std::string_view text) {
            double value = 0;
            std::from_chars(text.data(), text.data() + text.size(), value);
            ref(s) = value;
          }};
}

// Multi-label linear models: sigmoids learn more slowly than a softmax from the same rows,
// and the shipped model is an average of fold models (train/cross_fit.h).
constexpr ModelTypeDefaults kMultiLabelLinearDefaults{.epochs = 30, .learning_rate = 1.0, .l2 = 1e-3};

std::vector<Entry> BuildTable() {
  const ModelTypeDefaults linear = DefaultsFor(ModelType::kLinear);
  const ModelTypeDefaults embedding = DefaultsFor(ModelType::kEmbedding);
  std::vector<Entry> t;
  auto param = [](std::string name, std::string flag, std::string json_key, ParameterType type,
                  std::string help) {
    Parameter p;
    p.name = std::move(name);
    p.flag = std::move(flag);
    p.json_key = std::move(json_key);
    p.type = type;
    p.help = std::move(help);
    return p;
  };
  auto bounded = [](Parameter p, double min, double max) {
    p.min = min;
    p.max = max;
    return p;
  };

  {
    // No JSON key: it says which column to read, not how to train, and a model's bytes
    // must not depend on a column of weights that are all 1.
    Parameter p = param("data.weight_column", "--weight-column", "", ParameterType::kString,
                        "column of per-row training weights, numbers in [0, 1000] (empty cell: 1; 0 skips the row "
                        "in training); validation stays unweighted");
    t.push_back({p,
                 [](const TaskSpec& s) -> std::optional<std::string> {
                   if (s.data.weight_column.empty()) return std::nullopt;
                   return s.data.weight_column;
                 },
                 [](TaskSpec& s, std::string_view v) { s.data.weight_column = std::string(v); }});
  }
  {
    // No JSON key: single-label models keep their bytes; a multi-label model says so in
    // its own ModelInfo::multi_label.
    Parameter p = param("task.multi_label", "--multi-label", "", ParameterType::kEnum,
                        "each message may have several labels, or none: one-vs-all sigmoids with a threshold per "
                        "label (docs/task_spec.md)");
    p.choices = {"false", "true"};
    t.push_back({p, [](const TaskSpec& s) -> std::optional<std::string> { return s.data.multi_label ? "true" : "false"; },
                 [](TaskSpec& s, std::string_view v) {
                   s.data.multi_label = v == "true";
                   // Multi-label tasks select checkpoints on micro-F1 unless the spec names
                   // a metric (the metric key, when given, is recorded before it is read).
                   if (s.data.multi_label && !s.key_locations.count("metric")) s.metric.kind = MetricSpec::Kind::kMicroF1;
                 }});
  }
  {
    Parameter p = param("data.label_separator", "--label-separator", "", ParameterType::kString,
                        "multi-label CSV/TSV: the string joining a row's labels in its label cell; a label "
                        "containing it is an error");
    t.push_back({p, [](const TaskSpec& s) -> std::optional<std::string> { return s.data.label_separator; },
                 [](TaskSpec& s, std::string_view v) { s.data.label_separator = std::string(v); }});
  }
  {
    Parameter p = param("model.type", "--model", "model", ParameterType::kEnum,
                        "softmax over TF-IDF n-grams, or fastText-style averaged embeddings");
    p.choices = {"linear", "embedding"};
    t.push_back({p, [](const TaskSpec& s) -> std::optional<std::string> { return ModelTypeName(s.model.type); },
                 [](TaskSpec& s, std::string_view v) { s.model.type = ParseModelType(v); }});
  }
  t.push_back(IntEntry(bounded(param("model.word_ngrams", "--word-ngrams", "word_ngrams", ParameterType::kInt,
                                     "word n-grams 1..N (0: no word features)"),
                               0, kMaxWordNgrams),
                       [](auto& s) -> auto& { return s.model.features.word_ngrams; }));
  t.push_back(IntEntry(bounded(param("model.char_ngram_min", "", "char_ngram_min", ParameterType::kInt,
                                     "shortest char n-gram inside words (ignored when char_ngram_max is 0)"),
                               0, kMaxCharNgram),
                       [](auto& s) -> auto& { return s.model.features.char_ngram_min; }));
  t.push_back(IntEntry(bounded(param("model.char_ngram_max", "", "char_ngram_max", ParameterType::kInt,
                                     "longest char n-gram inside words (0: no char features); 2..4 beat 2..5 "
                                     "on BANKING77, CLINC150 and Bitext (bench/RESULTS.md)"),
                               0, kMaxCharNgram),
                       [](auto& s) -> auto& { return s.model.features.char_ngram_max; }));
  {
    Parameter p = param("model.feature_norm", "--feature-norm", "feature_norm", ParameterType::kEnum,
                        "joint: one L2 norm over a text vector's n-grams; blocks: word and char n-grams each get "
                        "half of it (fewer cross-validated errors on BANKING77 and CLINC150, but a worse weekly "
                        "loop on both replay streams: docs/model.md); a streamed run always uses joint");
    p.choices = {"blocks", "joint"};
    t.push_back({p,
                 [](const TaskSpec& s) -> std::optional<std::string> {
                   return std::string(s.model.features.block_norm ? "blocks" : "joint");
                 },
                 [](TaskSpec& s, std::string_view v) { s.model.features.block_norm = v == "blocks"; }});
  }
  t.push_back(IntEntry(bounded(param("model.buckets", "", "buckets", ParameterType::kUint64,
                                     "hash space for n-grams"),
                               1024, std::numeric_limits<uint32_t>::max()),
                       [](auto& s) -> auto& { return s.model.features.buckets; }));
  t.push_back(IntEntry(bounded(param("model.min_count", "--min-count", "min_count", ParameterType::kInt,
                                     "drop features seen in fewer training texts"),
                               1, 1000000),
                       [](auto& s) -> auto& { return s.model.min_count; }));
  t.push_back(IntEntry(bounded(param("model.dim", "--dim", "dim", ParameterType::kInt,
                                     "embedding size (the embedding model, or the linear model's companion)"),
                               1, 1024),
                       [](auto& s) -> auto& { return s.model.dim; }));
  {
    // No JSON key: run.json records what was done under "ensemble".
    Parameter p = param("model.ensemble", "--ensemble", "", ParameterType::kEnum,
                        "embedding: also train an embedding model (model.dim) on the same features and fold the "
                        "two's calibrated logits into the one linear model shipped (same size and speed; single-label "
                        "linear runs held in memory; more accurate, but see docs/model.md on drift false alarms); "
                        "none: the linear model alone");
    p.choices = {"embedding", "none"};
    t.push_back({p, [](const TaskSpec& s) -> std::optional<std::string> { return s.model.ensemble; },
                 [](TaskSpec& s, std::string_view v) { s.model.ensemble = std::string(v); }});
  }
  t.push_back(IntEntry(bounded(param("model.max_features", "--max-features", "", ParameterType::kInt,
                                     "keep at most this many features, the most frequent (0: 262,144, or fewer when "
                                     "training.memory_mb leaves room for fewer)"),
                               0, 1e9),
                       [](auto& s) -> auto& { return s.model.max_features; }));
  {
    Parameter p = bounded(param("training.epochs", "--epochs", "epochs", ParameterType::kInt,
                                fmt::format("planned epochs (multi-label linear: {})", kMultiLabelLinearDefaults.epochs)),
                          1, 10000);
    p.default_linear = fmt::format("{}", linear.epochs);
    p.default_embedding = fmt::format("{}", embedding.epochs);
    t.push_back(OptionalIntEntry(p, [](auto& s) -> auto& { return s.training.epochs; }));
  }
  {
    Parameter p = bounded(param("training.learning_rate", "--lr", "learning_rate", ParameterType::kFloat,
                                fmt::format("AdaGrad base rate, decayed linearly (multi-label linear: {})",
                                            FormatDouble(kMultiLabelLinearDefaults.learning_rate))),
                          0, 10);
    p.min_exclusive = true;
    p.default_linear = FormatDouble(linear.learning_rate);
    p.default_embedding = FormatDouble(embedding.learning_rate);
    t.push_back(OptionalFloatEntry(p, [](auto& s) -> auto& { return s.training.learning_rate; }));
  }
  {
    Parameter p = bounded(param("training.l2", "--l2", "l2", ParameterType::kFloat,
                                fmt::format("L2 regularization (0: none; multi-label linear: {})",
                                            FormatDouble(kMultiLabelLinearDefaults.l2))),
                          0, 1);
    p.default_linear = FormatDouble(linear.l2);
    p.default_embedding = FormatDouble(embedding.l2);
    t.push_back(OptionalFloatEntry(p, [](auto& s) -> auto& { return s.training.l2; }));
  }
  {
    Parameter p = bounded(param("training.validation_split", "", "", ParameterType::kFloat,
                                "share of train used for validation when there is no validation file"),
                          0, 0.9);
    p.min_exclusive = p.max_exclusive = true;
    t.push_back(FloatEntry(p, [](auto& s) -> auto& { return s.training.validation_split; }));
  }
  t.push_back(FloatEntry(bounded(param("training.autotune_seconds", "--autotune", "", ParameterType::kFloat,
                                       "search hyper-parameters on validation for this many seconds (0: no search)"),
                                 0, 7 * 24 * 3600),
                         [](auto& s) -> auto& { return s.training.autotune_seconds; }));
  {
    Parameter p = param("training.streaming", "--streaming", "", ParameterType::kEnum,
                        "stream the training file through a row cache instead of holding it in memory: `auto` "
                        "when holding it would take more than half of training.memory_mb (docs/scale.md)");
    p.choices = {"auto", "on", "off"};
    t.push_back({p, [](const TaskSpec& s) -> std::optional<std::string> { return s.training.streaming; },
                 [](TaskSpec& s, std::string_view v) { s.training.streaming = std::string(v); }});
  }
  t.push_back(IntEntry(bounded(param("training.memory_mb", "--memory-mb", "", ParameterType::kInt,
                                     "MiB for the whole training process: `auto` streams when the rows would take "
                                     "more than half of it (windows of an eighth each, at most 128 MiB); without "
                                     "model.max_features the feature cap follows from what is left (run.json `memory`)"),
                               1, 16777216),
                       [](auto& s) -> auto& { return s.training.memory_mb; }));
  {
    Parameter p = bounded(param("checkpoints.every_updates", "--every-updates", "", ParameterType::kInt,
                                "checkpoint every N updates, or once per `epoch` (0 is read as `epoch`)"),
                          1, 1e9);
    p.keyword = "epoch";
    p.keyword_aliases = {"0"};
    t.push_back(IntEntry(p, [](auto& s) -> auto& { return s.checkpoints.every_updates; }));
  }
  t.push_back(IntEntry(bounded(param("checkpoints.keep_last", "--keep-last", "", ParameterType::kInt,
                                     "recent checkpoints kept besides the best"),
                               1, 1000),
                       [](auto& s) -> auto& { return s.checkpoints.keep_last; }));
  t.push_back(IntEntry(bounded(param("checkpoints.patience", "--patience", "", ParameterType::kInt,
                                     "stop after this many checkpoints without improvement (0: never stop "
                                     "early); on the three shared datasets 3 and 5 select the same checkpoint"),
                               0, 1000),
                       [](auto& s) -> auto& { return s.checkpoints.patience; }));
  {
    Parameter p = param("metric", "--metric", "", ParameterType::kMetric, "selects the checkpoint");
    p.choices = {"accuracy", "macro_f1", "micro_f1", "weighted_f1", "recall:<label>"};
    t.push_back({p, [](const TaskSpec& s) -> std::optional<std::string> { return s.metric.ToString(); },
                 [](TaskSpec& s, std::string_view v) { s.metric = MetricSpec::Parse(v); }});
  }
  t.push_back(IntEntry(bounded(param("seed", "--seed", "seed", ParameterType::kUint64,
                                     "random seed (split, shuffling, initialization)"),
                               0, 1.9e19),
                       [](auto& s) -> auto& { return s.seed; }));
  {
    Parameter p = bounded(param("threads", "--threads", "", ParameterType::kInt,
                                "threads; `auto` uses every core (0 means the same); one thread is "
                                "bit-for-bit reproducible"),
                          1, 512);
    p.keyword = "auto";
    p.keyword_aliases = {"0"};
    t.push_back(IntEntry(p, [](auto& s) -> auto& { return s.threads; }));
  }
  {
    Parameter p = param("oos_label", "--oos-label", "", ParameterType::kString,
                        "the label meaning \"none of these intents\" (CLINC150's `oos`); enables confidence "
                        "rejection (docs/evaluation.md)");
    t.push_back({p,
                 [](const TaskSpec& s) -> std::optional<std::string> {
                   if (s.oos_label.empty()) return std::nullopt;
                   return s.oos_label;
                 },
                 [](TaskSpec& s, std::string_view v) { s.oos_label = std::string(v); }});
  }
  {
    Parameter p = param("evaluation.threshold_rule", "--threshold-rule", "", ParameterType::kEnum,
                        "how the out-of-scope rejection threshold is chosen (docs/evaluation.md)");
    p.choices = {"auto", "balanced", "accuracy_drop", "target_oos_recall"};
    t.push_back({p, [](const TaskSpec& s) -> std::optional<std::string> { return s.evaluation.threshold_rule; },
                 [](TaskSpec& s, std::string_view v) { s.evaluation.threshold_rule = std::string(v); }});
  }
  return t;
}

}  // namespace

namespace task_internal {

std::string FormatDouble(double v) { return fmt::format("{}", v); }

const std::vector<Entry>& Table() {
  static const std::vector<Entry> table = BuildTable();
  return table;
}

}  // namespace task_internal

ModelTypeDefaults DefaultsFor(ModelType type) {
  // Chosen on validation splits carved from the shared datasets' training files
  // (bench/RESULTS.md), the same for every dataset; the embedding model's averaged input
  // needs more passes at a lower rate to converge.
  switch (type) {
    case ModelType::kLinear: return {.epochs = 20, .learning_rate = 0.3, .l2 = 1e-6};
    case ModelType::kEmbedding: return {.epochs = 25, .learning_rate = 0.2, .l2 = 1e-6};
  }
  return {.epochs = 20, .learning_rate = 0.3, .l2 = 1e-6};
}

ModelTypeDefaults DefaultsFor(ModelType type, bool multi_label) {
  if (multi_label && type == ModelType::kLinear) return kMultiLabelLinearDefaults;
  return DefaultsFor(type);
}

const std::vector<Parameter>& Parameters() {
  static const std::vector<Parameter> list = [] {
    std::vector<Parameter> out;
    for (const Entry& e : Table()) out.push_back(e.p);
    return out;
  }();
  return list;
}

}  // namespace trainops
