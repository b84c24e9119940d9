// Issue 16: every task-spec error names file:line:key, and what the parser would otherwise
// accept silently (a key given twice, tab indentation) is an error.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace trainops
