// Reference statistics (model/reference_stats.h): bins, the word filter and its stated
// false-positive rate, OOV counting, and the REFS section of the model file (bit-exact
// round trip, older files without it, damaged sections refused).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "common/binary_io.h"
#include "common/error.h"
#include "model/model_io.h"
#include "model/reference_stats.h"
#include "test_support.h"
#include "tiny_model.h"
#include "text/feature_hash.h"

namespace trainops {
namespace {

using testing::TempDir;

using testing::CorruptMessage;
using testing::TinyModel;

// Values chosen so that floats and doubles that do not print exactly in short decimal
// (0.1f, 1/3) go through the file.
ReferenceStats SampleStats() {
  ReferenceStats s = ReferenceStats::Empty({"a", "b", "c", "oos"},
                                           WordFilter::FromTexts({"where is my order", "I want a refund"}));
  s.Add("where is my parcel", {0, 0.1f, 1.0f / 3.0f, 0.7f}, 0);
  s.Add("refund please", {1, 0.999f, 0.998f, 1.0f}, 1);
  s.Add("", {3, 0.34f, 0.01f, 1.0f}, 3);
  s.Add("qqzx vvwk jjyp", {3, 0.4f, 0.2f, 0.0f}, std::nullopt);
  return s;
}


// A model file whose REFS section holds exactly `refs` (the file checksum is valid, so
// only the section's own checks can catch it).
std::string ModelFileWithRefs(const std::string& refs) {
  const Model model = TinyModel();
  ArtifactWriter writer;
  AddModelSections(model, writer, WeightStorage::kInt8PerRow);
  writer.Add("REFS", refs);
  return writer.Finish(ArtifactKind::kModel);
}

TEST(HistogramTest, EveryValueLandsInOneStatedBin) {
  Histogram unit = Histogram::Uniform(0, 1, 20);
  ASSERT_EQ(unit.edges.size(), 21u);
  EXPECT_EQ(unit.edges[1], 0.05);
  EXPECT_EQ(unit.BinOf(0.0), 0u);
  EXPECT_EQ(unit.BinOf(0.049), 0u);
  EXPECT_EQ(unit.BinOf(0.05), 1u);
  EXPECT_EQ(unit.BinOf(0.999), 19u);
  EXPECT_EQ(unit.BinOf(1.0), 19u);  // the top edge closes the last bin
  EXPECT_EQ(unit.BinOf(-1.0), 0u);
  EXPECT_EQ(unit.BinOf(std::nan("")), 0u);
  Histogram length = Histogram::PowersOfTwo(14);
  EXPECT_EQ(length.edges.front(), 0.0);
  EXPECT_EQ(length.edges.back(), 16384.0);
  EXPECT_EQ(length.BinOf(0), 0u);
  EXPECT_EQ(length.BinOf(1), 1u);
  EXPECT_EQ(length.BinOf(3), 2u);
  EXPECT_EQ(length.BinOf(4), 3u);
  EXPECT_EQ(length.BinOf(1e9), length.counts.size() - 1);
}

TEST(WordFilterTest, FindsEveryTrainingWordAndMeetsItsStatedFalsePositiveRate) {
  std::vector<std::string> texts;
  for (int i = 0; i < 5000; ++i) texts.push_back(fmt::format("word{} common", i));
  WordFilter filter = WordFilter::FromTexts(texts);
  EXPECT_EQ(filter.distinct_words, 5001u);
  EXPECT_LE(filter.FalsePositiveRate(), 0.011);
  EXPECT_GT(filter.FalsePositiveRate(), 0.001);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(filter.MayContain(text_internal::HashToken(fmt::format("word{}", i)))) << i;
  }
  int false_positives = 0;
  const int probes = 20000;
  for (int i = 0; i < probes; ++i) {
    false_positives += filter.MayContain(text_internal::HashToken(fmt::format("unseen{}", i)));
  }
  const double measured = static_cast<double>(false_positives) / probes;
  EXPECT_LT(measured, 2 * filter.FalsePositiveRate() + 0.002) << measured;
  // Same texts, same bits: the model file stays bit-identical across runs.
  EXPECT_EQ(WordFilter::FromTexts(texts), filter);
}

TEST(WordFilterTest, OovCountsNormalizedWordsNotPunctuation) {
  WordFilter filter = WordFilter::FromTexts({"Where is my ORDER"});
  OovCount known = CountOutOfVocabulary("where, is MY order?!", filter);
  EXPECT_EQ(known.tokens, 4u);
  EXPECT_EQ(known.unseen, 0u);
  OovCount half = CountOutOfVocabulary("my zzqxv", filter);
  EXPECT_EQ(half.tokens, 2u);
  EXPECT_EQ(half.unseen, 1u);
  EXPECT_DOUBLE_EQ(half.Rate(), 0.5);
  EXPECT_EQ(CountOutOfVocabulary("", filter).Rate(), 0.0);
  EXPECT_EQ(TextLengthInCodePoints("héllo"), 5u);
}

TEST(ReferenceStatsTest, AddFillsCountsAndHistograms) {
  ReferenceStats s = SampleStats();
  EXPECT_EQ(s.rows, 4u);
  EXPECT_EQ(s.label_counts, (std::vector<uint64_t>{1, 1, 0, 1}));  // one row had no gold label
  EXPECT_EQ(s.predicted_counts, (std::vector<uint64_t>{1, 1, 0, 2}));
  for (const Histogram* h : {&s.top_confidence, &s.top_two_margin, &s.feature_coverage, &s.text_length, &s.oov_rate}) {
    EXPECT_EQ(h->Total(), 4u);
  }
  EXPECT_EQ(s.top_confidence.counts[19], 1u);  // 0.999
  EXPECT_EQ(s.text_length.counts[0], 1u);      // the empty text
  // "where is my parcel": 1 of 4 unseen; "refund please": 1 of 2; gibberish: 3 of 3.
  EXPECT_EQ(s.word_tokens, 9u);
  EXPECT_EQ(s.oov_tokens, 5u);
  EXPECT_EQ(s.oov_rate.counts[19], 1u);
  EXPECT_EQ(s.oov_rate.counts[10], 1u);
  EXPECT_EQ(s.oov_rate.counts[5], 1u);
}

TEST(ReferenceStatsTest, JsonRoundTripIsExact) {
  const ReferenceStats s = SampleStats();
  EXPECT_EQ(ReferenceStats::FromJson(nlohmann::json::parse(s.ToJson().dump())), s);
  EXPECT_FALSE(s.ToJson(false)["word_filter"].contains("bits_hex"));
  const nlohmann::json summary = s.Summary();
  EXPECT_EQ(summary["rows"], 4);
  EXPECT_NEAR(summary["validation_oov_rate"].get<double>(), 5.0 / 9.0, 1e-12);
}

// Multi-label statistics: a row counts once per label of its sets, set sizes are binned,
// exact-set rows go by confidence bin, micro-F1 comes from the pooled counts; the JSON
// round trip is exact and counts that do not add up are refused.
TEST(ReferenceStatsTest, LabelSetsCountPerLabelAndRoundTrip) {
  ReferenceStats s = ReferenceStats::Empty({"a", "b", "c"}, WordFilter::FromTexts({"where is my parcel"}), true);
  ASSERT_TRUE(s.MultiLabel());
  const std::vector<uint32_t> ab = {0, 1}, a = {0}, none = {}, abc = {0, 1, 2};
  s.AddSet("where is my parcel", {0, 0.9f, 0.5f, 1.0f}, ab, &ab);    // exact
  s.AddSet("refund please", {0, 0.6f, 0.1f, 0.5f}, a, &ab);          // misses b
  s.AddSet("hello", {0, 0.2f, 0.0f, 1.0f}, none, &none);             // none, rightly
  s.AddSet("everything at once", {0, 0.7f, 0.1f, 1.0f}, abc, nullptr);  // traffic: no gold
  EXPECT_EQ(s.rows, 4u);
  EXPECT_EQ(s.predicted_counts, (std::vector<uint64_t>{3, 2, 1}));
  EXPECT_EQ(s.label_counts, (std::vector<uint64_t>{2, 2, 0}));
  EXPECT_EQ(s.label_correct, (std::vector<uint64_t>{2, 1, 0}));
  EXPECT_EQ(s.sets->cardinality, (std::vector<uint64_t>{1, 1, 1, 1, 0, 0}));
  uint64_t exact = 0;
  for (uint64_t c : s.correct_by_confidence) exact += c;
  EXPECT_EQ(exact, 2u);
  // TP 3 (a, b; a), gold labels 4, chosen labels of the rows with gold 3 (the traffic
  // row's three do not count).
  EXPECT_NEAR(s.MicroF1(), 2.0 * 3 / (4 + 3), 1e-12);
  EXPECT_EQ(ReferenceStats::FromJson(nlohmann::json::parse(s.ToJson().dump())), s);
  EXPECT_TRUE(s.Summary().contains("label_sets"));

  nlohmann::json bad = s.ToJson();
  bad["sets"]["gold_labels"] = 5;
  EXPECT_THROW(ReferenceStats::FromJson(bad), CorruptFileError);
  bad = s.ToJson();
  bad["sets"]["cardinality"] = {1, 1, 1, 0, 0, 0};
  EXPECT_THROW(ReferenceStats::FromJson(bad), CorruptFileError);
  // Single-label statistics refuse AddSet rather than miscount.
  ReferenceStats single = ReferenceStats::Empty({"a", "b"}, WordFilter::FromTexts({"x"}));
  EXPECT_THROW(single.AddSet("x", {}, a, nullptr), InternalError);
}

TEST(ReferenceStatsFileTest, ModelWithStatsLoadsThemBackBitExactly) {
  TempDir dir;
  Model m = TinyModel();
  m.reference_stats = SampleStats();
  SaveModel(m, dir / "model.bin");
  const Model loaded = LoadModel(dir / "model.bin");
  ASSERT_TRUE(loaded.reference_stats.has_value());
  EXPECT_EQ(*loaded.reference_stats, *m.reference_stats);
  const ArtifactReader reader = ReadArtifact(dir / "model.bin", ArtifactKind::kModel);
  EXPECT_EQ(std::string(reader.Get("REFS")), EncodeReferenceStatsSection(*loaded.reference_stats));
}

TEST(ReferenceStatsFileTest, FileWithoutTheSectionLoadsWithoutStats) {
  TempDir dir;
  SaveModel(TinyModel(), dir / "model.bin");
  const ArtifactReader reader = ReadArtifact(dir / "model.bin", ArtifactKind::kModel);
  EXPECT_FALSE(reader.Has("REFS"));
  EXPECT_FALSE(LoadModel(dir / "model.bin").reference_stats.has_value());
}

TEST(ReferenceStatsFileTest, DamagedSectionIsRefusedWithItsName) {
  const std::string good = EncodeReferenceStatsSection(SampleStats());
  ASSERT_EQ(CorruptMessage(ModelFileWithRefs(good)), "loaded");

  for (size_t len : {size_t{0}, size_t{3}, size_t{12}, good.size() / 2, good.size() - 1}) {
    const std::string message = CorruptMessage(ModelFileWithRefs(good.substr(0, len)));
    EXPECT_NE(message.find("model.bin"), std::string::npos) << message;
    EXPECT_NE(message.find("reference statistics section (REFS)"), std::string::npos) << message;
    EXPECT_TRUE(message.find("truncated") != std::string::npos || message.find("corrupted") != std::string::npos)
        << len << ": " << message;
  }
  EXPECT_NE(CorruptMessage(ModelFileWithRefs(good + "x")).find("stray bytes"), std::string::npos);

  ReferenceStats bad_sum = SampleStats();
  bad_sum.top_two_margin.counts[0] += 1;
  EXPECT_NE(CorruptMessage(ModelFileWithRefs(EncodeReferenceStatsSection(bad_sum))).find("top_two_margin counts 5 rows"),
            std::string::npos);

  ReferenceStats other_labels = SampleStats();
  other_labels.labels = {"x", "b", "c", "oos"};
  EXPECT_NE(CorruptMessage(ModelFileWithRefs(EncodeReferenceStatsSection(other_labels)))
                .find("do not start with the model's labels"),
            std::string::npos);

  // Filter bits that disagree with the bit count its header states.
  const ReferenceStats sample = SampleStats();
  BinaryWriter extra_word;
  extra_word.U32(ReferenceStats::kVersion);
  extra_word.Bytes(sample.ToJson(false).dump());
  std::vector<uint64_t> bits = sample.train_words.bits;
  bits.push_back(0);
  extra_word.Array(bits);
  EXPECT_NE(CorruptMessage(ModelFileWithRefs(extra_word.str())).find("word filter has"), std::string::npos);

  std::string newer = good;
  const uint32_t version = 99;
  std::memcpy(newer.data(), &version, 4);
  const std::string message = CorruptMessage(ModelFileWithRefs(newer));
  EXPECT_NE(message.find("version 99"), std::string::npos) << message;
  EXPECT_NE(message.find("upgrade trainops"), std::string::npos) << message;

  std::string bad_json = good;
  bad_json[12] = '[';  // first byte of the JSON (after the u32 version and u64 length)
  EXPECT_NE(CorruptMessage(ModelFileWithRefs(bad_json)).find("unreadable"), std::string::npos);
}

}  // namespace
}  // namespace trainops
