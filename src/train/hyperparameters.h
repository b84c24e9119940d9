// Hyper-parameters of one training run, resolved from the spec (0 / negative = the model
// type's default) and recorded in run.json and the model file.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "task/task_spec.h"

namespace trainops {

struct Hyperparameters {
  ModelType type = ModelType::kLinear;
  FeatureConfig features;
  int min_count = 1;
  int dim = 100;  // embedding only
  int epochs = 0;
  float learning_rate = 0;
  float l2 = 0;
  uint64_t seed = 42;

  nlohmann::json ToJson() const;
  static Hyperparameters FromJson(const nlohmann::json& j);
};

// Fills the spec's unset fields with the defaults for its model type. The defaults were
// chosen on validation splits carved from the shared datasets' training files
// (bench/RESULTS.md), the same for every dataset.
Hyperparameters ResolveHyperparameters(const TaskSpec& spec);

}  // namespace trainops
