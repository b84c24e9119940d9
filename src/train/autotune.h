// Hyper-parameter search on validation data within a time budget, like fastText's
// -autotune-validation: seeded random search around the defaults (the first trial is the
// defaults themselves, so autotune never picks something worse on validation than not
// tuning). Each trial trains in memory with early stopping; the test file is never seen.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "train/hyperparameters.h"
#include "train/training_data.h"

namespace trainops {

struct AutotuneResult {
  Hyperparameters best;
  nlohmann::json report;  // budget, trials (parameters, metric, seconds), chosen trial
};

AutotuneResult Autotune(const TaskSpec& spec, const Hyperparameters& defaults,
                        const TrainingData& data, int threads,
                        const std::function<void(const std::string&)>& info);

}  // namespace trainops
