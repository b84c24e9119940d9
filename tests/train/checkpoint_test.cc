#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "model/model_io.h"
#include "test_support.h"
#include "train/checkpoint.h"

namespace trainops {
namespace {

using testing::TempDir;

// Large enough that the weight arrays bypass AtomicFile's 64 KB buffer.
Model WideModel() {
  Model m;
  m.info.labels = {"a", "b", "c"};
  m.info.features = FeatureConfig{};
  m.extractor = FeatureExtractor(m.info.features);
  std::vector<uint32_t> ids(20000);
  for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = i * 3 + 1;
  m.vocab.Assign(std::move(ids));
  m.idf.assign(20000, 1.5f);
  m.dim = 3;
  m.input.resize(20000 * 3);
  for (size_t i = 0; i < m.input.size(); ++i) m.input[i] = static_cast<float>(i) * 1e-3f - 7.0f;
  m.bias = {0.01f, -0.02f, 0.03f};
  return m;
}

OptimizerState WideOptimizer(const Model& m) {
  OptimizerState opt;
  opt.input.resize(m.input.size());
  for (size_t i = 0; i < opt.input.size(); ++i) opt.input[i] = static_cast<float>(i % 97) * 0.5f;
  opt.bias = {1.0f, 2.0f, 3.0f};
  return opt;
}

TrainerState SomeState() {
  TrainerState state;
  state.epoch = 2;
  state.step = 1234;
  state.total_steps = 5000;
  state.best_checkpoint = CheckpointFileName(1000);
  state.history.push_back({{"checkpoint", 1}});
  return state;
}

TEST(CheckpointTest, StreamedCheckpointRoundTripsExactly) {
  TempDir dir;
  const Model m = WideModel();
  const OptimizerState opt = WideOptimizer(m);
  WriteCheckpoint(dir / "c.ckpt", m, opt, SomeState());
  LoadedCheckpoint loaded = ReadCheckpoint(dir / "c.ckpt");
  EXPECT_EQ(loaded.model.input, m.input);
  EXPECT_EQ(loaded.model.bias, m.bias);
  EXPECT_EQ(loaded.model.vocab.ids(), m.vocab.ids());
  EXPECT_EQ(loaded.optimizer.input, opt.input);
  EXPECT_TRUE(loaded.optimizer.output.empty());
  EXPECT_EQ(loaded.optimizer.bias, opt.bias);
  EXPECT_EQ(loaded.state.step, 1234u);
  EXPECT_EQ(loaded.state.best_checkpoint, CheckpointFileName(1000));
}

TEST(CheckpointTest, StreamedCheckpointEqualsConcatenatedBytes) {
  // The format did not change when checkpoints started streaming: same bytes as assembling
  // the whole file in memory.
  TempDir dir;
  const Model m = WideModel();
  const OptimizerState opt = WideOptimizer(m);
  const TrainerState state = SomeState();
  WriteCheckpoint(dir / "c.ckpt", m, opt, state);
  ArtifactWriter writer;
  AddModelSections(m, writer);
  BinaryWriter opti;
  opti.Array(opt.input);
  opti.Array(opt.output);
  opti.Array(opt.bias);
  writer.Add("OPTI", std::move(opti.str()));
  writer.Add("STAT", state.ToJson().dump());
  EXPECT_EQ(ReadFile(dir / "c.ckpt"), writer.Finish(ArtifactKind::kCheckpoint));
}

TEST(CheckpointTest, TruncatedStreamedCheckpointIsRefused) {
  TempDir dir;
  const Model m = WideModel();
  WriteCheckpoint(dir / "c.ckpt", m, WideOptimizer(m), SomeState());
  const std::string bytes = ReadFile(dir / "c.ckpt");
  for (size_t len : {size_t{0}, size_t{24}, size_t{70000}, bytes.size() / 2, bytes.size() - 8,
                     bytes.size() - 1}) {
    auto path = dir.Write("cut.ckpt", bytes.substr(0, len));
    EXPECT_THROW(ReadCheckpoint(path), CorruptFileError) << "length " << len;
  }
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x01;
  EXPECT_THROW(ReadCheckpoint(dir.Write("flipped.ckpt", flipped)), CorruptFileError);
}

}  // namespace
}  // namespace trainops
