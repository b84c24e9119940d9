// What Monitor and Cycle share: finding the task's registry, production model and the
// window of traffic.
#pragma once

#include <filesystem>
#include <string>

#include <trainops/monitor.h>

#include "drift/traffic_window.h"
#include "model/model.h"
#include "registry/registry.h"
#include "task/task_spec.h"

namespace trainops::drift {

// Reads the window from the file or, without one, from the traffic log (next to the
// registry unless source.traffic_log names it). Throws InputError when neither is given.
TrafficWindow LoadWindow(const TrafficSource& source, const TaskSpec& spec, const std::filesystem::path& registry);

struct ResolvedModel {
  Model model;
  std::string id;
  std::filesystem::path path;
};
// `model`: a model file or a registered id; "" = the task's production model (InputError
// saying how to get one when there is none). Reads the registry at `registry` only when it
// is needed, and never creates one. Monitor, Cycle and SelectForLabeling use it.
ResolvedModel ResolveMonitoredModel(const std::string& model, const TaskSpec& spec,
                                    const std::filesystem::path& registry);

// Records a monitor report in the registry's history.
int64_t RecordMonitorReport(Registry& registry, const nlohmann::json& report, const TrafficWindow& window,
                            const std::vector<std::string>& alerts);

}  // namespace trainops::drift
