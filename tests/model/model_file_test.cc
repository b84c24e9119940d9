#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "common/atomic_file.h"
#include "common/binary_io.h"
#include "common/error.h"
#include "common/hash.h"
#include "model/inference.h"
#include "model/model_io.h"
#include "test_support.h"
#include "tiny_model.h"

namespace trainops {
namespace {

using testing::TempDir;
using testing::TinyModel;
using testing::CorruptMessage;

TEST(ModelFileTest, RoundTripKeepsEveryField) {
  TempDir dir;
  Model m = TinyModel();
  SaveModel(m, dir / "model.bin");
  Model loaded = LoadModel(dir / "model.bin");
  EXPECT_EQ(loaded.info.labels, m.info.labels);
  // Model files keep int8 weights with a scale per row: within half a step of the original.
  ASSERT_EQ(loaded.input.size(), m.input.size());
  for (size_t i = 0; i < m.input.size(); ++i) {
    float row_max = 0;
    for (size_t k = i / 3 * 3; k < i / 3 * 3 + 3; ++k) row_max = std::max(row_max, std::fabs(m.input[k]));
    EXPECT_NEAR(loaded.input[i], m.input[i], row_max / 127 / 2 + 1e-7) << i;
  }
  EXPECT_EQ(loaded.bias, m.bias);
  EXPECT_EQ(loaded.idf, m.idf);
  EXPECT_EQ(loaded.vocab.ids(), m.vocab.ids());
  EXPECT_FLOAT_EQ(loaded.info.temperature, 1.5f);
  EXPECT_EQ(loaded.vocab.Row(99), 2u);
  EXPECT_EQ(loaded.vocab.Row(98), FeatureVocabulary::kMissing);
  EXPECT_EQ(QuantizeRoundTrip(m.input, 3), loaded.input);
}

// The int8 weights of every model file written so far came from lround: the inline
// rounding must give the same bytes, halves (away from zero) and the row maximum included.
TEST(ModelFileTest, QuantizationRoundsExactlyAsLroundDid) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> uniform(-3.0f, 3.0f);
  const uint32_t width = 7;
  std::vector<float> weights;
  for (int r = 0; r < 500; ++r) {
    for (uint32_t k = 0; k < width; ++k) weights.push_back(uniform(rng));
    // Exact halves of a step: the row maximum is 127 steps of 1/127, so q = k + 0.5.
    if (r % 5 == 0) {
      weights[weights.size() - width] = 127.0f / 127.0f;
      for (uint32_t k = 1; k < width; ++k) weights[weights.size() - width + k] = (static_cast<float>(k) * 7.5f) / 127.0f;
    }
  }
  weights.insert(weights.end(), width, 0.0f);  // an all-zero row (scale 1)
  std::vector<float> expected(weights.size());
  for (size_t r = 0; r < weights.size() / width; ++r) {
    float max_abs = 0;
    for (uint32_t k = 0; k < width; ++k) max_abs = std::max(max_abs, std::fabs(weights[r * width + k]));
    const float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
    for (uint32_t k = 0; k < width; ++k) {
      const long q = std::clamp(std::lround(weights[r * width + k] / scale), -127L, 127L);
      expected[r * width + k] = static_cast<float>(static_cast<int8_t>(q)) * scale;
    }
  }
  EXPECT_EQ(QuantizeRoundTrip(weights, width), expected);
}

TEST(ModelFileTest, FloatSectionsRoundTripExactly) {
  // Checkpoints store exact floats: resume depends on it.
  Model m = TinyModel();
  ArtifactWriter writer;
  AddModelSections(m, writer, WeightStorage::kFloat32);
  ArtifactReader reader(writer.Finish(ArtifactKind::kModel), "mem", ArtifactKind::kModel);
  Model loaded = ModelFromSections(reader);
  EXPECT_EQ(loaded.input, m.input);
}

// The container as it was first written: every section concatenated, then one
// XXH3 over the whole. Streamed files must keep exactly these bytes.
std::string ReferenceArtifact(ArtifactKind kind, const std::map<std::string, std::string>& sections) {
  BinaryWriter payload;
  for (const auto& [tag, bytes] : sections) {
    payload.Raw(tag.data(), 4);
    payload.Bytes(bytes);
  }
  BinaryWriter out;
  out.Raw("TRAINOPS", 8);
  out.U32(kArtifactFormatVersion);
  out.U32(static_cast<uint32_t>(kind));
  out.U64(payload.str().size());
  out.Raw(payload.str().data(), payload.str().size());
  out.U64(Hash64(out.str(), 0x74726e6f7073ull));
  return out.str();
}

TEST(ModelFileTest, StreamedArtifactEqualsConcatenatedBytes) {
  // Owned, borrowed and mixed sections, one larger than the file buffer so that it
  // bypasses AtomicFile's buffer, plus an empty one.
  std::vector<float> big(100000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i) * 0.25f;
  std::vector<uint32_t> small = {7, 8, 9};
  std::vector<float> none;
  ArtifactWriter writer;
  writer.Add("META", std::string("{\"k\":1}"));
  ChunkedBytes mixed;
  mixed.U32(42);
  mixed.BorrowArray(big);
  mixed.BorrowArray(small);
  mixed.BorrowArray(none);
  writer.Add("MIXD", std::move(mixed));
  writer.Add("EMPT", ChunkedBytes());

  BinaryWriter mixed_ref;
  mixed_ref.U32(42);
  mixed_ref.Array(big);
  mixed_ref.Array(small);
  mixed_ref.Array(none);
  const std::string expected = ReferenceArtifact(
      ArtifactKind::kCheckpoint, {{"META", "{\"k\":1}"}, {"MIXD", mixed_ref.str()}, {"EMPT", ""}});

  EXPECT_EQ(writer.FileSize(), expected.size());
  EXPECT_EQ(writer.Finish(ArtifactKind::kCheckpoint), expected);
  TempDir dir;
  AtomicFile file(dir / "streamed.ckpt");
  writer.WriteTo(file, ArtifactKind::kCheckpoint);
  file.Commit();
  EXPECT_EQ(ReadFile(dir / "streamed.ckpt"), expected);
}

TEST(ModelFileTest, SavedModelEqualsSerializedBytes) {
  // SaveModel streams; SerializeModel concatenates: the same file either way.
  TempDir dir;
  Model m = TinyModel();
  SaveModel(m, dir / "model.bin");
  EXPECT_EQ(ReadFile(dir / "model.bin"), SerializeModel(m));
}

TEST(ModelFileTest, TruncatedFileIsRefusedAtEveryLength) {
  std::string bytes = SerializeModel(TinyModel());
  for (size_t len : {size_t{0}, size_t{5}, size_t{8}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    std::string message = CorruptMessage(bytes.substr(0, len));
    EXPECT_NE(message, "loaded") << "length " << len;
    EXPECT_NE(message.find("model.bin"), std::string::npos) << message;
  }
  EXPECT_NE(CorruptMessage(bytes.substr(0, bytes.size() - 1)).find("truncated"), std::string::npos);
}

TEST(ModelFileTest, EveryFlippedByteIsDetected) {
  std::string bytes = SerializeModel(TinyModel());
  for (size_t pos = 0; pos < bytes.size(); pos += 7) {
    std::string damaged = bytes;
    damaged[pos] ^= 0x20;
    EXPECT_NE(CorruptMessage(damaged), "loaded") << "flipped byte " << pos;
  }
  std::string damaged = bytes;
  damaged[bytes.size() / 2] ^= 1;
  EXPECT_NE(CorruptMessage(damaged).find("checksum mismatch"), std::string::npos);
}

TEST(ModelFileTest, ForeignFileIsRefused) {
  EXPECT_NE(CorruptMessage("__label__a hello world\n").find("not a trainops model file"),
            std::string::npos);
  EXPECT_NE(CorruptMessage(std::string(4096, '\0')).find("not a trainops"), std::string::npos);
}

TEST(ModelFileTest, NewerFormatVersionIsRefusedWithAdvice) {
  std::string bytes = SerializeModel(TinyModel());
  uint32_t version = 99;
  std::memcpy(&bytes[8], &version, 4);
  // Re-seal so that only the version is wrong.
  std::string body = bytes.substr(0, bytes.size() - 8);
  uint64_t sum = Hash64(body, 0x74726e6f7073ull);
  std::memcpy(&bytes[bytes.size() - 8], &sum, 8);
  std::string message = CorruptMessage(bytes);
  EXPECT_NE(message.find("format version 99"), std::string::npos) << message;
  EXPECT_NE(message.find("upgrade trainops"), std::string::npos) << message;
}

uint32_t HeaderVersion(const std::string& bytes) {
  uint32_t version = 0;
  std::memcpy(&version, &bytes[8], 4);
  return version;
}

// A file whose META section is `meta` (the rest as SerializeModel writes it), at `version`.
std::string WithMeta(const Model& model, const nlohmann::json& meta, uint32_t version) {
  ArtifactWriter writer;
  AddModelSections(model, writer);
  writer.Add("META", meta.dump());
  writer.SetVersion(version);
  return writer.Finish(ArtifactKind::kModel);
}

// Per-block normalization changes every score, so a file that has it is written at the
// version older readers refuse; a file without it keeps version 1 and its old bytes.
TEST(ModelFileTest, FeatureNormIsRecordedAtTheVersionOlderReadersRefuse) {
  TempDir dir;
  Model blocks = TinyModel();
  blocks.info.features.block_norm = true;
  const std::string block_bytes = SerializeModel(blocks);
  EXPECT_EQ(HeaderVersion(block_bytes), kArtifactBlockNormVersion);
  EXPECT_EQ(ModelInfoToJson(blocks.info)["features"]["norm"], "blocks");
  EXPECT_TRUE(LoadModel(dir.Write("blocks.bin", block_bytes)).info.features.block_norm);

  const Model joint = TinyModel();  // the default
  ASSERT_FALSE(joint.info.features.block_norm);
  const std::string joint_bytes = SerializeModel(joint);
  EXPECT_EQ(HeaderVersion(joint_bytes), kArtifactFormatVersion);
  EXPECT_FALSE(ModelInfoToJson(joint.info)["features"].contains("norm"));
  EXPECT_FALSE(LoadModel(dir.Write("joint.bin", joint_bytes)).info.features.block_norm);

  // A multi-label model with blocks needs both: the newer version.
  Model multi = blocks;
  multi.info.multi_label = true;
  EXPECT_EQ(HeaderVersion(SerializeModel(multi)), kArtifactBlockNormVersion);
  Model multi_joint = TinyModel();
  multi_joint.info.multi_label = true;
  EXPECT_EQ(HeaderVersion(SerializeModel(multi_joint)), kArtifactMultiLabelVersion);
}

TEST(ModelFileTest, UnknownOrMisplacedFeatureNormIsRefused) {
  Model model = TinyModel();
  model.info.features.block_norm = true;
  nlohmann::json meta = ModelInfoToJson(model.info);
  meta["features"]["norm"] = "l1";
  std::string message = CorruptMessage(WithMeta(model, meta, kArtifactBlockNormVersion));
  EXPECT_NE(message.find("normalized by \"l1\""), std::string::npos) << message;
  EXPECT_NE(message.find("upgrade"), std::string::npos) << message;
  // "blocks" in a version 1 file: not something any trainops wrote.
  meta["features"]["norm"] = "blocks";
  message = CorruptMessage(WithMeta(model, meta, kArtifactFormatVersion));
  EXPECT_NE(message.find("per-block normalized features in a version 1 file"), std::string::npos) << message;
}

TEST(ModelFileTest, CheckpointIsNotAModel) {
  const Model model = TinyModel();  // the writer borrows its arrays until Finish
  ArtifactWriter writer;
  AddModelSections(model, writer);
  std::string message = CorruptMessage(writer.Finish(ArtifactKind::kCheckpoint));
  EXPECT_NE(message.find("is a checkpoint file, expected a model file"), std::string::npos) << message;
}

TEST(ModelFileTest, AnotherFeatureSchemeIsRefused) {
  Model m = TinyModel();
  m.info.feature_scheme = kFeatureSchemeVersion + 1;
  const std::string message = CorruptMessage(SerializeModel(m));
  EXPECT_NE(message.find("feature scheme " + std::to_string(kFeatureSchemeVersion + 1)), std::string::npos) << message;
  EXPECT_NE(message.find("retrain"), std::string::npos) << message;
  // The current scheme and the Unicode version are recorded and read back.
  TempDir dir;
  SaveModel(TinyModel(), dir / "model.bin");
  const Model loaded = LoadModel(dir / "model.bin");
  EXPECT_EQ(loaded.info.feature_scheme, kFeatureSchemeVersion);
  EXPECT_EQ(loaded.info.unicode_version, std::string(UnicodeVersion()));
}

TEST(ModelFileTest, InconsistentArraysAreRefused) {
  Model m = TinyModel();
  m.input.resize(9);  // three rows for a four-feature vocabulary
  std::string message = CorruptMessage(SerializeModel(m));
  EXPECT_NE(message.find("input weights do not match"), std::string::npos) << message;
  m.bias.pop_back();
  m.input = TinyModel().input;
  message = CorruptMessage(SerializeModel(m));
  EXPECT_NE(message.find("bias does not match"), std::string::npos) << message;
}

TEST(ModelFileTest, MissingFileNamesThePath) {
  try {
    LoadModel("/nonexistent/dir/model.bin");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.bin"), std::string::npos);
  }
}

TEST(ModelTest, ProbabilitiesSumToOneAndAreDeterministic) {
  Model m = TinyModel();
  Model::Scratch scratch;
  Classify(m, "any text at all", scratch);
  const std::vector<float> p1 = scratch.probs;
  Classify(m, "any text at all", scratch);
  const std::vector<float> p2 = scratch.probs;
  ASSERT_EQ(p1.size(), 3u);
  EXPECT_EQ(p1, p2);
  EXPECT_NEAR(p1[0] + p1[1] + p1[2], 1.0f, 1e-5);
}

}  // namespace
}  // namespace trainops
