// Streamed training (train/streamed_data.h, train/streamed_rows.h, docs/scale.md): the row
// cache round trip, windows that cover every row once per epoch in a seeded order, a run
// over many windows that learns as well as the in-memory one, exact resume mid-window, and
// the choice between streaming and memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/model_io.h"
#include "model/reference_stats.h"
#include "test_support.h"
#include "text/features.h"
#include "train/full_and_killed_runs.h"
#include "train/row_cache.h"
#include "train/streamed_rows.h"
#include "train/train_run.h"

namespace trainops {
namespace {

using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;
using testing::TrainFullAndKilled;

// Most rows unweighted (the one-bit case), some weighted, zero among them.
float RowWeight(uint32_t r) { return r % 3 ? 1.0f : static_cast<float>(r % 7) * 0.5f; }

TEST(RowCacheTest, RoundTripsIdsCountsLabelsAndWeightsAcrossBlocks) {
  TempDir dir;
  RowCacheWriter writer(dir / "rows");
  std::vector<std::vector<uint32_t>> rows;
  for (uint32_t r = 0; r < 2 * RowCacheWriter::kBlockRows + 7; ++r) {
    std::vector<uint32_t> ids;
    for (uint32_t k = 0; k < r % 13; ++k) ids.push_back((r * 7919u + k * 104729u) % 5000000u);
    ids.push_back(ids.empty() ? 0 : ids.front());  // a repeated id: a count of 2
    std::sort(ids.begin(), ids.end());
    writer.Add(r % 5, ids, RowWeight(r));
    rows.push_back(ids);
  }
  RowCacheIndex index = writer.Finish();
  ASSERT_EQ(index.rows, rows.size());
  ASSERT_EQ(index.block_rows.size(), 3u);
  EXPECT_EQ(index.block_rows.back(), 7u);
  EXPECT_EQ(index.bytes, std::filesystem::file_size(dir / "rows"));
  RowCacheReader reader(index);
  size_t r = 0;
  for (size_t b = 0; b < reader.blocks(); ++b) {
    reader.DecodeBlock(b, reader.ReadBlock(b), [&](uint32_t label, float weight, const uint32_t* ids, const uint32_t* counts, size_t n) {
      EXPECT_EQ(label, r % 5);
      EXPECT_EQ(weight, RowWeight(r));
      std::vector<uint32_t> expanded;
      for (size_t i = 0; i < n; ++i) expanded.insert(expanded.end(), counts[i], ids[i]);
      EXPECT_EQ(expanded, rows[r]) << "row " << r;
      ++r;
    });
  }
  EXPECT_EQ(r, rows.size());
}

TEST(RowCacheTest, ADamagedCacheIsACorruptFileErrorNotACrash) {
  TempDir dir;
  RowCacheWriter writer(dir / "rows");
  for (uint32_t r = 0; r < 100; ++r) writer.Add(0, {r, r + 1, r + 2});
  RowCacheIndex index = writer.Finish();
  std::filesystem::resize_file(dir / "rows", index.bytes - 10);
  RowCacheReader reader(index);
  EXPECT_THROW(reader.ReadBlock(0), CorruptFileError);
  // Bytes that are not varints of the promised rows.
  std::string payload(40, '\xff');
  EXPECT_THROW(reader.DecodeBlock(0, payload, [](uint32_t, float, const uint32_t*, const uint32_t*, size_t) {}),
               CorruptFileError);
}

// A model whose vocabulary knows every id the rows below use.
Model VocabularyModel(uint32_t ids) {
  Model model;
  std::vector<uint32_t> vocab(ids);
  for (uint32_t i = 0; i < ids; ++i) vocab[i] = i;
  model.vocab.Assign(vocab);
  model.idf.assign(ids, 1.0f);
  model.info.labels = {"a", "b"};
  return model;
}

TEST(StreamingTest, TheExtractorsWordHashesAreTheReferenceFiltersWords) {
  // The first pass takes the words for drift monitoring from the feature extractor's one
  // tokenization; they must be exactly what the word filter would take from the text.
  const FeatureExtractor extractor{FeatureConfig{}};
  for (const char* text : {"Where is my ORDER #12345?", "  Größe 42, bitte!! ", "返品したい 靴",
                           "emoji 👟👟 and CAFÉ", "", "---"}) {
    std::vector<uint32_t> ids;
    std::vector<uint64_t> from_extractor, from_filter;
    extractor.Extract(text, ids, &from_extractor);
    AppendWordHashes(text, from_filter);
    EXPECT_EQ(from_extractor, from_filter) << text;
    std::vector<uint32_t> plain;
    extractor.Extract(text, plain);
    EXPECT_EQ(ids, plain) << "asking for words changes no feature";
  }
}

TEST(StreamedRowsTest, EveryEpochVisitsEveryRowOnceInASeededOrder) {
  TempDir dir;
  RowCacheWriter writer(dir / "rows");
  const uint32_t n = 5 * RowCacheWriter::kBlockRows + 300;
  // Row r's only feature is id r: the decoded row tells which cache row it was.
  for (uint32_t r = 0; r < n; ++r) writer.Add(r % 2, {r});
  RowCacheIndex index = writer.Finish();
  Model model = VocabularyModel(n);
  auto visit = [&](uint64_t seed, uint32_t epoch, size_t window_blocks) {
    StreamedRows rows(index, model, {0, 1}, 0, seed, 0, window_blocks, 2);
    std::vector<uint32_t> seen;
    for (uint64_t p = 0; p < n;) {
      RowWindow w = rows.WindowAt(epoch, p);
      EXPECT_EQ(w.begin, p);
      for (; p < w.end; ++p) {
        const uint32_t i = (*w.order)[p - w.begin];
        const uint32_t id = w.data->rows[w.data->offsets[i]];
        EXPECT_EQ(w.data->labels[i], id % 2);
        seen.push_back(id);
      }
    }
    return seen;
  };
  const std::vector<uint32_t> first = visit(7, 0, 2);
  std::vector<uint32_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t r = 0; r < n; ++r) ASSERT_EQ(sorted[r], r);
  EXPECT_EQ(visit(7, 0, 2), first) << "the same seed and epoch give the same order";
  EXPECT_NE(visit(7, 1, 2), first) << "each epoch has its own order";
  EXPECT_NE(visit(8, 0, 2), first) << "the seed changes the order";
  // Rows of one window come from several places of the file, not one stretch.
  std::set<uint32_t> blocks_of_first_window;
  for (size_t i = 0; i < 2 * RowCacheWriter::kBlockRows && i < first.size(); ++i) {
    blocks_of_first_window.insert(first[i] / RowCacheWriter::kBlockRows);
  }
  EXPECT_EQ(blocks_of_first_window.size(), 2u);
}

TEST(StreamedRowsTest, RandomAccessGivesTheSameRowsAsAWalk) {
  // Resume asks for an arbitrary epoch position first: the window and offset it lands on
  // must be what a walk from the start reaches.
  TempDir dir;
  RowCacheWriter writer(dir / "rows");
  const uint32_t n = 3 * RowCacheWriter::kBlockRows + 11;
  for (uint32_t r = 0; r < n; ++r) writer.Add(0, {r});
  RowCacheIndex index = writer.Finish();
  Model model = VocabularyModel(n);
  StreamedRows walk(index, model, {0}, 0, 3, 0, 1, 1);
  std::vector<uint32_t> walked;
  for (uint64_t p = 0; p < n; ++p) {
    RowWindow w = walk.WindowAt(2, p);
    walked.push_back(w.data->rows[w.data->offsets[(*w.order)[p - w.begin]]]);
  }
  for (uint64_t p : {uint64_t{0}, uint64_t{1500}, uint64_t{n - 1}, uint64_t{1024}}) {
    StreamedRows jump(index, model, {0}, 0, 3, 0, 1, 1);
    RowWindow w = jump.WindowAt(2, p);
    EXPECT_EQ(w.data->rows[w.data->offsets[(*w.order)[p - w.begin]]], walked[p]) << "position " << p;
  }
}

TaskSpec StreamingSpec(const TempDir& dir, int epochs) {
  TaskSpec spec;
  spec.data.train = dir.Write("train.csv", SyntheticIntentCsv(6000, 1));
  spec.data.validation = dir.Write("valid.csv", SyntheticIntentCsv(300, 2));
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.training.epochs = epochs;
  spec.checkpoints.patience = 0;
  spec.threads = 1;
  // A cap of its own: the tests below shrink training.memory_mb to get one-block windows,
  // which would otherwise also cap the features (train/memory_plan.h).
  spec.model.max_features = 1000000;
  return spec;
}

nlohmann::json RunJson(const std::filesystem::path& dir) { return nlohmann::json::parse(ReadAll(dir / "run.json")); }

TEST(StreamingTest, AStreamedRunOverManyWindowsLearnsAsTheInMemoryOneDoes) {
  TempDir dir;
  TaskSpec spec = StreamingSpec(dir, 4);
  spec.model.ensemble = "embedding";  // asked for: trained in memory, not when streamed
  spec.model.features.block_norm = true;  // the same: per block in memory, one norm streamed
  RunTraining(spec, dir / "memory", {});
  spec.training.streaming = "on";
  spec.training.memory_mb = 1;  // windows of one block: six windows an epoch
  RunTraining(spec, dir / "streamed", {});
  const nlohmann::json memory = RunJson(dir / "memory"), streamed = RunJson(dir / "streamed");
  EXPECT_TRUE(memory["streaming"].is_null());
  ASSERT_TRUE(streamed["streaming"].is_object());
  // Only a run that holds its rows trains the embedding companion; a streamed one says why not.
  EXPECT_EQ(memory["ensemble"]["companion"], "embedding");
  EXPECT_EQ(streamed["ensemble"]["companion"], "none");
  // The row cache keeps distinct ids, not which were word n-grams: a streamed run says it
  // normalized with one norm over all, and its model scores that way.
  EXPECT_EQ(memory["hyperparameters"]["feature_norm"], "blocks");
  EXPECT_EQ(streamed["hyperparameters"]["feature_norm"], "joint");
  EXPECT_TRUE(LoadModel(dir / "memory/model.bin").info.features.block_norm);
  EXPECT_FALSE(LoadModel(dir / "streamed/model.bin").info.features.block_norm);
  EXPECT_NE(streamed["ensemble"]["why"].get<std::string>().find("streamed"), std::string::npos);
  EXPECT_EQ(streamed["streaming"]["window_blocks"], 1);
  EXPECT_EQ(streamed["streaming"]["cache_blocks"], 6);
  EXPECT_EQ(streamed["train_examples"], 6000);
  EXPECT_EQ(streamed["features"], memory["features"]) << "the same vocabulary from counts made in one pass";
  EXPECT_EQ(streamed["data"]["train"]["fingerprint"], memory["data"]["train"]["fingerprint"]);
  EXPECT_NEAR(streamed["validation_metric"].get<double>(), memory["validation_metric"].get<double>(), 0.03);
  EXPECT_FALSE(std::filesystem::exists(dir / "streamed/cache")) << "the row cache is removed at the end";
  // The model answers like any other: reference statistics included.
  Model model = LoadModel(dir / "streamed/model.bin");
  ASSERT_TRUE(model.reference_stats.has_value());
  EXPECT_GT(model.reference_stats->train_words.distinct_words, 10u);
}

TEST(StreamingTest, OneThreadIsDeterministic) {
  TempDir dir;
  TaskSpec spec = StreamingSpec(dir, 2);
  spec.training.streaming = "on";
  spec.training.memory_mb = 1;
  RunTraining(spec, dir / "a", {});
  RunTraining(spec, dir / "b", {});
  EXPECT_EQ(ReadAll(dir / "a/model.bin"), ReadAll(dir / "b/model.bin"));
}

TEST(StreamingTest, AutoStreamsOnlyBeyondTheMemoryBudget) {
  TempDir dir;
  TaskSpec spec = StreamingSpec(dir, 1);
  spec.training.memory_mb = 4096;
  RunTraining(spec, dir / "small", {});
  EXPECT_TRUE(RunJson(dir / "small")["streaming"].is_null());
  spec.training.memory_mb = 1;  // the 6000-row file (~300 KB) needs more than 1 MiB in memory
  std::vector<std::string> messages;
  TrainCallbacks callbacks;
  callbacks.info = [&](const std::string& m) { messages.push_back(m); };
  RunTraining(spec, dir / "large", callbacks);
  EXPECT_TRUE(RunJson(dir / "large")["streaming"].is_object());
  bool said = false;
  for (const auto& m : messages) said |= m.find("streaming the training file") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(StreamingTest, CarvesValidationFromTrainWhenThereIsNoValidationFile) {
  TempDir dir;
  TaskSpec spec = StreamingSpec(dir, 1);
  spec.data.validation.clear();
  spec.training.streaming = "on";
  RunTraining(spec, dir / "run", {});
  const nlohmann::json run = RunJson(dir / "run");
  const uint64_t validation = run["validation_examples"].get<uint64_t>();
  EXPECT_NEAR(static_cast<double>(validation), 600.0, 90.0);  // 10% of 6000, drawn per row
  EXPECT_EQ(run["train_examples"].get<uint64_t>() + validation, 6000u);
  EXPECT_EQ(run["data"]["validation"]["split_of"], "train");
}

TEST(StreamingTest, BadRowsAreReportedWithFileAndLine) {
  TempDir dir;
  TaskSpec spec = StreamingSpec(dir, 1);
  spec.training.streaming = "on";
  std::string csv = SyntheticIntentCsv(50, 3);
  csv += "\"unterminated,billing\n";
  spec.data.train = dir.Write("bad.csv", csv);
  try {
    RunTraining(spec, dir / "run", {});
    FAIL() << "a broken row trained";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:52"), std::string::npos) << e.what();
  }
}

TEST(StreamingTest, KilledMidWindowThenResumedMatchesUninterruptedRun) {
  TempDir dir;
  dir.Write("train.csv", SyntheticIntentCsv(6000, 1));
  dir.Write("valid.csv", SyntheticIntentCsv(300, 2));
  // Checkpoints every 1500 updates fall inside windows of 1024 rows: the checkpoint must
  // record the position in the stream, not only the epoch.
  std::vector<std::string> args = {"train", "--data", (dir / "train.csv").string(), "--validation",
                                   (dir / "valid.csv").string(), "--text-column", "text", "--label-column",
                                   "intent", "--epochs", "2", "--threads", "1", "--patience", "0",
                                   "--streaming", "on", "--memory-mb", "1", "--every-updates", "1500",
                                   "--keep-last", "10", "--quiet", "--no-registry"};
  // Dies writing its 4th checkpoint, so resumes from the 3rd: step 4500, window 5 of 6.
  auto [full, killed] = TrainFullAndKilled(args, dir.path(), 4);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  auto resumed = RunCli({"train", "--resume", (dir / "killed").string(), "--no-registry"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("(step 4500)"), std::string::npos) << resumed.err;
  EXPECT_EQ(ReadAll(dir / "killed/model.bin"), ReadAll(dir / "full/model.bin"));
  EXPECT_FALSE(std::filesystem::exists(dir / "killed/cache"));
}

TEST(StreamingTest, AutotuneIsRefusedWithTheReason) {
  TempDir dir;
  TaskSpec spec = StreamingSpec(dir, 1);
  spec.training.streaming = "on";
  spec.training.autotune_seconds = 5;
  try {
    RunTraining(spec, dir / "run", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("streams its training file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainops
