// check-data on multi-label tasks: label counts per label (not per set), the same text with
// different sets, the label_sets summary, and the separator warning of single-label tasks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::TempDir;
using ::testing::HasSubstr;

nlohmann::json CheckJson(const TempDir& dir, const std::filesystem::path& spec) {
  const auto r = RunCli({"check-data", "--task", spec.string(), "--json", (dir / "check.json").string()});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  return nlohmann::json::parse(ReadAll(dir / "check.json"));
}

std::vector<nlohmann::json> Findings(const nlohmann::json& report, const std::string& check) {
  std::vector<nlohmann::json> out;
  for (const auto& f : report["findings"]) {
    if (f["check"] == check) out.push_back(f);
  }
  return out;
}

TEST(MultiLabelCheckTest, CountsLabelsNotSetsAndFlagsConflictingSets) {
  TempDir dir;
  std::string csv = "text,intents\n";
  for (int i = 0; i < 12; ++i) csv += "too small number " + std::to_string(i) + ",sizing|returns\n";
  for (int i = 0; i < 12; ++i) csv += "refund please " + std::to_string(i) + ",refunds\n";
  for (int i = 0; i < 3; ++i) csv += "hello " + std::to_string(i) + ",\n";
  csv += "where is my money,refunds\nwhere is my money,refunds|returns\n";
  dir.Write("train.csv", csv);
  const auto spec = dir.Write("task.yaml",
                              "name: t\ndata:\n  train: train.csv\n  text_column: text\n  label_column: intents\n"
                              "task:\n  multi_label: true\nchecks:\n  min_examples_per_label: 10\n");
  const nlohmann::json report = CheckJson(dir, spec);
  const auto counts = report["summary"]["label_health"]["label_counts"]["train"];
  EXPECT_EQ(counts["sizing"], 12);
  EXPECT_EQ(counts["returns"], 13);
  EXPECT_EQ(counts["refunds"], 14);
  EXPECT_FALSE(counts.contains("returns|sizing"));
  EXPECT_TRUE(Findings(report, "label_health").empty()) << report["findings"].dump();
  const auto conflicts = Findings(report, "conflicting_labels");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_THAT(conflicts[0]["message"].get<std::string>(), HasSubstr("different label sets"));
  const auto sets = report["summary"]["label_sets"]["train"];
  EXPECT_EQ(sets["no_label_rows"], 3);
  EXPECT_EQ(sets["set_sizes"]["2"], 13);
  EXPECT_EQ(sets["top_co_occurrences"][0]["labels"], nlohmann::json({"returns", "sizing"}));
  EXPECT_EQ(sets["top_co_occurrences"][0]["count"], 12);
}

// Out-of-fold, label by label: a row that plainly asks for a refund but lacks the label,
// and a row labelled sizing that says nothing of size, are the top suspects.
TEST(MultiLabelCheckTest, LabelErrorsAreFoundLabelByLabel) {
  TempDir dir;
  const char* words[] = {"blue", "red", "trail", "city", "winter", "suede", "mesh", "retro", "court", "wave"};
  std::string csv = "text,intents\n";
  int line = 1;
  int missing_line = 0, spurious_line = 0;
  for (int i = 0; i < 120; ++i) {
    std::string text = std::string("about the ") + words[i % 10] + " " + words[(i / 10) % 10] + " pair";
    std::string labels;
    if (i % 2 == 0) {
      text += " i want a refund";
      labels = "refunds";
    } else {
      text += " these are too small";
      labels = "sizing";
    }
    ++line;
    if (i == 40) {  // asks for a refund, label missing
      labels = "";
      missing_line = line;
    }
    if (i == 81) {  // says "refund", labelled sizing as well as refunds... only sizing given
      text = std::string("about the ") + words[i % 10] + " pair i want a refund";
      labels = "sizing";
      spurious_line = line;
    }
    csv += text + "," + labels + "\n";
  }
  dir.Write("train.csv", csv);
  const auto spec = dir.Write("task.yaml",
                              "name: t\ndata:\n  train: train.csv\n  text_column: text\n  label_column: intents\n"
                              "task:\n  multi_label: true\nthreads: 1\n");
  const auto suspects = Findings(CheckJson(dir, spec), "label_errors");
  ASSERT_GE(suspects.size(), 2u);
  bool found_missing = false, found_spurious = false;
  for (size_t i = 0; i < suspects.size() && i < 4; ++i) {
    const auto& d = suspects[i];  // details are fields of the finding
    const int at = suspects[i]["rows"][0]["line"];
    found_missing |= d["kind"] == "missing_label" && d["label"] == "refunds" && at == missing_line;
    found_spurious |= d["kind"] == "spurious_label" && d["label"] == "sizing" && at == spurious_line;
  }
  EXPECT_TRUE(found_missing) << suspects[0].dump();
  EXPECT_TRUE(found_spurious) << suspects[0].dump();
}

TEST(MultiLabelCheckTest, SingleLabelTaskWithJoinedLabelsIsWarned) {
  TempDir dir;
  std::string csv = "text,intent\n";
  for (int i = 0; i < 12; ++i) csv += "a" + std::to_string(i) + ",x\n";
  for (int i = 0; i < 12; ++i) csv += "b" + std::to_string(i) + ",x|y\n";
  dir.Write("train.csv", csv);
  const auto spec = dir.Write("task.yaml",
                              "name: t\ndata:\n  train: train.csv\n  text_column: text\n  label_column: intent\n");
  const auto warned = Findings(CheckJson(dir, spec), "label_sets");
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_EQ(warned[0]["severity"], "warning");
  EXPECT_THAT(warned[0]["message"].get<std::string>(), HasSubstr("task.multi_label: true"));
}

// Outliers, against each label a row has: a "sizing" row about something else entirely is
// flagged under sizing; rows whose other label explains their words are not.
TEST(MultiLabelCheckTest, FlagsOutliersPerLabel) {
  TempDir dir;
  std::string csv = "text,intents\n";
  const char* sizes[] = {"these shoes are too small", "the size runs small", "do they run small in size",
                         "what size should i order", "too tight at the toe size"};
  const char* refunds[] = {"i want my money back", "refund my card please", "when is my refund coming",
                           "money back for the order", "please refund the payment"};
  for (int i = 0; i < 30; ++i) {
    csv += std::string(sizes[i % 5]) + (i % 3 ? "" : std::string(" and ") + refunds[(i + 2) % 5]) + " " +
           std::to_string(i) + (i % 3 ? ",sizing\n" : ",refunds|sizing\n");
    csv += std::string(refunds[i % 5]) + " number " + std::to_string(i) + ",refunds\n";
  }
  csv += "what is the weather forecast for saturday in lisbon,sizing\n";
  dir.Write("train.csv", csv);
  const auto spec = dir.Write("task.yaml",
                              "name: t\ndata:\n  train: train.csv\n  text_column: text\n  label_column: intents\n"
                              "task:\n  multi_label: true\n");
  const nlohmann::json report = CheckJson(dir, spec);
  EXPECT_FALSE(report["summary"]["checks_skipped"].contains("outliers")) << report["summary"].dump();
  const auto outliers = Findings(report, "outliers");
  ASSERT_EQ(outliers.size(), 1u) << report["findings"].dump();
  EXPECT_EQ(outliers[0]["label"], "sizing");
  EXPECT_THAT(outliers[0]["message"].get<std::string>(), HasSubstr("weather forecast"));
  EXPECT_EQ(report["summary"]["outliers"]["flagged"], 1);
}

}  // namespace
}  // namespace trainops
