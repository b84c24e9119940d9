#include "task/task_spec.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "test_support.h"

namespace trainops {
namespace {

const char* kValid = R"(name: shoes
description: route messages
data:
  train: data/train.csv
  validation: /abs/valid.csv
  text_column: text
  label_column: intent
  segment_columns: [channel]
  time_column: created_at
labels: [returns, shipping]
metric: recall:returns
model:
  type: embedding
  word_ngrams: 3
  dim: 32
training:
  epochs: 7
  l2: 1e-5
checkpoints:
  patience: 2
seed: 9
threads: 1
)";

std::string ErrorOf(const std::string& yaml) {
  try {
    ParseTaskSpec(yaml, "/specs/task.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TaskSpecTest, ParsesEveryFieldAndResolvesPathsAgainstTheSpecFolder) {
  TaskSpec spec = ParseTaskSpec(kValid, "/specs/task.yaml");
  EXPECT_EQ(spec.name, "shoes");
  EXPECT_EQ(spec.data.train, "/specs/data/train.csv");
  EXPECT_EQ(spec.data.validation, "/abs/valid.csv");
  EXPECT_TRUE(spec.data.test.empty());
  EXPECT_EQ(spec.data.label_column, "intent");
  EXPECT_EQ(spec.data.segment_columns, std::vector<std::string>{"channel"});
  EXPECT_EQ(spec.labels, (std::vector<std::string>{"returns", "shipping"}));
  EXPECT_EQ(spec.metric.kind, MetricSpec::Kind::kRecall);
  EXPECT_EQ(spec.metric.label, "returns");
  EXPECT_EQ(spec.model.type, ModelType::kEmbedding);
  EXPECT_EQ(spec.model.features.word_ngrams, 3);
  EXPECT_EQ(spec.model.dim, 32);
  EXPECT_EQ(spec.training.epochs, 7);
  EXPECT_EQ(spec.training.l2, 1e-5);
  EXPECT_EQ(spec.checkpoints.patience, 2);
  EXPECT_EQ(spec.seed, 9u);
  EXPECT_EQ(spec.threads, 1);
}

TEST(TaskSpecTest, RoundTripsThroughYaml) {
  TaskSpec spec = ParseTaskSpec(kValid, "/specs/task.yaml");
  TaskSpec again = ParseTaskSpec(TaskSpecToYaml(spec, "/specs"), "/specs/task.yaml");
  EXPECT_EQ(again.data.train, spec.data.train);
  EXPECT_EQ(again.data.validation, spec.data.validation);
  EXPECT_EQ(again.labels, spec.labels);
  EXPECT_EQ(again.metric.ToString(), "recall:returns");
  EXPECT_EQ(again.model.features, spec.model.features);
  EXPECT_EQ(again.training.epochs, 7);
}

struct BadSpec {
  std::string name, yaml, expected;
};

TEST(TaskSpecTest, ErrorsNameTheFileLineAndKey) {
  const std::string data = "data:\n  train: t.csv\n  text_column: text\n  label_column: intent\n";
  std::vector<BadSpec> cases = {
      {"unknown top key with suggestion", data + "metrc: accuracy\n",
       "/specs/task.yaml:5: unknown key \"metrc\" in the spec, did you mean \"metric\"?"},
      {"unknown nested key", "data:\n  train: t.csv\n  text_column: text\n  lable_column: intent\n",
       "/specs/task.yaml:4: unknown key \"data.lable_column\" in data, did you mean \"label_column\"?"},
      {"wrong type", data + "training:\n  epochs: ten\n",
       "/specs/task.yaml:6: key training.epochs: expected an integer, got \"ten\""},
      {"missing required", "data:\n  train: t.csv\n  text_column: text\n",
       "/specs/task.yaml:2: key data.label_column: is required but missing"},
      {"missing data", "name: x\n", "key data: is required"},
      {"bad metric", data + "metric: f1\n", "/specs/task.yaml:5: key metric: unknown metric \"f1\""},
      {"bad model type", data + "model:\n  type: lineer\n",
       "/specs/task.yaml:6: key model.type: got \"lineer\", did you mean \"linear\"?"},
      {"list where scalar", data + "seed: [1, 2]\n", "/specs/task.yaml:5: key seed: expected"},
      {"not yaml", "data: [unclosed\n", "/specs/task.yaml:2: not valid YAML"},
      {"empty", "", "the spec is empty"},
      {"bad range", data + "model:\n  char_ngram_min: 6\n  char_ngram_max: 3\n", "model.char_ngram_min"},
      {"recall label not declared", data + "labels: [a, b]\nmetric: recall:c\n", "recall of \"c\""},
  };
  for (const auto& c : cases) {
    std::string error = ErrorOf(c.yaml);
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.name << ": got " << error;
  }
}

TEST(TaskSpecTest, MissingSpecFileSuggestsInit) {
  try {
    LoadTaskSpec("/no/such/task.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("trainops init"), std::string::npos);
  }
}

TEST(TaskSpecTest, ExampleSpecLoads) {
  TaskSpec spec = LoadTaskSpec(testing::SourceDir() / "examples/awesomeshoes/task.yaml");
  EXPECT_GE(spec.labels.size(), 8u);
  EXPECT_EQ(spec.data.time_column, "created_at");
  EXPECT_TRUE(std::filesystem::exists(spec.data.train));
}


TEST(TaskSpecTest, SegmentSplitIsAStringOrAMappingPerColumn) {
  const std::string data =
      "data:\n  train: t.csv\n  text_column: text\n  label_column: intent\n  segment_columns: [tags, topics]\n";
  TaskSpec one = ParseTaskSpec(data + "evaluation:\n  segment_split: chars\n", "/specs/task.yaml");
  EXPECT_EQ(one.evaluation.segment_split, "chars");
  EXPECT_TRUE(one.evaluation.segment_split_columns.empty());
  TaskSpec per = ParseTaskSpec(data + "evaluation:\n  segment_split: {tags: chars, topics: ';'}\n", "/specs/task.yaml");
  EXPECT_EQ(per.evaluation.segment_split, "");
  EXPECT_EQ(per.evaluation.segment_split_columns.at("tags"), "chars");
  EXPECT_EQ(per.evaluation.segment_split_columns.at("topics"), ";");
  TaskSpec again = ParseTaskSpec(TaskSpecToYaml(per, "/specs"), "/specs/task.yaml");
  EXPECT_EQ(again.evaluation.segment_split_columns, per.evaluation.segment_split_columns);
  // evaluation.segments, when set, is the list the keys must come from.
  TaskSpec listed = ParseTaskSpec(data + "evaluation:\n  segments: [tags]\n  segment_split:\n    tags: chars\n",
                                  "/specs/task.yaml");
  EXPECT_EQ(listed.evaluation.segment_split_columns.at("tags"), "chars");
  const std::string unknown = ErrorOf(data + "evaluation:\n  segment_split:\n    tags: chars\n    topicz: ';'\n");
  EXPECT_NE(unknown.find("/specs/task.yaml:9: key evaluation.segment_split: column \"topicz\" is not a segment "
                         "column"),
            std::string::npos)
      << unknown;
  EXPECT_NE(unknown.find("did you mean \"topics\""), std::string::npos) << unknown;
  const std::string unlisted =
      ErrorOf(data + "evaluation:\n  segments: [tags]\n  segment_split: {topics: ';'}\n");
  EXPECT_NE(unlisted.find("column \"topics\" is not a segment column (tags)"), std::string::npos) << unlisted;
  EXPECT_NE(ErrorOf(data + "evaluation:\n  segment_split: {tags: [a, b]}\n").find("evaluation.segment_split.tags"),
            std::string::npos);
}

}  // namespace
}  // namespace trainops
