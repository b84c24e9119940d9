// The public API as an outside program uses it: Classifier::Load and its errors,
// Classify from many threads, empty texts, and the one inference path (predict, eval and
// the library give every row the same label and confidence).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <trainops/trainops.h>

#include "data/table_reader.h"
#include "eval/evaluator.h"
#include "model/model_io.h"
#include "registry/registry.h"
#include "test_support.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

// A small model of the synthetic intent data, trained through the public Train.
std::string TrainSmall(const TempDir& dir, const std::string& oos_label = "") {
  TrainOptions o;
  o.data = dir.Write("train.csv", SyntheticIntentCsv(600, 7)).string();
  o.text_column = "text";
  o.label_column = "intent";
  o.oos_label = oos_label;
  o.parameters = {{"training.epochs", "4"}, {"--threads", "1"}};
  o.out = (dir / "run").string();
  o.record_in_registry = false;
  return Train(o).model_path;
}

std::vector<std::string> TextsOf(const std::filesystem::path& csv, const std::string& column) {
  std::vector<std::string> texts;
  auto reader = OpenTable(csv, FileFormat::kCsv);
  const size_t col = reader->ColumnIndex(column).value();
  RawRecord record;
  while (reader->Next(record)) texts.push_back(record.values.at(col));
  return texts;
}

TEST(ClassifierTest, LoadRefusesMissingTruncatedCorruptedAndForeignFiles) {
  TempDir dir;
  const std::string good = TrainSmall(dir);
  const std::string bytes = ReadAll(good);
  auto expect_error = [](const std::string& path, bool corrupt, const std::string& why) {
    try {
      Classifier::Load(path);
      ADD_FAILURE() << why << ": loaded";
    } catch (const CorruptFileError& e) {
      EXPECT_TRUE(corrupt) << why << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    } catch (const InputError& e) {
      EXPECT_FALSE(corrupt) << why << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect_error((dir / "nope.bin").string(), false, "missing");
  expect_error(dir.Write("truncated.bin", bytes.substr(0, bytes.size() / 2)).string(), true, "truncated");
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x5a;
  expect_error(dir.Write("flipped.bin", flipped).string(), true, "corrupted");
  expect_error(dir.Write("foreign.bin", "text,intent\nhello,greet\n").string(), true, "foreign");
  expect_error(dir.Write("empty.bin", "").string(), true, "empty");
}

TEST(ClassifierTest, KnowsItsIdTaskLabelsAndInfo) {
  TempDir dir;
  const std::string path = TrainSmall(dir);
  auto clf = Classifier::Load(path);
  EXPECT_EQ(clf->Id(), ModelContentHash(path));
  EXPECT_EQ(clf->Task(), "train");  // trained from flags: named after the data file
  EXPECT_EQ(clf->Labels().size(), 4u);
  EXPECT_EQ(clf->Info()["labels"].size(), 4u);
  EXPECT_EQ(clf->Path(), path);
  EXPECT_EQ(clf->OosLabel(), "");
  // Statistics of the validation rows the model was selected on (a seeded 10% split).
  const auto& stats = clf->ReferenceStats();
  ASSERT_TRUE(stats.is_object());
  const uint64_t rows = stats["rows"].get<uint64_t>();
  EXPECT_GT(rows, 50u);
  EXPECT_LT(rows, 70u);
  ASSERT_EQ(stats["label_counts"].size(), 4u);
  uint64_t counted = 0;
  for (const auto& c : stats["label_counts"]) counted += c.get<uint64_t>();
  EXPECT_EQ(counted, rows);
}

TEST(ClassifierTest, AlternativesAreTheTopKBestFirst) {
  TempDir dir;
  auto clf = Classifier::Load(TrainSmall(dir));
  const Prediction p = clf->Classify("where is my parcel, it has not arrived", {.top_k = 3, .threshold = -1});
  ASSERT_EQ(p.alternatives.size(), 3u);
  EXPECT_EQ(p.alternatives[0].label, p.label);
  EXPECT_FLOAT_EQ(p.alternatives[0].confidence, p.confidence);
  EXPECT_GE(p.alternatives[0].confidence, p.alternatives[1].confidence);
  EXPECT_GE(p.alternatives[1].confidence, p.alternatives[2].confidence);
  EXPECT_LE(p.alternatives[0].confidence + p.alternatives[1].confidence + p.alternatives[2].confidence, 1.0001f);
  EXPECT_EQ(clf->Classify("x", {.top_k = 100, .threshold = -1}).alternatives.size(), 4u);  // capped at the labels
}

TEST(ClassifierTest, AnEmptyTextIsRejectedNotGivenAConfidentLabel) {
  TempDir dir;
  auto plain = Classifier::Load(TrainSmall(dir));
  for (const char* text : {"", "   ", "\t"}) {
    const Prediction p = plain->Classify(text);
    EXPECT_TRUE(p.rejected) << "[" << text << "]";
    EXPECT_TRUE(p.empty);
    EXPECT_EQ(p.label, "");  // no out-of-scope label to answer with
    EXPECT_EQ(p.confidence, 0.0f);
  }
  TempDir dir2;
  auto with_oos = Classifier::Load(TrainSmall(dir2, "oos"));
  const Prediction p = with_oos->Classify("");
  EXPECT_TRUE(p.rejected);
  EXPECT_EQ(p.label, "oos");
  EXPECT_FALSE(with_oos->Classify("refund my order please").empty);
}

TEST(ClassifierTest, ManyThreadsSharingOneClassifierGetTheSingleThreadAnswers) {
  TempDir dir;
  auto clf = Classifier::Load(TrainSmall(dir, "oos"));
  const auto texts = TextsOf(dir.Write("test.csv", SyntheticIntentCsv(400, 99)), "text");
  std::vector<Prediction> expected;
  for (const auto& t : texts) expected.push_back(clf->Classify(t));
  constexpr int kThreads = 8;
  std::vector<std::vector<Prediction>> got(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      // Each thread walks the texts from another starting point, so they interleave.
      for (size_t k = 0; k < texts.size(); ++k) {
        const size_t i = (k + static_cast<size_t>(t) * 37) % texts.size();
        got[static_cast<size_t>(t)].push_back(clf->Classify(texts[i]));
      }
    });
  }
  for (auto& w : workers) w.join();
  for (int t = 0; t < kThreads; ++t) {
    for (size_t k = 0; k < texts.size(); ++k) {
      const size_t i = (k + static_cast<size_t>(t) * 37) % texts.size();
      const Prediction& p = got[static_cast<size_t>(t)][k];
      ASSERT_EQ(p.label, expected[i].label) << "thread " << t << " text " << i;
      ASSERT_EQ(p.confidence, expected[i].confidence);
      ASSERT_EQ(p.reject_score, expected[i].reject_score);
    }
  }
  const auto batch = clf->ClassifyBatch(texts, {}, 4);
  for (size_t i = 0; i < texts.size(); ++i) ASSERT_EQ(batch[i].label, expected[i].label);
}

// predict (the CLI, a separate process), eval (the evaluator's per-row predictions) and the
// library must give every row the same label and confidence.
size_t ExpectOnePath(const std::string& model_path, const std::filesystem::path& data, const std::string& text_column,
                   const std::string& label_column, const TempDir& dir) {
  const auto out = dir / "predictions.csv";
  const auto r = RunCli({"predict", "--model", model_path, "--data", data.string(), "--text-column", text_column,
                         "--output", out.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto predicted = TextsOf(out, "label");
  const auto confidences = TextsOf(out, "confidence");
  const auto texts = TextsOf(data, text_column);
  EXPECT_EQ(predicted.size(), texts.size());
  if (predicted.size() != texts.size()) return 0;

  const Model model = LoadModel(model_path);
  EvalInput input;
  input.data = data;
  input.text_column = text_column;
  input.label_column = label_column;
  const EvalResult eval = Evaluate(model, input);
  EXPECT_EQ(eval.rows.size(), texts.size());
  if (eval.rows.size() != texts.size()) return 0;

  auto clf = Classifier::Load(model_path);
  size_t rejected = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const Prediction p = clf->Classify(texts[i]);
    rejected += p.rejected;
    const bool same = p.label == predicted[i] && fmt::format("{:.6f}", p.confidence) == confidences[i] &&
                      p.label == eval.labels[eval.rows[i].predicted] && p.confidence == eval.rows[i].confidence &&
                      p.reject_score == eval.rows[i].reject_score && p.rejected == eval.rows[i].rejected;
    if (!same) {
      ADD_FAILURE() << "row " << i << " (" << texts[i] << "): library " << p.label << " " << p.confidence
                    << ", predict " << predicted[i] << " " << confidences[i] << ", eval "
                    << eval.labels[eval.rows[i].predicted] << " " << eval.rows[i].confidence;
      return rejected;
    }
  }
  return rejected;
}

TEST(OneInferencePathTest, PredictEvalAndTheLibraryAgreeOnEveryRow) {
  TempDir dir;
  const std::string model = TrainSmall(dir, "oos");
  // Rows of the same intents, plus texts of words training never saw, labelled oos: some
  // rows are rejected, so rejection is compared too.
  std::string csv = SyntheticIntentCsv(300, 11);
  for (int i = 0; i < 40; ++i) csv += fmt::format("qqzx{} vvwk{} jjyp zorblat,oos,chat,2025-01-01T00:00:00Z\n", i, i * 7);
  EXPECT_GT(ExpectOnePath(model, dir.Write("test.csv", csv), "text", "intent", dir), 0u);
}

TEST(OneInferencePathTest, PredictEvalAndTheLibraryAgreeOnBitext) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  TempDir dir;
  TrainOptions o;
  o.data = (shared / "bitext/train.csv").string();
  o.text_column = "instruction";
  o.label_column = "intent";
  // One training thread: the test is about inference, and Hogwild training's intended
  // races would make it crawl under ThreadSanitizer.
  o.parameters = {{"training.epochs", "3"}, {"threads", "1"}};
  o.out = (dir / "run").string();
  o.record_in_registry = false;
  o.allow_data_errors = true;  // the public file has a few duplicates; this test is about inference
  const TrainResult trained = Train(o);
  ExpectOnePath(trained.model_path, shared / "bitext/train.csv", "instruction", "intent", dir);
}

}  // namespace
}  // namespace trainops
