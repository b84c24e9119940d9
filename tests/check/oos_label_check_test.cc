// The threshold-only out-of-scope set-up passes check-data: the declared oos label used
// only by validation rows is reported for information, not as a label train lacks.
#include <gtest/gtest.h>

#include <random>

#include <fmt/format.h>

#include "check/check_data.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::SyntheticIntentCsv;
using testing::TempDir;

std::string OosRows(size_t rows) {
  static const char* kWords[] = {"weather", "paris", "recipe", "pasta", "senate", "vote", "guitar", "chord"};
  std::mt19937_64 rng(7);
  std::string csv;
  for (size_t i = 0; i < rows; ++i) {
    std::string text = fmt::format("question {}", i);
    for (int w = 0; w < 4; ++w) text += std::string(" ") + kWords[rng() % 8];
    csv += fmt::format("\"{}\",oos,chat,2026-03-1{}T10:00:00Z\n", text, i % 10);
  }
  return csv;
}

const Finding* FindKind(const CheckReport& report, const std::string& kind) {
  for (const auto& f : report.findings)
    if (f.check == "label_health" && f.details.value("kind", "") == kind) return &f;
  return nullptr;
}

TEST(OosLabelCheckTest, DeclaredOosLabelOnlyInValidationIsNotAnError) {
  TempDir dir;
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", SyntheticIntentCsv(400, 1));
  spec.data.validation = dir.Write("val.csv", SyntheticIntentCsv(100, 2) + OosRows(30));
  spec.data.label_column = "intent";
  spec.threads = 1;
  spec.oos_label = "oos";
  CheckReport declared = RunCheckData(spec);
  EXPECT_EQ(FindKind(declared, "labels_missing_from_train"), nullptr);
  const Finding* info = FindKind(declared, "oos_label_not_in_train");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->severity, Severity::kInfo);
  EXPECT_EQ(info->details["count"], 30);
  EXPECT_NE(info->message.find("threshold"), std::string::npos) << info->message;

  // Undeclared, the same rows are a label the model can never predict.
  spec.oos_label.clear();
  CheckReport undeclared = RunCheckData(spec);
  const Finding* error = FindKind(undeclared, "labels_missing_from_train");
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->severity, Severity::kError);
}

}  // namespace
}  // namespace trainops
