// Each gate kind is made to pass and to fail; the regression gate's statistics are checked
// on constructed paired results where the answer is known.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "gate/budget_gates.h"
#include "gate/gate_output.h"
#include "gate/gate_runner.h"
#include "gate/metric_gates.h"
#include "gate/regression_gate.h"
#include "task/task_spec.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;

// ---------------------------------------------------------------- threshold parsing

// Issue 26 item 11: a spec without data.test names the file, the line of its data:
// section and the key, before any model is read.
TEST(GatesSpecTest, AMissingTestFileNamesTheSpecLineAndKey) {
  testing::TempDir dir;
  const TaskSpec spec = ParseTaskSpec("name: t\nlabels: [a, b]\ndata:\n  train: t.csv\n  text_column: text\n"
                                      "  label_column: intent\n",
                                      dir / "task.yaml");
  try {
    GateRunOptions options;
    options.candidate = dir / "missing.bin";
    RunGates(spec, options);
    FAIL() << "gates ran without test data";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr((dir / "task.yaml").string() + ":3: key data.test is not set"));
    EXPECT_THAT(e.what(), HasSubstr("`test: test.csv` under data:"));
  }
}


TEST(MetricThresholdTest, ParsesMetricsLabelsAndOperators) {
  MetricThreshold t = MetricThreshold::Parse(" macro_f1 >= 0.85 ");
  EXPECT_EQ(t.metric, "macro_f1");
  EXPECT_EQ(t.op, ">=");
  EXPECT_DOUBLE_EQ(t.value, 0.85);
  EXPECT_TRUE(t.label.empty());
  t = MetricThreshold::Parse("recall[returns]>0.9");
  EXPECT_EQ(t.metric, "recall");
  EXPECT_EQ(t.label, "returns");
  EXPECT_EQ(t.op, ">");
  t = MetricThreshold::Parse("ece <= 0.05");
  EXPECT_TRUE(t.Holds(0.05));
  EXPECT_FALSE(t.Holds(0.0501));
  t = MetricThreshold::Parse("oos_recall < 1");
  EXPECT_TRUE(t.Holds(0.99));
  EXPECT_FALSE(t.Holds(1.0));
}

TEST(MetricThresholdTest, ExplainsWhatIsWrong) {
  auto error_of = [](const char* text) {
    try {
      MetricThreshold::Parse(text);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("macro_f1 0.85"), HasSubstr("no comparison"));
  EXPECT_THAT(error_of("macro_f1 >= high"), HasSubstr("not a number"));
  EXPECT_THAT(error_of("macro_f >= 0.8"), HasSubstr("did you mean \"macro_f1\""));
  EXPECT_THAT(error_of("accuracy >= 85"), HasSubstr("write 0.85, not 85"));
  // Issue 26, item 11: NaN compares false with everything, so such a gate never fails.
  EXPECT_THAT(error_of("accuracy >= nan"), HasSubstr("not a rate in [0, 1]"));
  EXPECT_THAT(error_of("ece <= inf"), HasSubstr("not a rate in [0, 1]"));
  EXPECT_THAT(error_of("recal[returns] >= 0.9"), HasSubstr("did you mean \"recall\""));
  EXPECT_THAT(error_of("recall[] >= 0.9"), HasSubstr("label"));
}

TEST(GatesSpecTest, ParsesTheSectionAndPointsAtTheLineOfABadThreshold) {
  testing::TempDir dir;
  const std::string head = "data: {train: t.csv, test: test.csv, text_column: text, label_column: intent}\n"
                           "labels: [a, b]\n";
  TaskSpec spec = ParseTaskSpec(head +
                                    "gates:\n"
                                    "  metrics:\n"
                                    "    - macro_f1 >= 0.8\n"
                                    "    - recall[a] >= 0.9\n"
                                    "  segments: {min_accuracy: 0.7, max_gap: 0.2}\n"
                                    "  regression: {baseline: prod.bin, tolerance: 0.02}\n"
                                    "  behaviour: {file: cases.yaml, min_pass_rate: {inv: 0.8}}\n"
                                    "  budgets: {latency_p99_us: 500, model_size_mb: 10}\n",
                                dir / "task.yaml");
  ASSERT_EQ(spec.gates.metrics.size(), 2u);
  EXPECT_EQ(spec.gates.metrics[1].label, "a");
  EXPECT_EQ(spec.gates.metrics[1].line, 6);
  EXPECT_DOUBLE_EQ(spec.gates.segments.min_accuracy, 0.7);
  EXPECT_EQ(spec.gates.regression.baseline, (dir / "prod.bin").string());
  EXPECT_DOUBLE_EQ(spec.gates.regression.tolerance, 0.02);
  EXPECT_EQ(spec.gates.behaviour.file, dir / "cases.yaml");
  EXPECT_DOUBLE_EQ(spec.gates.behaviour.min_pass_rate.at("inv"), 0.8);
  EXPECT_DOUBLE_EQ(spec.gates.behaviour.min_pass_rate.at("mft"), 0.9);  // default kept
  EXPECT_DOUBLE_EQ(spec.gates.budgets.latency_p99_us, 500);

  // The spec round-trips through its YAML form with the gates intact.
  TaskSpec again = ParseTaskSpec(TaskSpecToYaml(spec, dir.path()), dir / "task.yaml");
  EXPECT_EQ(again.gates.metrics.size(), 2u);
  EXPECT_EQ(again.gates.regression.baseline, spec.gates.regression.baseline);
  EXPECT_EQ(again.gates.behaviour.file, spec.gates.behaviour.file);
  EXPECT_DOUBLE_EQ(again.gates.segments.max_gap, 0.2);

  try {
    ParseTaskSpec(head + "gates:\n  metrics:\n    - accuracy >= 0.9\n    - acuracy >= 0.9\n", dir / "task.yaml");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("task.yaml:6: key gates.metrics"));
    EXPECT_THAT(e.what(), HasSubstr("did you mean \"accuracy\""));
  }
  try {
    ParseTaskSpec(head + "gates:\n  metrics: [\"recall[c] >= 0.9\"]\n", dir / "task.yaml");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not in labels"));
  }
  try {
    ParseTaskSpec(head + "gates:\n  regresion: {}\n", dir / "task.yaml");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("regression"));
  }
  EXPECT_THROW(ParseTaskSpec(head + "gates:\n  segments: {max_gap: 2}\n", dir / "task.yaml"), InputError);
  EXPECT_THROW(ParseTaskSpec(head + "gates:\n  regression: {metrics: [loss]}\n", dir / "task.yaml"), InputError);
}

// ---------------------------------------------------------------- metric and segment gates

nlohmann::json FakeReport() {
  nlohmann::json j;
  j["n"] = 200;
  j["accuracy"] = 0.9;
  j["macro_f1"] = 0.85;
  j["weighted_f1"] = 0.88;
  j["accuracy_ci"] = {0.86, 0.94};
  j["per_label"] = {{"returns", {{"precision", 0.9}, {"recall", 0.95}, {"f1", 0.92}, {"support", 100}}},
                    {"refunds", {{"precision", 0.8}, {"recall", 0.7}, {"f1", 0.75}, {"support", 100}}},
                    {"newsletter", {{"precision", 0.0}, {"recall", 0.0}, {"f1", 0.0}, {"support", 0}}}};
  j["calibration"] = {{"ece_before", 0.12}, {"ece_after", 0.03}, {"bins", 10}, {"rows", 200}};
  j["oos"] = {{"enabled", false}};
  j["segments"] = {{"columns", nlohmann::json::array()}};
  return j;
}

std::vector<MetricThreshold> Thresholds(std::initializer_list<const char*> texts) {
  std::vector<MetricThreshold> out;
  for (const char* t : texts) out.push_back(MetricThreshold::Parse(t));
  return out;
}

TEST(MetricGatesTest, PassAndFailOnTheReportedValues) {
  auto checks = MetricThresholdChecks(
      FakeReport(), Thresholds({"accuracy >= 0.9", "macro_f1 >= 0.9", "recall[returns] >= 0.9", "ece <= 0.05",
                                "ece_before <= 0.05"}));
  ASSERT_EQ(checks.size(), 5u);
  EXPECT_EQ(checks[0].status, GateStatus::kPass);  // equal to the threshold passes >=
  EXPECT_EQ(checks[1].status, GateStatus::kFail);
  EXPECT_DOUBLE_EQ(checks[1].value, 0.85);
  EXPECT_EQ(checks[2].status, GateStatus::kPass);
  EXPECT_EQ(checks[2].kind, "label");
  EXPECT_EQ(checks[3].status, GateStatus::kPass);
  EXPECT_EQ(checks[3].kind, "calibration");
  EXPECT_EQ(checks[4].status, GateStatus::kFail);
}

TEST(MetricGatesTest, StarExpandsToEveryLabelWithTestRows) {
  auto checks = MetricThresholdChecks(FakeReport(), Thresholds({"recall[*] >= 0.8"}));
  ASSERT_EQ(checks.size(), 2u);  // newsletter has no test rows
  int failed = 0;
  for (const auto& c : checks) failed += c.status == GateStatus::kFail;
  EXPECT_EQ(failed, 1);
}

TEST(MetricGatesTest, AGateNobodyCanJudgeFails) {
  auto checks = MetricThresholdChecks(FakeReport(), Thresholds({"recall[newsletter] >= 0.5", "oos_recall >= 0.5"}));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].status, GateStatus::kFail);
  EXPECT_THAT(checks[0].detail, HasSubstr("no rows labelled \"newsletter\""));
  EXPECT_EQ(checks[1].status, GateStatus::kFail);
  EXPECT_THAT(checks[1].detail, HasSubstr("oos_label"));
}

TEST(MetricGatesTest, OutOfScopeMetricsComeFromTheOosSection) {
  nlohmann::json j = FakeReport();
  j["oos"] = {{"enabled", true},        {"label", "oos"},          {"threshold", 0.4},      {"threshold_source", "model"},
              {"in_scope_rows", 150},   {"oos_rows", 50},          {"in_scope_accuracy", 0.9}, {"oos_recall", 0.6},
              {"oos_precision", 0.8},   {"overall_accuracy", 0.85}};
  auto checks = MetricThresholdChecks(j, Thresholds({"oos_recall >= 0.7", "in_scope_accuracy >= 0.85"}));
  EXPECT_EQ(checks[0].status, GateStatus::kFail);
  EXPECT_EQ(checks[0].kind, "oos");
  EXPECT_EQ(checks[1].status, GateStatus::kPass);
}

nlohmann::json SegmentColumn(std::vector<std::tuple<std::string, int, double, bool>> segments, double gap) {
  nlohmann::json col = {{"column", "channel"}, {"segments", nlohmann::json::array()}};
  for (auto& [value, n, acc, small] : segments) {
    col["segments"].push_back(
        {{"value", value}, {"n", n}, {"accuracy", acc}, {"accuracy_ci", {acc - 0.05, acc + 0.05}}, {"too_small", small}});
  }
  if (gap >= 0) {
    col["gap"] = {{"gap", gap},   {"best", "email"},     {"best_accuracy", 0.95}, {"worst", "sms"},
                  {"worst_accuracy", 0.95 - gap}, {"p_value", 0.01}};
  } else {
    col["gap"] = {{"note", "fewer than two segments reach min_support"}};
  }
  return col;
}

TEST(SegmentGatesTest, FloorAppliesToSegmentsWithEnoughRowsAndGapToTheSpread) {
  nlohmann::json j = FakeReport();
  j["segments"]["columns"].push_back(
      SegmentColumn({{"email", 100, 0.95, false}, {"sms", 80, 0.75, false}, {"fax", 3, 0.0, true}}, 0.2));
  SegmentGates gates;
  gates.min_accuracy = 0.8;
  gates.max_gap = 0.1;
  auto checks = SegmentChecks(j, gates);
  ASSERT_EQ(checks.size(), 3u);  // email, sms floors (fax too small) + gap
  EXPECT_EQ(checks[0].status, GateStatus::kPass);
  EXPECT_EQ(checks[1].status, GateStatus::kFail);
  EXPECT_THAT(checks[1].name, HasSubstr("channel=sms"));
  EXPECT_EQ(checks[2].status, GateStatus::kFail);
  gates.min_accuracy = 0.7;
  gates.max_gap = 0.25;
  for (const auto& c : SegmentChecks(j, gates)) EXPECT_EQ(c.status, GateStatus::kPass) << c.name;
}

TEST(SegmentGatesTest, SkipsWhenNothingCanBeJudgedAndFailsWithoutSegments) {
  nlohmann::json j = FakeReport();
  SegmentGates gates;
  gates.max_gap = 0.1;
  auto none = SegmentChecks(j, gates);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].status, GateStatus::kFail);
  j["segments"]["columns"].push_back(SegmentColumn({{"email", 10, 0.9, true}}, -1));
  auto skipped = SegmentChecks(j, gates);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].status, GateStatus::kSkip);
  EXPECT_TRUE(SegmentChecks(j, SegmentGates{}).empty());  // no segment gates declared
}

// ---------------------------------------------------------------- regression gate

// Paired results over `n` rows of two labels: row i has gold i % 2; `right_c(i)` and
// `right_b(i)` say whether candidate and baseline get it right.
template <typename C, typename B>
std::pair<EvalResult, EvalResult> Paired(size_t n, C right_c, B right_b) {
  auto make = [&](auto right) {
    EvalResult r;
    r.labels = {"a", "b"};
    r.model_labels = 2;
    r.confusion = ConfusionMatrix(r.labels);
    for (size_t i = 0; i < n; ++i) {
      RowPrediction row;
      row.gold = static_cast<uint32_t>(i % 2);
      row.predicted = right(i) ? row.gold : 1 - row.gold;
      r.rows.push_back(row);
      r.confusion.Add(row.gold, row.predicted);
      Example e;
      e.text = "text " + std::to_string(i);
      e.line = i + 2;
      r.examples.push_back(e);
    }
    return r;
  };
  return {make(right_c), make(right_b)};
}

const GateCheck& Named(const std::vector<GateCheck>& checks, const std::string& prefix) {
  for (const auto& c : checks) {
    if (c.name.starts_with(prefix)) return c;
  }
  throw std::runtime_error("no check " + prefix);
}

TEST(RegressionGateTest, IdenticalModelsPass) {
  auto [c, b] = Paired(1000, [](size_t i) { return i % 10 != 0; }, [](size_t i) { return i % 10 != 0; });
  for (const auto& check : RegressionChecks(c, b, RegressionGate{}, 1)) {
    EXPECT_EQ(check.status, GateStatus::kPass) << check.name << ": " << check.detail;
  }
}

TEST(RegressionGateTest, ARealDropFails) {
  // Baseline 95% right, candidate 75% right on the same 2000 rows.
  auto [c, b] = Paired(2000, [](size_t i) { return i % 20 >= 3 && i % 20 != 7 && i % 20 != 11; },
                       [](size_t i) { return i % 20 != 0; });
  auto checks = RegressionChecks(c, b, RegressionGate{}, 1);
  const GateCheck& acc = Named(checks, "accuracy");
  EXPECT_EQ(acc.status, GateStatus::kFail) << acc.detail;
  EXPECT_NEAR(acc.value, -0.20, 1e-9);
  EXPECT_LT(acc.data["p_value"].get<double>(), 1e-6);
  EXPECT_EQ(Named(checks, "macro_f1").status, GateStatus::kFail);
  EXPECT_EQ(Named(checks, "recall of each label").status, GateStatus::kFail);
}

TEST(RegressionGateTest, ADropWithinToleranceOrWithinNoisePasses) {
  // 0.5 points worse on 2000 rows: under the 1-point tolerance.
  auto small = Paired(2000, [](size_t i) { return i % 20 != 0 && i % 200 != 1; }, [](size_t i) { return i % 20 != 0; });
  EXPECT_EQ(Named(RegressionChecks(small.first, small.second, RegressionGate{}, 1), "accuracy").status,
            GateStatus::kPass);
  // 5 points worse, but on 40 rows: one-sided McNemar 2 vs 0 discordant rows is p = 0.25.
  auto noisy = Paired(40, [](size_t i) { return i != 3 && i != 8; }, [](size_t) { return true; });
  const GateCheck acc = Named(RegressionChecks(noisy.first, noisy.second, RegressionGate{}, 1), "accuracy");
  EXPECT_EQ(acc.status, GateStatus::kPass);
  EXPECT_THAT(acc.detail, HasSubstr("within noise"));
}

TEST(RegressionGateTest, ALabelThatCollapsesFailsEvenWhenOverallAccuracyHolds) {
  // Label b loses 30 of its 500 rows, label a gains 30: overall accuracy is unchanged.
  RegressionGate gate;
  gate.metrics = {"accuracy"};
  auto [c, b] = Paired(1000, [](size_t i) { return i % 2 == 0 || i >= 60; },
                       [](size_t i) { return i % 2 == 1 || i >= 60; });
  auto checks = RegressionChecks(c, b, gate, 1);
  EXPECT_EQ(Named(checks, "accuracy").status, GateStatus::kPass);
  const GateCheck& labels = Named(checks, "recall of each label");
  EXPECT_EQ(labels.status, GateStatus::kFail) << labels.detail;
  EXPECT_THAT(labels.detail, HasSubstr("b"));
}

// Issue 26, item 13: with no label big enough to compare, the per-label check is a
// SKIP saying why, not a PASS over zero labels.
TEST(RegressionGateTest, PerLabelRecallOverNoLabelsIsASkip) {
  auto [c, b] = Paired(12, [](size_t) { return true; }, [](size_t) { return true; });  // 6 rows a label
  const GateCheck labels = Named(RegressionChecks(c, b, RegressionGate{}, 1), "recall of each label");
  EXPECT_EQ(labels.status, GateStatus::kSkip) << labels.detail;
  EXPECT_THAT(labels.detail, HasSubstr("min_label_support"));
  EXPECT_EQ(labels.data["labels_compared"], 0);
}

TEST(RegressionGateTest, RefusesResultsOverDifferentRows) {
  auto [c, b] = Paired(10, [](size_t) { return true; }, [](size_t) { return true; });
  b.rows.pop_back();
  EXPECT_THROW(RegressionChecks(c, b, RegressionGate{}, 1), InputError);
}

TEST(RegressionGateTest, StatisticsHelpers) {
  EXPECT_DOUBLE_EQ(OneSidedMcNemar(0, 5), 1.0);
  EXPECT_NEAR(OneSidedMcNemar(2, 0), 0.25, 1e-12);
  EXPECT_NEAR(OneSidedMcNemar(10, 0), 1.0 / 1024, 1e-12);
  EXPECT_GT(OneSidedMcNemar(5, 5), 0.5);
  auto adjusted = HolmAdjust({0.01, 0.04, 0.03, 0.5});
  EXPECT_NEAR(adjusted[0], 0.04, 1e-12);  // 4 x 0.01
  EXPECT_NEAR(adjusted[2], 0.09, 1e-12);  // 3 x 0.03
  EXPECT_NEAR(adjusted[1], 0.09, 1e-12);  // max(2 x 0.04, previous)
  EXPECT_NEAR(adjusted[3], 0.5, 1e-12);
}

// ---------------------------------------------------------------- output

TEST(GateOutputTest, VerdictAndJUnitListEveryGate) {
  GateReport report;
  report.context = {{"task", "shoes & <more>"}, {"seconds", 1.5}};
  report.checks.push_back(CompareCheck("metric", "accuracy >= 0.9", 0.95, ">=", 0.9, "over 10 rows"));
  report.checks.push_back(CompareCheck("label", "recall[returns] >= 0.9", 0.5, ">=", 0.9, "text \"quoted\"\x01"));
  GateCheck skipped;
  skipped.kind = "regression";
  skipped.name = "no regression against the baseline";
  skipped.status = GateStatus::kSkip;
  skipped.detail = "no production model yet";
  report.checks.push_back(skipped);
  EXPECT_FALSE(report.passed());
  const std::string verdict = RenderVerdict(report);
  EXPECT_THAT(verdict, HasSubstr("PASS  accuracy >= 0.9"));
  EXPECT_THAT(verdict, HasSubstr("FAIL  recall[returns] >= 0.9"));
  EXPECT_THAT(verdict, HasSubstr("0.5000 (needs >= 0.9000)"));
  EXPECT_THAT(verdict, HasSubstr("verdict: FAIL (1 passed, 1 failed, 1 skipped)"));
  const std::string xml = RenderJUnit(report);
  EXPECT_THAT(xml, HasSubstr("tests=\"3\" failures=\"1\" skipped=\"1\""));
  EXPECT_THAT(xml, HasSubstr("name=\"gate: shoes &amp; &lt;more&gt;\""));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"GateFailed\""));
  EXPECT_THAT(xml, HasSubstr("&quot;quoted&quot;"));
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"no production model yet\"/>"));
  const nlohmann::json j = report.ToJson();
  EXPECT_EQ(j["verdict"], "FAIL");
  EXPECT_EQ(j["gates"].size(), 3u);
  EXPECT_EQ(j["gates"][2]["status"], "SKIP");
  EXPECT_TRUE(j["gates"][2]["passed"].get<bool>());
}

}  // namespace
}  // namespace trainops
