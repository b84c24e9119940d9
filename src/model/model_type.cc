#include "model/model_type.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"

namespace trainops {

std::string ModelTypeName(ModelType type) { return type == ModelType::kLinear ? "linear" : "embedding"; }

ModelType ParseModelType(std::string_view name) {
  if (name == "linear") return ModelType::kLinear;
  if (name == "embedding") return ModelType::kEmbedding;
  throw InputError(fmt::format("unknown model type \"{}\"{}; use linear or embedding", name,
                               DidYouMean(name, {"linear", "embedding"})));
}

}  // namespace trainops
