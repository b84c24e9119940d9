#include "train/hyperparameters.h"

#include "task/parameters.h"

namespace trainops {
namespace {

// The spec whose table parameters are exactly these hyper-parameters.
TaskSpec AsSpec(const Hyperparameters& h) {
  TaskSpec spec;
  spec.model.type = h.type;
  spec.model.features = h.features;
  spec.model.min_count = h.min_count;
  spec.model.dim = h.dim;
  spec.training.epochs = h.epochs;
  spec.training.learning_rate = h.learning_rate;
  spec.training.l2 = h.l2;
  spec.seed = h.seed;
  return spec;
}

}  // namespace

nlohmann::json Hyperparameters::ToJson() const { return ParametersToJson(AsSpec(*this)); }

Hyperparameters Hyperparameters::FromJson(const nlohmann::json& j) {
  TaskSpec spec;
  ParametersFromJson(j, spec);
  return ResolveHyperparameters(spec);
}

Hyperparameters ResolveHyperparameters(const TaskSpec& spec) {
  const ModelTypeDefaults defaults = DefaultsFor(spec.model.type, spec.data.multi_label);
  Hyperparameters h;
  h.type = spec.model.type;
  h.features = spec.model.features;
  h.min_count = spec.model.min_count;
  h.dim = spec.model.dim;
  h.seed = spec.seed;
  h.epochs = spec.training.epochs.value_or(defaults.epochs);
  h.learning_rate = static_cast<float>(spec.training.learning_rate.value_or(defaults.learning_rate));
  h.l2 = static_cast<float>(spec.training.l2.value_or(defaults.l2));
  return h;
}

}  // namespace trainops
