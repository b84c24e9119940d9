// The memory plan's bytes per kept feature (train/memory_plan.h), with and without the
// embedding companion a linear run trains after its own checkpoints: the companion phase
// holds the selected linear weights and an embedding model, and for a task with fewer
// labels than embedding dimensions that phase, not the linear one, is the peak.
#include <gtest/gtest.h>

#include "train/memory_plan.h"
#include "train/train_run_internal.h"
#include "train/world.h"

namespace trainops {
namespace {

Hyperparameters Linear() {
  Hyperparameters hp;
  hp.type = ModelType::kLinear;
  hp.dim = 100;
  return hp;
}

TEST(MemoryPlanTest, ALinearRunCountsFiveCopiesOfItsWeights) {
  EXPECT_DOUBLE_EQ(BytesPerFeature(Linear(), 77), 5.0 * 77 * sizeof(float));
}

TEST(MemoryPlanTest, TheCompanionPhaseCountsWhenItIsTheLarger) {
  // 77 labels: the companion phase is 77 + 4 * 100 + 3 = 480 floats, more than 5 * 77 = 385.
  EXPECT_DOUBLE_EQ(BytesPerFeature(Linear(), 77, 100), 480.0 * sizeof(float));
  // 11 labels (the example task): 11 + 403 floats, seven times the linear phase.
  EXPECT_DOUBLE_EQ(BytesPerFeature(Linear(), 11, 100), 414.0 * sizeof(float));
  // 151 labels: the linear phase (755 floats) stays the larger.
  EXPECT_DOUBLE_EQ(BytesPerFeature(Linear(), 151, 100), 755.0 * sizeof(float));
}

TEST(MemoryPlanTest, AnEmbeddingModelHasNoCompanion) {
  Hyperparameters hp = Linear();
  hp.type = ModelType::kEmbedding;
  hp.dim = 50;
  EXPECT_DOUBLE_EQ(BytesPerFeature(hp, 11, 100), BytesPerFeature(hp, 11));
  EXPECT_DOUBLE_EQ(BytesPerFeature(hp, 11), 203.0 * sizeof(float));
}

TEST(MemoryPlanTest, TheCompanionLowersTheFeatureCapTheBudgetLeaves) {
  const MemoryPlan alone = PlanMemory(128, 0, Linear(), 11, 64.0 * 1048576, 1048576, 1 << 22);
  const MemoryPlan paired = PlanMemory(128, 0, Linear(), 11, 64.0 * 1048576, 1048576, 1 << 22, 100);
  EXPECT_EQ(alone.cap_from, "training.memory_mb");
  EXPECT_LT(paired.feature_cap, alone.feature_cap);
  EXPECT_NEAR(static_cast<double>(alone.feature_cap) / static_cast<double>(paired.feature_cap), 414.0 / 55.0, 0.01);
  // A cap the user gives is kept as given.
  EXPECT_EQ(PlanMemory(512, 5000, Linear(), 11, 0, 0, 1 << 22, 100).feature_cap, 5000);
}

TEST(MemoryPlanTest, WithoutAUserCapTheSmallerOfTheDefaultAndTheBudgetsCapHolds) {
  // 77 labels, 4 GiB, 256 MiB of streamed windows: the budget leaves room for about 2.6
  // million features, and the default cap binds.
  const MemoryPlan roomy = PlanMemory(4096, 0, Linear(), 77, 256.0 * 1048576, 1048576, 1 << 22);
  EXPECT_EQ(roomy.feature_cap, kDefaultFeatureCap);
  EXPECT_EQ(roomy.cap_from, "default");
  EXPECT_EQ(roomy.ToJson(0)["feature_cap_from"], "default");
  // 256 MiB leaves room for (256 - 48 - 64 - 1) MiB / 1,540 bytes, about 97,000: the budget binds.
  const MemoryPlan tight = PlanMemory(256, 0, Linear(), 77, 64.0 * 1048576, 1048576, 1 << 22);
  EXPECT_EQ(tight.cap_from, "training.memory_mb");
  EXPECT_NEAR(static_cast<double>(tight.feature_cap), 143.0 * 1048576 / 1540, 1.0);
  // A user's cap above the default is kept: the default bounds only runs that name none.
  const MemoryPlan chosen = PlanMemory(4096, 1000000, Linear(), 77, 256.0 * 1048576, 1048576, 1 << 22);
  EXPECT_EQ(chosen.feature_cap, 1000000);
  EXPECT_EQ(chosen.cap_from, "model.max_features");
}

// A streamed run's two windows take a quarter of training.memory_mb, at most 256 MiB: past
// that a window only mixes rows more finely, and the memory grew with the budget. Rows of
// 167 n-grams take 1,723 bytes decoded (train_run_memory.cc), so 128 MiB is 76 blocks of
// 1,024 rows, where a 4 GiB budget gave 304 before.
TEST(MemoryPlanTest, StreamedWindowsHoldAnEighthOfTheBudgetAtMost128MiBEach) {
  TaskSpec spec;
  spec.training.memory_mb = 4096;
  EXPECT_EQ(train_internal::WindowBlocks(spec, 167), 76u);
  spec.training.memory_mb = 65536;
  EXPECT_EQ(train_internal::WindowBlocks(spec, 167), 76u);
  spec.training.memory_mb = 512;  // an eighth: 64 MiB
  EXPECT_EQ(train_internal::WindowBlocks(spec, 167), 38u);

  // The memory plan counts the same 256 MiB for the windows, and leaves the rest to the model.
  spec.training.memory_mb = 4096;
  spec.training.streaming = "on";
  MemoryPlan plan;
  const Hyperparameters hp = Linear();  // the cap refers to the spec and hp: they outlive it
  const FeatureCap cap = train_internal::PlannedFeatureCap(spec, hp, /*streamed=*/true, World::Get(), plan);
  EXPECT_EQ(cap(77, 2000000), kDefaultFeatureCap);
  EXPECT_DOUBLE_EQ(plan.data_mb, 256.0);
  EXPECT_EQ(plan.features_seen, 2000000);
}

}  // namespace
}  // namespace trainops
