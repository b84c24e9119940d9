// What the model stage's tests share: a small but complete linear model (3 labels, 4
// vocabulary rows, temperature 1.5) and the message a damaged model file is refused with.
#pragma once

#include <string>

#include "common/error.h"
#include "model/model.h"
#include "model/model_io.h"
#include "test_support.h"

namespace trainops::testing {

inline Model TinyModel() {
  Model m;
  m.info.labels = {"a", "b", "c"};
  m.info.features = FeatureConfig{};
  m.info.temperature = 1.5f;
  m.extractor = FeatureExtractor(m.info.features);
  m.vocab.Assign({3, 17, 99, 1000});
  m.idf = {1.0f, 2.0f, 1.5f, 1.2f};
  m.dim = 3;
  m.input = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 1.1f, 1.2f};
  m.bias = {0.01f, 0.02f, 0.03f};
  return m;
}

// The CorruptFileError message of loading `bytes` as a model file, or "loaded".
inline std::string CorruptMessage(const std::string& bytes) {
  TempDir dir;
  auto path = dir.Write("model.bin", bytes);
  try {
    LoadModel(path);
  } catch (const CorruptFileError& e) {
    return e.what();
  }
  return "loaded";
}

}  // namespace trainops::testing
