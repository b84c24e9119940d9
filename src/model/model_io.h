// Saving and loading models in the artifact container (docs/model_format.md). Loading
// validates everything (envelope, metadata, array sizes against the label count and the
// vocabulary) before returning, so a Model that loads is safe to predict with.
#pragma once

#include <filesystem>

#include "model/artifact_file.h"
#include "model/model.h"

namespace trainops {

// Adds the model's sections (META, VOCB, IDF_, INPT or QNPT, OUTP, BIAS, and REFS when the
// model has reference statistics) to a writer;
// checkpoints add their own sections on top. Model files store the input weights as int8
// with one scale per row (QNPT), 4x smaller; checkpoints keep exact floats (INPT) because
// resuming must continue from exactly the same weights. The writer borrows the model's
// arrays: `model` must outlive the writer's Finish/WriteTo.
enum class WeightStorage { kFloat32, kInt8PerRow };
void AddModelSections(const Model& model, ArtifactWriter& writer,
                      WeightStorage storage = WeightStorage::kFloat32);
// A temporary model would be gone before the writer reads the arrays it borrowed.
void AddModelSections(const Model&& model, ArtifactWriter& writer,
                      WeightStorage storage = WeightStorage::kFloat32) = delete;

// Rounds weights to int8 with a max-abs scale per row of `width` (what model files keep).
std::vector<float> QuantizeRoundTrip(const std::vector<float>& weights, uint32_t width);
Model ModelFromSections(const ArtifactReader& reader);

std::string SerializeModel(const Model& model);
void SaveModel(const Model& model, const std::filesystem::path& path);  // atomic
Model LoadModel(const std::filesystem::path& path);

nlohmann::json ModelInfoToJson(const ModelInfo& info);
ModelInfo ModelInfoFromJson(const nlohmann::json& json);  // throws std::exception on bad JSON

}  // namespace trainops
