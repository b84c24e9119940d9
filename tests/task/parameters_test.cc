// The parameter table (src/task/parameters.h): bounds from YAML and SetParameter, defaults
// that agree, round trips YAML -> spec -> YAML / JSON, and the generated doc section.
//
// To regenerate the parameter section of docs/task_spec.md after changing the table:
//   TRAINOPS_UPDATE_PARAMETER_DOC=1 build/test_task --gtest_filter='ParameterDocTest.*'
// (or paste the output of `trainops train --list-parameters` between the markers).
#include "task/parameters.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "test_support.h"

namespace trainops {
namespace {

const std::string kData = "data:\n  train: t.csv\n  text_column: text\n  label_column: intent\n";

// A spec with one parameter set, written as a user would ("training.epochs" -> a
// `training:` mapping with `epochs:` on line 6).
std::string YamlWith(const std::string& name, const std::string& value) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return kData + name + ": " + value + "\n";
  // data.* parameters join kData's mapping: a second `data:` key is an error.
  if (name.substr(0, dot) == "data") return kData + "  " + name.substr(dot + 1) + ": " + value + "\n";
  return kData + name.substr(0, dot) + ":\n  " + name.substr(dot + 1) + ": " + value + "\n";
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ParameterTableTest, NamesFlagsAndJsonKeysAreUniqueAndEveryFlagOfTrainIsThere) {
  std::set<std::string> names, flags, json_keys;
  for (const Parameter& p : Parameters()) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    if (!p.flag.empty()) {
      EXPECT_TRUE(flags.insert(p.flag).second) << p.flag;
    }
    if (!p.json_key.empty()) {
      EXPECT_TRUE(json_keys.insert(p.json_key).second) << p.json_key;
    }
    EXPECT_FALSE(p.help.empty()) << p.name;
    EXPECT_EQ(p.help.find('|'), std::string::npos) << p.name << ": would break the Markdown table";
    EXPECT_EQ(RenderParameterMarkdown().find("| | |"), std::string::npos) << "an unescaped | in a cell";
    EXPECT_EQ(FindParameter(p.name), &p);
  }
  // Flags are a contract that outside scripts run; each must stay.
  for (const char* flag : {"--epochs", "--lr", "--l2", "--word-ngrams", "--min-count", "--dim", "--threads",
                           "--seed", "--autotune", "--patience", "--every-updates", "--keep-last", "--model",
                           "--metric", "--oos-label", "--threshold-rule"}) {
    EXPECT_TRUE(flags.count(flag)) << flag;
  }
  // The hyper-parameter JSON keys of run.json and model files written before the table,
  // and feature_norm since (absent: one norm, Hyperparameters::FromJson).
  EXPECT_EQ(json_keys, (std::set<std::string>{"model", "word_ngrams", "char_ngram_min", "char_ngram_max", "buckets",
                                               "min_count", "dim", "epochs", "learning_rate", "l2", "seed",
                                               "feature_norm"}));
}

TEST(ParameterTableTest, FeatureDefaultsAgreeWithTheSpecAndTheDocumentedDefaults) {
  const FeatureConfig features;
  EXPECT_EQ(TaskSpec{}.model.features, features);
  EXPECT_EQ(FindParameter("model.char_ngram_min")->DefaultText(), std::to_string(features.char_ngram_min));
  EXPECT_EQ(FindParameter("model.char_ngram_max")->DefaultText(), std::to_string(features.char_ngram_max));
  EXPECT_EQ(FindParameter("model.word_ngrams")->DefaultText(), std::to_string(features.word_ngrams));
  EXPECT_EQ(FindParameter("model.buckets")->DefaultText(), std::to_string(features.buckets));
  // The range chosen on the shared datasets (bench/RESULTS.md).
  EXPECT_EQ(features.char_ngram_min, 2);
  EXPECT_EQ(features.char_ngram_max, 4);
  EXPECT_NO_THROW(ValidateFeatureConfig(features));
}

TEST(ParameterTableTest, ModelTypeDefaultsAreDocumentedFromTheOnePlaceTheyAreSet) {
  EXPECT_EQ(FindParameter("training.epochs")->DefaultText(),
            fmt::format("{} (linear), {} (embedding)", DefaultsFor(ModelType::kLinear).epochs,
                        DefaultsFor(ModelType::kEmbedding).epochs));
  TaskSpec spec;
  EXPECT_FALSE(GetParameter(spec, "training.epochs"));
  EXPECT_EQ(EffectiveParameter(spec, "training.epochs"), "20");
  EXPECT_EQ(EffectiveParameter(spec, "training.learning_rate"), "0.3");
  spec.model.type = ModelType::kEmbedding;
  EXPECT_EQ(EffectiveParameter(spec, "training.epochs"), "25");
  EXPECT_EQ(EffectiveParameter(spec, "training.learning_rate"), "0.2");
  spec.training.epochs = 3;
  EXPECT_EQ(EffectiveParameter(spec, "training.epochs"), "3");
}

struct BadValue {
  std::string name, value, expected;
};

const std::vector<BadValue> kBadValues = {
    {"training.epochs", "0", "1..10000"},
    {"training.epochs", "-3", "1..10000"},
    {"training.epochs", "10001", "1..10000"},
    {"training.epochs", "ten", "expected an integer, got \"ten\""},
    {"training.epochs", "2.5", "expected an integer"},
    {"training.learning_rate", "0", "(0, 10]"},
    {"training.learning_rate", "-0.1", "(0, 10]"},
    {"training.learning_rate", "nan", "expected a number"},
    {"training.l2", "-1", "[0, 1]"},
    {"training.validation_split", "0", "(0, 0.9)"},
    {"training.validation_split", "0.9", "(0, 0.9)"},
    {"training.autotune_seconds", "-5", "[0, 604800]"},
    {"model.min_count", "0", "1..1000000"},
    {"model.dim", "0", "1..1024"},
    {"model.dim", "4096", "1..1024"},
    {"model.word_ngrams", "6", "0..5"},
    {"model.buckets", "10", "1024..4294967295"},
    {"model.buckets", "-1", "1024..4294967295"},
    {"checkpoints.keep_last", "0", "1..1000"},
    {"checkpoints.patience", "-1", "0..1000"},
    {"checkpoints.every_updates", "-5", "epoch or 1..1000000000"},
    {"threads", "-1", "auto or 1..512"},
    {"threads", "513", "auto or 1..512"},
    {"threads", "all", "expected auto or an integer"},
    {"seed", "-1", "0..18446744073709551615"},
    {"model.type", "lineer", "did you mean \"linear\"?; use one of linear, embedding"},
    {"evaluation.threshold_rule", "balance", "use one of auto, balanced, accuracy_drop, target_oos_recall"},
    {"metric", "f1", "unknown metric \"f1\""},
};

TEST(ParameterBoundsTest, BadValuesInTheSpecNameFileLineKeyValueAndBounds) {
  for (const auto& c : kBadValues) {
    const std::string yaml = YamlWith(c.name, c.value);
    const std::string error = ErrorOf([&] { ParseTaskSpec(yaml, "/specs/task.yaml"); });
    const int line = c.name.find('.') == std::string::npos ? 5 : 6;
    const std::string where = fmt::format("/specs/task.yaml:{}: key {}: ", line, c.name);
    EXPECT_NE(error.find(where), std::string::npos) << c.name << "=" << c.value << ": " << error;
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.name << "=" << c.value << ": " << error;
  }
}

TEST(ParameterBoundsTest, SetParameterNamesTheParameterFlagValueBoundsAndDefault) {
  for (const auto& c : kBadValues) {
    TaskSpec spec;
    const std::string error = ErrorOf([&] { SetParameter(spec, c.name, c.value); });
    EXPECT_NE(error.find("parameter " + c.name), std::string::npos) << error;
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
    EXPECT_EQ(GetParameter(spec, c.name), GetParameter(TaskSpec{}, c.name)) << c.name << ": changed on error";
  }
  TaskSpec spec;
  const std::string error = ErrorOf([&] { SetParameter(spec, "training.epochs", "0"); });
  EXPECT_EQ(error,
            "parameter training.epochs (--epochs): got \"0\"; must be an integer in 1..10000; leave it out for the "
            "default 20 (linear), 25 (embedding)");
}

TEST(ParameterBoundsTest, UnknownParameterSuggestsTheNearestName) {
  TaskSpec spec;
  const std::string error = ErrorOf([&] { SetParameter(spec, "training.epoch", "3"); });
  EXPECT_NE(error.find("unknown parameter \"training.epoch\", did you mean \"training.epochs\"?"), std::string::npos)
      << error;
  EXPECT_THROW(ApplyParameterOverrides(spec, {{"epochs", "3"}}), InputError);
}

TEST(ParameterBoundsTest, SpecsFilledInByCodeAreCheckedByValidate) {
  TaskSpec spec;
  spec.data.train = "/t.csv";
  spec.training.epochs = 0;
  EXPECT_NE(ErrorOf([&] { spec.Validate(); }).find("training.epochs: got \"0\""), std::string::npos);
  spec.training.epochs = std::nullopt;
  spec.training.learning_rate = 0;
  EXPECT_NE(ErrorOf([&] { spec.Validate(); }).find("training.learning_rate"), std::string::npos);
}

TEST(ParameterValuesTest, KeywordsAndTheirOlderNumericSpelling) {
  TaskSpec spec = ParseTaskSpec(kData + "threads: auto\ncheckpoints:\n  every_updates: epoch\n", "/s/task.yaml");
  EXPECT_EQ(spec.threads, 0);
  EXPECT_EQ(spec.checkpoints.every_updates, 0);
  EXPECT_EQ(GetParameter(spec, "threads"), "auto");
  EXPECT_EQ(GetParameter(spec, "checkpoints.every_updates"), "epoch");
  TaskSpec old = ParseTaskSpec(kData + "threads: 0\ncheckpoints:\n  every_updates: 0\n", "/s/task.yaml");
  EXPECT_EQ(GetParameter(old, "threads"), "auto");
  EXPECT_EQ(GetParameter(old, "checkpoints.every_updates"), "epoch");
  SetParameter(spec, "threads", "3");
  EXPECT_EQ(spec.threads, 3);
  // Zero is a real setting where the table says so.
  SetParameter(spec, "checkpoints.patience", "0");
  EXPECT_EQ(spec.checkpoints.patience, 0);
  SetParameter(spec, "training.l2", "0");
  EXPECT_EQ(spec.training.l2, 0.0);
}

TEST(ParameterValuesTest, OverridesApplyByTableNameThenValidate) {
  TaskSpec spec = ParseTaskSpec(kData, "/s/task.yaml");
  ApplyParameterOverrides(spec, {{"training.epochs", "7"}, {"model.type", "embedding"}, {"training.l2", "1e-5"}});
  EXPECT_EQ(spec.training.epochs, 7);
  EXPECT_EQ(spec.model.type, ModelType::kEmbedding);
  EXPECT_EQ(spec.training.l2, 1e-5);
  // Cross-field checks still run (min above max), and a failed call changes nothing.
  EXPECT_NE(ErrorOf([&] { ApplyParameterOverrides(spec, {{"model.char_ngram_min", "6"}, {"seed", "5"}}); })
                .find("model.char_ngram_min"),
            std::string::npos);
  EXPECT_EQ(spec.model.features.char_ngram_min, 2);
  EXPECT_EQ(spec.seed, 42u);
  // Flags name the same parameters; one parameter twice is an error.
  ApplyParameterOverrides(spec, {{"--threads", "1"}, {"--lr", "0.5"}});
  EXPECT_EQ(spec.threads, 1);
  EXPECT_EQ(spec.training.learning_rate, 0.5);
  EXPECT_NE(ErrorOf([&] { ApplyParameterOverrides(spec, {{"--epochs", "3"}, {"training.epochs", "4"}}); })
                .find("given twice"),
            std::string::npos);
  EXPECT_EQ(spec.training.epochs, 7);
}

// A valid value for `p` that differs from its default (and passes the cross-field checks).
std::string NonDefaultValue(const Parameter& p) {
  const std::string yaml_default = GetParameter(TaskSpec{}, p.name).value_or("");
  std::vector<std::string> candidates;
  switch (p.type) {
    case ParameterType::kInt:
    case ParameterType::kUint64:
      for (double v : {p.min + 1, p.max, p.min}) candidates.push_back(fmt::format("{}", static_cast<long long>(v)));
      break;
    case ParameterType::kFloat:
      candidates.push_back(fmt::format("{}", (p.min + p.max) / 2));
      break;
    case ParameterType::kEnum: candidates = {p.choices.back(), p.choices.front()}; break;
    case ParameterType::kMetric: candidates = {"accuracy"}; break;
    case ParameterType::kString: candidates = {"oos"}; break;
  }
  for (const auto& v : candidates) {
    if (v == yaml_default) continue;
    try {
      ParseTaskSpec(YamlWith(p.name, v), "/s/task.yaml");
      return v;
    } catch (const InputError&) {
    }
  }
  ADD_FAILURE() << p.name << ": no valid non-default value among the candidates";
  return yaml_default;
}

TEST(ParameterValuesTest, EveryEntryRoundTripsYamlToSpecToYamlAndJson) {
  for (const Parameter& p : Parameters()) {
    const std::string value = NonDefaultValue(p);
    const TaskSpec spec = ParseTaskSpec(YamlWith(p.name, value), "/s/task.yaml");
    const std::optional<std::string> stored = GetParameter(spec, p.name);
    ASSERT_TRUE(stored) << p.name;
    EXPECT_NE(stored, GetParameter(TaskSpec{}, p.name)) << p.name << ": the YAML value was not applied";
    const TaskSpec again = ParseTaskSpec(TaskSpecToYaml(spec, "/s"), "/s/task.yaml");
    EXPECT_EQ(GetParameter(again, p.name), stored) << p.name;
    if (p.json_key.empty()) continue;
    const nlohmann::json j = ParametersToJson(spec);
    ASSERT_TRUE(j.contains(p.json_key)) << p.name;
    if (p.type == ParameterType::kInt || p.type == ParameterType::kUint64) {
      EXPECT_TRUE(j[p.json_key].is_number_integer()) << p.name << ": " << j[p.json_key];
    } else if (p.type == ParameterType::kFloat) {
      EXPECT_TRUE(j[p.json_key].is_number()) << p.name;
    }
    TaskSpec from_json;
    ParametersFromJson(j, from_json);
    EXPECT_EQ(GetParameter(from_json, p.name), stored) << p.name;
  }
}

TEST(ParameterValuesTest, SavedSpecsOfOlderRunsReadTheirUnsetMarkersAsUnset) {
  const std::string legacy = kData + "training:\n  epochs: 0\n  learning_rate: 0\n  l2: -1\n";
  EXPECT_THROW(ParseTaskSpec(legacy, "/s/task.yaml"), InputError);
  const TaskSpec spec = ParseSavedTaskSpec(legacy, "/s/task.yaml");
  EXPECT_FALSE(spec.training.epochs);
  EXPECT_FALSE(spec.training.learning_rate);
  EXPECT_FALSE(spec.training.l2);
  // Set values are kept, and a value that was never a marker is still an error.
  EXPECT_EQ(ParseSavedTaskSpec(kData + "training:\n  epochs: 7\n", "/s/task.yaml").training.epochs, 7);
  EXPECT_THROW(ParseSavedTaskSpec(kData + "training:\n  epochs: -2\n", "/s/task.yaml"), InputError);
}

TEST(ParameterDocTest, TaskSpecDocSectionIsTheRenderedTable) {
  const std::filesystem::path doc = testing::SourceDir() / "docs/task_spec.md";
  std::string text = testing::ReadAll(doc);
  const size_t begin = text.find(kParameterDocBegin);
  const size_t end = text.find(kParameterDocEnd);
  ASSERT_NE(begin, std::string::npos) << doc << " lacks the marker " << kParameterDocBegin;
  ASSERT_NE(end, std::string::npos) << doc << " lacks the marker " << kParameterDocEnd;
  ASSERT_LT(begin, end);
  const size_t body = begin + kParameterDocBegin.size() + 1;  // after the marker's line break
  const std::string rendered = RenderParameterMarkdown();
  if (std::getenv("TRAINOPS_UPDATE_PARAMETER_DOC")) {
    text.replace(body, end - body, rendered);
    std::ofstream(doc, std::ios::binary) << text;
    GTEST_SKIP() << "rewrote " << doc;
  }
  EXPECT_EQ(text.substr(body, end - body), rendered)
      << doc << "'s parameter section differs from the table in src/task/parameters.cc; regenerate it with "
      << "TRAINOPS_UPDATE_PARAMETER_DOC=1 test_task --gtest_filter='ParameterDocTest.*'";
}

}  // namespace
}  // namespace trainops
