#include "train/hyperparameters.h"

namespace trainops {

nlohmann::json Hyperparameters::ToJson() const {
  return {{"model", ModelTypeName(type)},
          {"word_ngrams", features.word_ngrams},
          {"char_ngram_min", features.char_ngram_min},
          {"char_ngram_max", features.char_ngram_max},
          {"buckets", features.buckets},
          {"min_count", min_count},
          {"dim", dim},
          {"epochs", epochs},
          {"learning_rate", learning_rate},
          {"l2", l2},
          {"seed", seed}};
}

Hyperparameters Hyperparameters::FromJson(const nlohmann::json& j) {
  Hyperparameters h;
  h.type = ParseModelType(j.at("model").get<std::string>());
  h.features.word_ngrams = j.at("word_ngrams").get<int>();
  h.features.char_ngram_min = j.at("char_ngram_min").get<int>();
  h.features.char_ngram_max = j.at("char_ngram_max").get<int>();
  h.features.buckets = j.at("buckets").get<uint32_t>();
  h.min_count = j.at("min_count").get<int>();
  h.dim = j.at("dim").get<int>();
  h.epochs = j.at("epochs").get<int>();
  h.learning_rate = j.at("learning_rate").get<float>();
  h.l2 = j.at("l2").get<float>();
  h.seed = j.at("seed").get<uint64_t>();
  return h;
}

Hyperparameters ResolveHyperparameters(const TaskSpec& spec) {
  Hyperparameters h;
  h.type = spec.model.type;
  h.features = spec.model.features;
  h.min_count = spec.model.min_count;
  h.dim = spec.model.dim;
  h.seed = spec.seed;
  const bool linear = h.type == ModelType::kLinear;
  h.epochs = spec.training.epochs > 0 ? spec.training.epochs : (linear ? 20 : 25);
  h.learning_rate = spec.training.learning_rate > 0
                        ? static_cast<float>(spec.training.learning_rate)
                        : (linear ? 0.3f : 0.2f);
  h.l2 = spec.training.l2 >= 0 ? static_cast<float>(spec.training.l2) : 1e-6f;
  return h;
}

}  // namespace trainops
