// The two model architectures (model.h): a linear model over hashed n-grams, or a
// fastText-style low-rank embedding model. Part of the model stage, so that a model file
// can be read without the task-spec (YAML) layer.
#pragma once

#include <string>
#include <string_view>

namespace trainops {

enum class ModelType { kLinear, kEmbedding };
std::string ModelTypeName(ModelType type);  // "linear" | "embedding"
ModelType ParseModelType(std::string_view name);  // throws InputError with the valid names

}  // namespace trainops
