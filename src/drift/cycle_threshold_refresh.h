// The cycle's threshold refresh: when a cycle promotes no retrained model, the production
// model's out-of-scope threshold may move to the one its served traffic's feedback
// supports (drift/threshold_refresh.h says how it is chosen and tested). The refreshed
// model is the same weights with the new threshold and its reference statistics
// recomputed on the run's validation rows (train/validation_reference.h); it is registered
// under the production model's run and released through the spec's gates like any
// candidate. Not a retrain: nothing is trained, and the retrain policy's cooldown and
// counts are untouched.
//
// Thread-safety: one cycle at a time per task (as Cycle).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <trainops/workflows.h>

#include "drift/retrain_data.h"
#include "drift/workflow_common.h"
#include "registry/registry.h"
#include "task/task_spec.h"

namespace trainops::drift {

struct ThresholdRefreshInputs {
  const TaskSpec* spec = nullptr;
  std::string task_path;  // the spec file the release gates with
  std::filesystem::path registry_path;
  const ResolvedModel* production = nullptr;
  // Every labelled message known, this window's included; rows the production model
  // trained on or validated with, and rows a label budget ranked, are left out here.
  const std::vector<LabelledMessage>* feedback = nullptr;
  const std::set<std::string>* ranked_texts = nullptr;
  std::filesystem::path dir;  // where the refreshed model is written (created on a refresh)
  int threads = 0;
};

struct ThresholdRefreshOutcome {
  nlohmann::json report;  // the cycle JSON's `threshold_refresh`
  bool promoted = false;
  std::string model_id;  // the refreshed model, when one was made
};

// Throws like Release when the refreshed model cannot be written or gated; a reason in
// `report` (not an exception) when a refresh does not apply or the data to recompute the
// reference statistics is gone.
ThresholdRefreshOutcome RefreshThreshold(const ThresholdRefreshInputs& in, Registry& registry,
                                         const Messages& messages);

}  // namespace trainops::drift
