// Issue 16: every task-spec error names file:line:key, and what the parser would otherwise
// accept silently (a key given twice, tab indentation) is an error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "task/parameters.h"
#include "task/task_spec.h"

namespace trainops {
namespace {

const char* kBase = R"(name: shoes
data:
  train: train.csv
  text_column: text
  label_column: intent
)";

std::string ErrorOf(const std::string& yaml) {
  try {
    ParseTaskSpec(yaml, "/specs/task.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SpecErrorsTest, AKeyGivenTwiceIsAnErrorNamingBothLines) {
  const std::string e = ErrorOf(std::string(kBase) + "seed: 1\ntraining:\n  epochs: 3\nseed: 2\n");
  EXPECT_NE(e.find("/specs/task.yaml:9: key seed is given twice (lines 6 and 9)"), std::string::npos) << e;
  const std::string d = ErrorOf("name: shoes\ndata:\n  train: a.csv\n  text_column: text\n  train: b.csv\n"
                                "  label_column: intent\n");
  EXPECT_NE(d.find("/specs/task.yaml:5: key data.train is given twice (lines 3 and 5)"), std::string::npos) << d;
}

TEST(SpecErrorsTest, RangeErrorsNameFileLineAndKey) {
  struct Case {
    std::string yaml, where;
  };
  const std::vector<Case> cases = {
      {"training:\n  epochs: 0\n", "task.yaml:7: key training.epochs"},
      {"threads: 100000\n", "task.yaml:6: key threads"},
      {"model:\n  word_ngrams: 9\n", "task.yaml:7: key model.word_ngrams"},
      {"model:\n  char_ngram_min: 5\n  char_ngram_max: 3\n", "task.yaml:7: key model.char_ngram_min"},
      {"model:\n  char_ngram_max: 0\n  word_ngrams: 0\n", "task.yaml:8: key model.word_ngrams"},
      {"model:\n  dim: 0\n", "task.yaml:7: key model.dim"},
      {"model:\n  buckets: 5\n", "task.yaml:7: key model.buckets"},
      {"checkpoints:\n  every_updates: -1\n", "task.yaml:7: key checkpoints.every_updates"},
      {"training:\n  validation_split: 1.5\n", "task.yaml:7: key training.validation_split"},
      {"training:\n  learning_rate: 1e39\n", "task.yaml:7: key training.learning_rate"},
      {"training:\n  l2: .nan\n", "task.yaml:7: key training.l2"},
      {"seed: -1\n", "task.yaml:6: key seed"},
      {"labels: [a, b, a]\n", "task.yaml:6: key labels"},
      {"checks:\n  label_error_folds: 1\n", "task.yaml:7: key checks.label_error_folds"},
  };
  for (const auto& c : cases) {
    const std::string e = ErrorOf(std::string(kBase) + c.yaml);
    EXPECT_NE(e.find("/specs/" + c.where), std::string::npos) << c.yaml << " -> " << e;
  }
  EXPECT_NE(ErrorOf(std::string(kBase) + "labels: [a, b, a]\n").find("\"a\" twice"), std::string::npos);
}

TEST(SpecErrorsTest, AnOverriddenParameterIsBlamedOnItsFlag) {
  TaskSpec spec = ParseTaskSpec(std::string(kBase) + "model:\n  char_ngram_max: 3\n", "/specs/task.yaml");
  try {
    ApplyParameterOverrides(spec, {{"--word-ngrams", "0"}, {"model.char_ngram_max", "0"}});
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--word-ngrams"), std::string::npos) << m;
    EXPECT_EQ(m.find("task.yaml"), std::string::npos) << m;
  }
}

TEST(SpecErrorsTest, TabsInTheIndentationAreNamed) {
  for (const std::string& yaml : {std::string("name: shoes\ndata:\n\ttrain: a.csv\n"),
                                  std::string("name: shoes\ndata:\n  train: a.csv\n \ttext_column: text\n")}) {
    const std::string e = ErrorOf(yaml);
    EXPECT_NE(e.find("/specs/task.yaml:"), std::string::npos) << e;
    EXPECT_NE(e.find("tab"), std::string::npos) << e;
    EXPECT_NE(e.find("indent with spaces"), std::string::npos) << e;
  }
  // A tab inside a value is data, not indentation.
  EXPECT_EQ(ErrorOf(std::string(kBase) + "description: \"a\tb\"\n"), "(no error)");
}

// Found by fuzz/task_spec_fuzz.cc: YAML allows a list or a mapping as a key; such a key
// escaped ParseTaskSpec as YAML::BadConversion (not an InputError, no line).
TEST(SpecErrorsTest, AKeyThatIsNotANameIsAnErrorWithItsLine) {
  struct Case {
    std::string yaml;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"name: t\n? [a]\n: b\n", "/specs/task.yaml:2: a key in the spec must be a plain name, not a list"},
      {std::string(kBase) + "checks:\n  ? {x: 1}\n  : 2\n", "/specs/task.yaml:7: a key in checks must be a plain name, not a mapping"},
      {std::string(kBase) + "labels: [a, b]\nevaluation:\n  costs:\n    ? [a]\n    : 2\n",
       "/specs/task.yaml:9: a key in evaluation.costs must be a plain name, not a list"},
      {std::string(kBase) + "  segment_columns: [channel]\nevaluation:\n  segment_split:\n    ? [channel]\n    : chars\n",
       "/specs/task.yaml:9: a key in evaluation.segment_split must be a plain name, not a list"},
  };
  for (const Case& c : cases) {
    std::string e;
    try {
      ParseTaskSpec(c.yaml, "/specs/task.yaml");
      e = "(no error)";
    } catch (const InputError& error) {
      e = error.what();
    }
    EXPECT_NE(e.find(c.where), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace trainops
