// Hyper-parameters of one training run: the spec's parameters resolved for its model type
// (unset ones take the table's per-model-type defaults, task/parameters.h) and recorded in
// run.json, train_config.json and the model file. Their JSON is generated from the
// parameter table, so its keys are the table's JSON keys.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "task/task_spec.h"

namespace trainops {

// Made by ResolveHyperparameters or FromJson; the members have no defaults of their own so
// that the table stays the only place a default is written.
struct Hyperparameters {
  ModelType type{};
  FeatureConfig features;
  int min_count{};
  int dim{};  // embedding only
  int epochs{};
  float learning_rate{};
  float l2{};
  uint64_t seed{};

  nlohmann::json ToJson() const;
  // Reads JSON written by ToJson, now or by an earlier version (same keys). Keys missing
  // from an older file take the table's defaults for its model type. Throws InputError
  // naming the key for a wrong type or an out-of-range value.
  static Hyperparameters FromJson(const nlohmann::json& j);
};

// The spec's parameters with every unset one filled in with its model type's default.
Hyperparameters ResolveHyperparameters(const TaskSpec& spec);

}  // namespace trainops
