// data.weight_column in the task spec: YAML, the parameter table (flag and overrides), the
// round trip through TaskSpecToYaml, and which files DataSpec::Source reads it from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "task/parameters.h"
#include "task/task_spec.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;

const char* kSpec = R"(name: shoes
data:
  train: train.csv
  validation: valid.csv
  text_column: text
  label_column: intent
  weight_column: importance
)";

TEST(WeightColumnSpecTest, ParsesAndRoundTripsThroughYaml) {
  TaskSpec spec = ParseTaskSpec(kSpec, "/specs/task.yaml");
  EXPECT_EQ(spec.data.weight_column, "importance");
  TaskSpec again = ParseTaskSpec(TaskSpecToYaml(spec, "/specs"), "/specs/task.yaml");
  EXPECT_EQ(again.data.weight_column, "importance");
  // Unset, it is not written at all.
  spec.data.weight_column.clear();
  EXPECT_EQ(TaskSpecToYaml(spec, "/specs").find("weight_column"), std::string::npos);
}

TEST(WeightColumnSpecTest, IsATableParameterWithAFlag) {
  const Parameter* p = FindParameter("--weight-column");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "data.weight_column");
  EXPECT_EQ(p->json_key, "") << "which column to read is not a hyper-parameter of the model";
  TaskSpec spec = ParseTaskSpec(kSpec, "/specs/task.yaml");
  ApplyParameterOverrides(spec, {{"--weight-column", "w2"}});
  EXPECT_EQ(spec.data.weight_column, "w2");
  EXPECT_EQ(GetParameter(spec, "data.weight_column"), "w2");
}

TEST(WeightColumnSpecTest, OnlyTheTrainingFileIsReadWithIt) {
  TaskSpec spec = ParseTaskSpec(kSpec, "/specs/task.yaml");
  EXPECT_EQ(spec.data.Source(spec.data.train, {}).weight_column, "importance");
  EXPECT_EQ(spec.data.Source(spec.data.validation, {}).weight_column, "");
}

TEST(WeightColumnSpecTest, MustNotBeTheTextOrLabelColumn) {
  TaskSpec spec = ParseTaskSpec(kSpec, "/specs/task.yaml");
  try {
    ApplyParameterOverrides(spec, {{"data.weight_column", "intent"}});
    FAIL() << "the label column was accepted as the weight column";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("data.weight_column"));
    EXPECT_THAT(e.what(), HasSubstr("label column"));
  }
}

}  // namespace
}  // namespace trainops
