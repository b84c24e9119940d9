// A tiny synthetic multi-label task through the commands that handle it: train (one-vs-all
// sigmoids, per-label thresholds), eval, predict; the model file's version; determinism and
// resume; the spec errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "multi_label_data.h"
#include "test_support.h"
#include "train/full_and_killed_runs.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::TempDir;
using ::testing::HasSubstr;
using testing::MultiLabelCsv;

std::filesystem::path WriteSpec(const TempDir& dir, const std::string& extra = "") {
  dir.Write("train.csv", MultiLabelCsv(400, 1));
  dir.Write("test.csv", MultiLabelCsv(120, 2));
  return dir.Write("task.yaml",
                   "name: shoes_multi\n"
                   "data:\n  train: train.csv\n  test: test.csv\n  text_column: text\n  label_column: intents\n"
                   "task:\n  multi_label: true\n"
                   "threads: 1\n" +
                       extra);
}

uint32_t FormatVersion(const std::filesystem::path& model) {
  const std::string bytes = ReadAll(model);
  uint32_t version = 0;
  std::memcpy(&version, bytes.data() + 8, sizeof version);
  return version;
}

TEST(MultiLabelCliTest, TrainEvalPredictEndToEnd) {
  TempDir dir;
  const auto spec = WriteSpec(dir);
  // The embedding companion asked for: a multi-label run trains none and says why.
  const auto train = RunCli({"train", "--task", spec.string(), "--out", (dir / "run").string(), "--no-registry",
                             "--ensemble", "embedding"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const nlohmann::json run = nlohmann::json::parse(ReadAll(dir / "run/run.json"));
  EXPECT_EQ(run["metric"], "micro_f1");  // the multi-label default
  ASSERT_TRUE(run["multi_label"].is_object());
  EXPECT_EQ(run["ensemble"]["companion"], "none");
  EXPECT_NE(run["ensemble"]["why"].get<std::string>().find("multi-label"), std::string::npos);
  EXPECT_EQ(run["multi_label"]["labels"].size(), 4u);
  EXPECT_GT(run["multi_label"]["fit_rows"]["out_of_fold_training_rows"].get<int>(), 300);
  EXPECT_EQ(FormatVersion(dir / "run/model.bin"), 2u);

  const auto eval = RunCli({"eval", "--model", (dir / "run/model.bin").string(), "--data", (dir / "test.csv").string(),
                            "--json", (dir / "eval.json").string(), "--report", (dir / "report.html").string(),
                            "--markdown", (dir / "report.md").string()});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const std::string html = ReadAll(dir / "report.html");
  EXPECT_THAT(html, HasSubstr("Evaluation report (multi-label)"));
  EXPECT_THAT(html, HasSubstr("<td>refunds</td>"));
  EXPECT_THAT(html, HasSubstr("Most confused pairs"));
  EXPECT_EQ(html.find("<script"), std::string::npos);  // server-rendered, nothing to run
  EXPECT_THAT(ReadAll(dir / "report.md"), HasSubstr("| micro-F1 |"));
  EXPECT_THAT(eval.out, HasSubstr("micro_f1"));
  const nlohmann::json report = nlohmann::json::parse(ReadAll(dir / "eval.json"));
  EXPECT_EQ(report["task_kind"], "multi_label");
  EXPECT_EQ(report["n"], 120);
  EXPECT_GT(report["micro_f1"].get<double>(), 0.9);
  EXPECT_GT(report["exact_match"].get<double>(), 0.7);
  for (const char* key : {"macro_f1", "samples_f1", "hamming_loss", "label_cardinality", "micro_f1_ci", "failures",
                          "segments", "per_label"}) {
    EXPECT_TRUE(report.contains(key)) << key;
  }
  EXPECT_TRUE(report["per_label"]["refunds"]["recall_ci"].is_array());
  EXPECT_TRUE(report["per_label"]["refunds"].contains("threshold"));

  const auto predicted = RunCli({"predict", "--model", (dir / "run/model.bin").string(), "--top-k", "2"},
                                "these are too small and i want a refund\nhello there\n");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  std::istringstream lines(predicted.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(first.substr(0, first.find(',')), "refunds|sizing") << first;
  EXPECT_EQ(second.substr(0, second.find(',')), "") << second;  // none of the intents
  // labels, confidences (one per chosen label), then the best two.
  EXPECT_EQ(std::count(first.begin(), first.end(), ','), 5) << first;

  const auto file = RunCli({"predict", "--model", (dir / "run/model.bin").string(), "--data",
                            (dir / "test.csv").string(), "--output", (dir / "pred.csv").string()});
  ASSERT_EQ(file.exit_code, 0) << file.err;
  EXPECT_EQ(ReadAll(dir / "pred.csv").substr(0, 19), "labels,confidences\n");
}

// compare scores two multi-label models as sets (exact-set McNemar, a paired bootstrap of
// micro-F1, per-label recall); a single-label and a multi-label model cannot be compared,
// and the monitor refuses a model of the other kind than its task.
TEST(MultiLabelCliTest, CompareAndMonitorTakeMultiLabelModels) {
  TempDir dir;
  const auto spec = WriteSpec(dir);
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "good").string(), "--no-registry"}).exit_code, 0);
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "weak").string(), "--no-registry", "--epochs",
                    "1", "--lr", "0.01", "--patience", "0"})
                .exit_code,
            0);
  const std::string good = (dir / "good/model.bin").string(), weak = (dir / "weak/model.bin").string();
  const auto compare = RunCli({"compare", "--model", weak, "--model", good, "--data", (dir / "test.csv").string(),
                               "--json", "-"});
  ASSERT_EQ(compare.exit_code, 0) << compare.err;
  const nlohmann::json j = nlohmann::json::parse(compare.out);
  EXPECT_EQ(j["task_kind"], "multi_label");
  EXPECT_EQ(j["n"], 120);
  EXPECT_GT(j["delta"]["micro_f1"].get<double>(), 0.05) << j["delta"].dump();
  EXPECT_GT(j["paired"]["only_b_right"].get<int>(), j["paired"]["only_a_right"].get<int>());
  EXPECT_LT(j["micro_f1_bootstrap"]["p_value"].get<double>(), 0.05);
  EXPECT_TRUE(j["per_label"]["refunds"].contains("recall_delta"));
  ASSERT_FALSE(j["b_right_a_wrong"].empty());
  EXPECT_THAT(j["b_right_a_wrong"][0]["gold"].get<std::string>(), ::testing::Not(HasSubstr("[")));
  // The readable summary names the multi-label metrics.
  const auto summary = RunCli({"compare", "--model", weak, "--model", good, "--data", (dir / "test.csv").string()});
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_THAT(summary.out, HasSubstr("micro_f1"));
  EXPECT_THAT(summary.out, HasSubstr("paired bootstrap p ="));

  dir.Write("single_train.csv", testing::SyntheticIntentCsv(200, 1));
  const auto single_spec = dir.Write("single.yaml",
                                     "name: single\ndata:\n  train: single_train.csv\n  text_column: text\n"
                                     "  label_column: intent\nthreads: 1\ntraining:\n  epochs: 2\n");
  ASSERT_EQ(RunCli({"train", "--task", single_spec.string(), "--out", (dir / "single").string(), "--no-registry"})
                .exit_code,
            0);
  const auto mixed = RunCli({"compare", "--model", good, "--model", (dir / "single/model.bin").string(), "--data",
                             (dir / "test.csv").string()});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_THAT(mixed.err, HasSubstr("compare two models of one task kind"));

  dir.Write("traffic.csv", "text,created_at\nhello,2026-11-02T10:00:00Z\n");
  const auto monitor = RunCli({"monitor", "--task", single_spec.string(), "--model", good, "--traffic",
                               (dir / "traffic.csv").string(), "--registry", (dir / "registry.db").string()});
  EXPECT_EQ(monitor.exit_code, 2) << monitor.err;
  EXPECT_THAT(monitor.err, HasSubstr("is multi-label but task \"single\" is single-label"));
}

nlohmann::json GateJson(const TempDir& dir, const std::vector<std::string>& args, int expected_exit) {
  std::vector<std::string> all = args;
  all.insert(all.end(), {"--json", (dir / "gate.json").string()});
  const auto r = RunCli(all);
  EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
  return nlohmann::json::parse(ReadAll(dir / "gate.json"));
}

const nlohmann::json* FindGate(const nlohmann::json& report, const std::string& name_part) {
  for (const auto& g : report["gates"]) {
    if (g["name"].get<std::string>().find(name_part) != std::string::npos) return &g;
  }
  return nullptr;
}

// Gates on a multi-label model: set metrics and per-label thresholds read off its report,
// single-label-only metrics fail as unjudgeable, and the regression gate compares with
// the baseline message by message.
TEST(MultiLabelCliTest, GatesJudgeMultiLabelModels) {
  TempDir dir;
  const auto spec = WriteSpec(dir,
                              "gates:\n  metrics: [\"micro_f1 >= 0.8\", \"exact_match >= 0.5\", "
                              "\"recall[refunds] >= 0.7\", \"hamming_loss <= 0.2\"]\n"
                              "  regression:\n    metrics: [accuracy, micro_f1, samples_f1]\n");
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "good").string(), "--no-registry"}).exit_code, 0);
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "weak").string(), "--no-registry", "--epochs",
                    "1", "--lr", "0.01", "--patience", "0"})
                .exit_code,
            0);
  const std::string good = (dir / "good/model.bin").string(), weak = (dir / "weak/model.bin").string();
  const std::string registry = (dir / "registry.db").string();
  const nlohmann::json pass = GateJson(dir, {"gate", "--task", spec.string(), "--candidate", good, "--registry", registry}, 0);
  EXPECT_EQ(pass["verdict"], "PASS") << pass.dump(2);
  EXPECT_EQ(pass["eval"]["task_kind"], "multi_label");
  ASSERT_NE(FindGate(pass, "micro_f1 >= 0.8"), nullptr);
  EXPECT_GT((*FindGate(pass, "micro_f1 >= 0.8"))["value"].get<double>(), 0.8);

  // The weak model against the good one: the regression gate blocks it.
  const nlohmann::json fail =
      GateJson(dir, {"gate", "--task", spec.string(), "--candidate", weak, "--baseline", good, "--registry", registry}, 1);
  const nlohmann::json* micro = FindGate(fail, "micro_f1 no worse than baseline");
  ASSERT_NE(micro, nullptr) << fail.dump(2);
  EXPECT_EQ((*micro)["status"], "FAIL") << micro->dump();
  EXPECT_LT((*micro)["data"]["p_value"].get<double>(), 0.05);
  ASSERT_NE(FindGate(fail, "recall of each label"), nullptr);
  // And the good one against the weak one passes it.
  const nlohmann::json better =
      GateJson(dir, {"gate", "--task", spec.string(), "--candidate", good, "--baseline", weak, "--registry", registry}, 0);
  EXPECT_EQ((*FindGate(better, "micro_f1 no worse than baseline"))["status"], "PASS");

  // release: gates pass, the model becomes production.
  const auto release = RunCli({"release", "--task", spec.string(), "--candidate", good, "--registry", registry});
  EXPECT_EQ(release.exit_code, 0) << release.out << release.err;
  const auto listed = RunCli({"models", "list", "--task", spec.string(), "--registry", registry});
  EXPECT_THAT(listed.out, HasSubstr("production"));
  // A single-label-only metric cannot be judged on a multi-label model: a failed gate.
  // (WriteSpec rewrites task.yaml, so this comes after the release.)
  const auto ece_spec = WriteSpec(dir, "gates:\n  metrics: [\"ece <= 0.1\"]\n");
  const nlohmann::json ece = GateJson(dir, {"gate", "--task", ece_spec.string(), "--candidate", good, "--registry", registry}, 1);
  ASSERT_NE(FindGate(ece, "ece"), nullptr);
  EXPECT_THAT((*FindGate(ece, "ece"))["detail"].get<std::string>(), HasSubstr("single-label models"));
}

// The behavioural gate on a multi-label model: expectations on its chosen label set, with
// invariance comparing sets and failures shown as sets.
TEST(MultiLabelCliTest, BehaviouralTestsJudgeLabelSets) {
  TempDir dir;
  dir.Write("behaviour.yaml",
            "cases:\n"
            "  - type: mft\n    text: these are too small and i want a refund\n"
            "    expect_all: [sizing, refunds]\n    expect_none: [shipping]\n"
            "  - type: mft\n    text: where is my package\n    expect_any: [shipping, returns]\n"
            "  - type: mft\n    text: hello there\n    expect_none: [sizing, returns, refunds, shipping]\n"
            "  - type: mft\n    name: wrong on purpose\n    text: where is my package\n"
            "    expect_all: [refunds]\n"
            "  - type: inv\n    text: can i send them back and refund my card\n"
            "    perturbations: [case, polite]\n    expect_all: [returns, refunds]\n"
            "  - type: dir\n    text: these are too small\n    append: \" and when will it arrive\"\n"
            "    expect_all: [sizing, shipping]\n"
            "  - type: dir\n    text: these are too small\n    append: \" and i want a refund\"\n"
            "    label: refunds\n    expect: up\n");
  const auto spec = WriteSpec(dir,
                              "gates:\n  behaviour:\n    file: behaviour.yaml\n"
                              "    min_pass_rate: {mft: 0.7, inv: 1.0, dir: 1.0}\n");
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "run").string(), "--no-registry"}).exit_code, 0);
  const nlohmann::json report = GateJson(dir, {"gate", "--task", spec.string(), "--candidate",
                                               (dir / "run/model.bin").string(), "--registry",
                                               (dir / "r.db").string()},
                                         0);
  const nlohmann::json* mft = FindGate(report, "minimum functionality");
  ASSERT_NE(mft, nullptr) << report.dump(2);
  EXPECT_EQ((*mft)["status"], "PASS");
  EXPECT_EQ((*mft)["data"]["cases"], 4);
  EXPECT_EQ((*mft)["data"]["passed"], 3);
  const nlohmann::json& failure = (*mft)["data"]["failures"][0];
  EXPECT_EQ(failure["name"], "wrong on purpose");
  EXPECT_EQ(failure["expected"], "all of {refunds} (missing refunds)");
  EXPECT_EQ(failure["got"], "{shipping}");
  const nlohmann::json* inv = FindGate(report, "invariance");
  ASSERT_NE(inv, nullptr);
  EXPECT_EQ((*inv)["status"], "PASS") << inv->dump(2);
  const nlohmann::json* dir_gate = FindGate(report, "directional");
  ASSERT_NE(dir_gate, nullptr);
  EXPECT_EQ((*dir_gate)["status"], "PASS") << dir_gate->dump(2);
  EXPECT_EQ((*dir_gate)["data"]["cases"], 2);

  // A suite a multi-label model cannot run: an unknown label is an input error naming it.
  dir.Write("behaviour.yaml", "cases:\n  - type: mft\n    text: hi\n    expect_any: [refund]\n");
  const auto bad = RunCli({"gate", "--task", spec.string(), "--candidate", (dir / "run/model.bin").string(),
                           "--registry", (dir / "r.db").string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_THAT(bad.err, HasSubstr("behaviour.yaml:4: field expect_any: the model has no label \"refund\""));
}

// Segments of a multi-label model: exact-set accuracy with a Wilson interval per segment
// and the permutation gap test, which the segment gates read.
TEST(MultiLabelCliTest, SegmentGatesJudgeExactSetAccuracyAndTheGap) {
  TempDir dir;
  auto with_channel = [](const std::string& csv) {
    std::string out;
    size_t pos = 0, row = 0;
    while (pos < csv.size()) {
      const size_t end = csv.find('\n', pos);
      out += csv.substr(pos, end - pos) + (row == 0 ? ",channel" : row % 2 ? ",chat" : ",email") + "\n";
      ++row;
      pos = end + 1;
    }
    return out;
  };
  dir.Write("train.csv", with_channel(MultiLabelCsv(400, 1)));
  dir.Write("test.csv", with_channel(MultiLabelCsv(200, 2)));
  const auto spec = dir.Write("task.yaml",
                              "name: shoes_multi\n"
                              "data:\n  train: train.csv\n  test: test.csv\n  text_column: text\n"
                              "  label_column: intents\n  segment_columns: [channel]\n"
                              "task:\n  multi_label: true\nthreads: 1\n"
                              "gates:\n  segments:\n    min_accuracy: 0.5\n    max_gap: 0.5\n");
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "run").string(), "--no-registry"}).exit_code, 0);
  const nlohmann::json report = GateJson(dir, {"gate", "--task", spec.string(), "--candidate",
                                               (dir / "run/model.bin").string(), "--registry",
                                               (dir / "r.db").string()},
                                         0);
  const nlohmann::json* gap = FindGate(report, "gap between channel segments");
  ASSERT_NE(gap, nullptr) << report.dump(2);
  EXPECT_EQ((*gap)["status"], "PASS") << gap->dump();
  EXPECT_TRUE((*gap)["data"].contains("p_value"));
  EXPECT_EQ((*gap)["data"]["segments_compared"], 2);
  const nlohmann::json* chat = FindGate(report, "accuracy of channel=chat");
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ((*chat)["status"], "PASS");
  EXPECT_THAT((*chat)["detail"].get<std::string>(), HasSubstr("95% interval"));
}

TEST(MultiLabelCliTest, MultiLabelMetricsCannotJudgeASingleLabelModel) {
  TempDir dir;
  dir.Write("train.csv", testing::SyntheticIntentCsv(300, 1));
  dir.Write("test.csv", testing::SyntheticIntentCsv(100, 2));
  const auto spec = dir.Write("task.yaml",
                              "name: single\ndata:\n  train: train.csv\n  test: test.csv\n  text_column: text\n"
                              "  label_column: intent\nthreads: 1\ntraining:\n  epochs: 3\n"
                              "gates:\n  metrics: [\"micro_f1 >= 0.5\", \"accuracy >= 0.5\"]\n");
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "run").string(), "--no-registry"}).exit_code, 0);
  const nlohmann::json report = GateJson(dir, {"gate", "--task", spec.string(), "--candidate",
                                               (dir / "run/model.bin").string(), "--registry",
                                               (dir / "r.db").string()},
                                         1);
  ASSERT_NE(FindGate(report, "micro_f1"), nullptr);
  EXPECT_EQ((*FindGate(report, "micro_f1"))["status"], "FAIL");
  EXPECT_THAT((*FindGate(report, "micro_f1"))["detail"].get<std::string>(), HasSubstr("multi-label models only"));
  EXPECT_EQ((*FindGate(report, "accuracy >= 0.5"))["status"], "PASS");
}

TEST(MultiLabelCliTest, OneThreadIsDeterministicAndResumeIsBitIdentical) {
  TempDir dir;
  const auto spec = WriteSpec(dir, "training:\n  epochs: 6\ncheckpoints:\n  patience: 0\n");
  const std::vector<std::string> args = {"train", "--task", spec.string(), "--no-registry"};
  auto [full, killed] = testing::TrainFullAndKilled(args, dir.path(), 3);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  const auto resumed = RunCli({"train", "--resume", (dir / "killed").string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(ReadAll(dir / "killed/model.bin"), ReadAll(dir / "full/model.bin"));
  auto again = args;
  again.insert(again.end(), {"--out", (dir / "again").string()});
  ASSERT_EQ(RunCli(again).exit_code, 0);
  EXPECT_EQ(ReadAll(dir / "again/model.bin"), ReadAll(dir / "full/model.bin"));
  // Small multi-label data trains on one thread whatever --threads says (Hogwild there is
  // noise, not speed: SgdEngine::Run), so two threads give the same bytes.
  auto two = args;
  two.insert(two.end(), {"--out", (dir / "two").string(), "--threads", "2"});
  ASSERT_EQ(RunCli(two).exit_code, 0);
  EXPECT_EQ(ReadAll(dir / "two/model.bin"), ReadAll(dir / "full/model.bin"));
}

// Streamed training reads label sets from the row cache: the same task streamed trains a
// model as good as in memory (thresholds fitted on validation alone, said in run.json), the
// same bytes twice with one thread, and a killed streamed run resumes to it.
TEST(MultiLabelCliTest, StreamedTrainingTakesLabelSets) {
  TempDir dir;
  const auto spec = WriteSpec(dir);
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "memory").string(), "--no-registry"}).exit_code, 0);
  const auto streamed = RunCli({"train", "--task", spec.string(), "--out", (dir / "streamed").string(), "--no-registry",
                                "--streaming", "on"});
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  const nlohmann::json run = nlohmann::json::parse(ReadAll(dir / "streamed/run.json"));
  EXPECT_FALSE(run["streaming"].is_null());
  EXPECT_EQ(run["multi_label"]["fit_rows"]["out_of_fold_training_rows"], 0);
  EXPECT_THAT(run["multi_label"]["fit_rows"]["why_validation_only"].get<std::string>(), HasSubstr("streamed"));
  EXPECT_EQ(FormatVersion(dir / "streamed/model.bin"), 2u);
  double micro[2];
  int i = 0;
  for (const char* name : {"memory", "streamed"}) {
    const auto eval = RunCli({"eval", "--model", (dir / name / "model.bin").string(), "--data",
                              (dir / "test.csv").string(), "--json", (dir / name / "eval.json").string()});
    ASSERT_EQ(eval.exit_code, 0) << eval.err;
    micro[i++] = nlohmann::json::parse(ReadAll(dir / name / "eval.json"))["micro_f1"].get<double>();
  }
  EXPECT_GT(micro[1], 0.9);
  EXPECT_GT(micro[1], micro[0] - 0.03);
  ASSERT_EQ(RunCli({"train", "--task", spec.string(), "--out", (dir / "again").string(), "--no-registry",
                    "--streaming", "on"})
                .exit_code,
            0);
  EXPECT_EQ(ReadAll(dir / "streamed/model.bin"), ReadAll(dir / "again/model.bin"));

  TempDir resume_dir;
  const auto resume_spec =
      WriteSpec(resume_dir, "training:\n  epochs: 6\n  streaming: \"on\"\ncheckpoints:\n  patience: 0\n");
  auto [full, killed] =
      testing::TrainFullAndKilled({"train", "--task", resume_spec.string(), "--no-registry"}, resume_dir.path(), 3);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  const auto resumed = RunCli({"train", "--resume", (resume_dir / "killed").string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(ReadAll(resume_dir / "killed/model.bin"), ReadAll(resume_dir / "full/model.bin"));
}

TEST(MultiLabelCliTest, SingleLabelModelsKeepFormatVersionOne) {
  TempDir dir;
  dir.Write("train.csv", testing::SyntheticIntentCsv(300, 1));
  const auto spec = dir.Write("task.yaml",
                              "name: single\ndata:\n  train: train.csv\n  text_column: text\n  label_column: intent\n"
                              "threads: 1\ntraining:\n  epochs: 3\n");
  const auto train = RunCli({"train", "--task", spec.string(), "--out", (dir / "run").string(), "--no-registry"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_EQ(FormatVersion(dir / "run/model.bin"), 1u);
  const nlohmann::json run = nlohmann::json::parse(ReadAll(dir / "run/run.json"));
  EXPECT_FALSE(run.contains("multi_label"));
  EXPECT_EQ(run["spec"].get<std::string>().find("multi_label"), std::string::npos);
}

TEST(MultiLabelCliTest, SpecErrorsNameTheKeyAndTheFix) {
  TempDir dir;
  const auto oos = WriteSpec(dir, "oos_label: none\n");
  const auto r1 = RunCli({"train", "--task", oos.string(), "--out", (dir / "r1").string(), "--no-registry"});
  EXPECT_EQ(r1.exit_code, 2);
  EXPECT_THAT(r1.err, HasSubstr("oos_label"));
  EXPECT_THAT(r1.err, HasSubstr("empty set"));
  const auto sep = WriteSpec(dir, "");
  const auto r3 = RunCli({"train", "--task", sep.string(), "--label-separator", "", "--out", (dir / "r3").string(),
                          "--no-registry"});
  EXPECT_EQ(r3.exit_code, 2);
  EXPECT_THAT(r3.err, HasSubstr("label_separator"));
}

}  // namespace
}  // namespace trainops
