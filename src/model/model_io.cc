#include "model/model_io.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/binary_io.h"
#include "common/error.h"

namespace trainops {

nlohmann::json ModelInfoToJson(const ModelInfo& info) {
  nlohmann::json j;
  j["type"] = ModelTypeName(info.type);
  if (!info.task.empty()) j["task"] = info.task;
  j["labels"] = info.labels;
  j["features"] = {{"word_ngrams", info.features.word_ngrams},
                   {"char_ngram_min", info.features.char_ngram_min},
                   {"char_ngram_max", info.features.char_ngram_max},
                   {"buckets", info.features.buckets},
                   {"scheme", info.feature_scheme},
                   {"unicode", info.unicode_version.empty() ? std::string(UnicodeVersion()) : info.unicode_version}};
  // Only per-block files carry the key, so files normalized as before keep their bytes.
  if (info.features.block_norm) j["features"]["norm"] = "blocks";
  j["text_column"] = info.text_column;
  j["label_column"] = info.label_column;
  j["temperature"] = info.temperature;
  j["reject_threshold"] = info.reject_threshold;
  j["reject_score"] = RejectScoreName(info.reject_score);
  j["unseen_feature_idf"] = info.unseen_feature_idf;
  j["oos_label"] = info.oos_label;
  j["training"] = info.training;
  j["lineage"] = info.lineage;
  // Only multi-label files carry these keys, so single-label files keep their bytes.
  if (info.multi_label) {
    j["multi_label"] = true;
    j["label_calibration"] = {{"scale", info.calibration_scale}, {"offset", info.calibration_offset}};
    j["label_thresholds"] = info.label_thresholds;
    j["label_separator"] = info.label_separator;
  }
  return j;
}

ModelInfo ModelInfoFromJson(const nlohmann::json& j) {
  ModelInfo info;
  info.type = ParseModelType(j.at("type").get<std::string>());
  info.task = j.value("task", std::string());
  info.labels = j.at("labels").get<std::vector<std::string>>();
  const auto& f = j.at("features");
  info.features.word_ngrams = f.at("word_ngrams").get<int>();
  info.features.char_ngram_min = f.at("char_ngram_min").get<int>();
  info.features.char_ngram_max = f.at("char_ngram_max").get<int>();
  info.features.buckets = f.at("buckets").get<uint32_t>();
  // Files from before the scheme was recorded all used scheme 1.
  info.feature_scheme = f.value("scheme", 1);
  if (info.feature_scheme != kFeatureSchemeVersion) {
    throw CorruptFileError(fmt::format(
        "its features were hashed with feature scheme {}, and this trainops uses scheme {}: its weights would be "
        "read against the wrong n-grams; retrain the model with this trainops, or use the version that trained it",
        info.feature_scheme, kFeatureSchemeVersion));
  }
  info.unicode_version = f.value("unicode", std::string());
  // Absent in files with one norm over all n-grams: the default, and every file before the key.
  const std::string norm = f.value("norm", std::string("joint"));
  if (norm != "blocks" && norm != "joint") {
    throw CorruptFileError(fmt::format("its text vectors are normalized by \"{}\", which this trainops does not know "
                                       "(it knows blocks and joint); the model was written by a newer trainops: "
                                       "upgrade",
                                       norm));
  }
  info.features.block_norm = norm == "blocks";
  info.text_column = j.at("text_column").get<std::string>();
  info.label_column = j.at("label_column").get<std::string>();
  info.temperature = j.at("temperature").get<float>();
  info.reject_threshold = j.at("reject_threshold").get<float>();
  // Absent in files written before the coverage score: their threshold was chosen for the
  // plain calibrated probability, which is what they keep using.
  info.reject_score = ParseRejectScore(j.value("reject_score", std::string("probability")));
  info.unseen_feature_idf = j.value("unseen_feature_idf", 0.0f);
  info.oos_label = j.at("oos_label").get<std::string>();
  info.training = j.value("training", nlohmann::json::object());
  info.lineage = j.value("lineage", nlohmann::json::object());
  info.multi_label = j.value("multi_label", false);
  if (info.multi_label) {
    const auto& calibration = j.at("label_calibration");
    info.calibration_scale = calibration.at("scale").get<std::vector<float>>();
    info.calibration_offset = calibration.at("offset").get<std::vector<float>>();
    info.label_thresholds = j.at("label_thresholds").get<std::vector<float>>();
    info.label_separator = j.value("label_separator", std::string("|"));
  }
  return info;
}

namespace {

// clamp(lround(q), -127, 127) without a libm call per weight (that call was half of
// quantizing's instructions): truncate, then step away from zero when the exact remainder (Sterbenz:
// |q| < 128) is at least a half, as lround rounds. NaN gives -127, as lround's LONG_MIN
// did after the clamp.
inline int8_t RoundToInt8(float q) {
  q = q > -128.0f ? q : -128.0f;  // NaN fails the comparison: -128, clamped to -127 below
  q = q < 128.0f ? q : 128.0f;
  const int truncated = static_cast<int>(q);
  const float remainder = q - static_cast<float>(truncated);
  int rounded = truncated + (remainder >= 0.5f ? 1 : 0) - (remainder <= -0.5f ? 1 : 0);
  rounded = rounded > -127 ? rounded : -127;
  rounded = rounded < 127 ? rounded : 127;
  return static_cast<int8_t>(rounded);
}

void QuantizeRows(const std::vector<float>& weights, uint32_t width, std::vector<float>& scales,
                  std::vector<int8_t>& values) {
  const size_t rows = width ? weights.size() / width : 0;
  scales.assign(rows, 0.0f);
  values.assign(weights.size(), 0);
  for (size_t r = 0; r < rows; ++r) {
    const float* w = &weights[r * width];
    float max_abs = 0;
    for (uint32_t k = 0; k < width; ++k) max_abs = std::max(max_abs, std::fabs(w[k]));
    const float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
    scales[r] = scale;
    int8_t* out = &values[r * width];
    for (uint32_t k = 0; k < width; ++k) out[k] = RoundToInt8(w[k] / scale);
  }
}

std::vector<float> Dequantize(const std::vector<float>& scales, const std::vector<int8_t>& values,
                              uint32_t width) {
  std::vector<float> weights(values.size());
  const size_t rows = width ? values.size() / width : 0;
  for (size_t r = 0; r < rows; ++r) {
    const float scale = scales[r];
    for (size_t i = r * width; i < (r + 1) * width; ++i) weights[i] = static_cast<float>(values[i]) * scale;
  }
  return weights;
}

}  // namespace

std::vector<float> QuantizeRoundTrip(const std::vector<float>& weights, uint32_t width) {
  std::vector<float> scales;
  std::vector<int8_t> values;
  QuantizeRows(weights, width, scales, values);
  return Dequantize(scales, values, width);
}

void AddModelSections(const Model& model, ArtifactWriter& writer, WeightStorage storage) {
  // The oldest version whose readers score the file right, so older trainops keep reading
  // every file they can.
  if (model.info.multi_label) writer.SetVersion(kArtifactMultiLabelVersion);
  if (model.info.features.block_norm) writer.SetVersion(kArtifactBlockNormVersion);
  writer.Add("META", ModelInfoToJson(model.info).dump());
  auto borrowed_array = [](const auto& values) {
    ChunkedBytes bytes;
    bytes.BorrowArray(values);
    return bytes;
  };
  writer.Add("VOCB", borrowed_array(model.vocab.ids()));
  writer.Add("IDF_", borrowed_array(model.idf));
  if (storage == WeightStorage::kInt8PerRow) {
    // The quantized arrays are temporaries, so this section owns its bytes.
    BinaryWriter input;
    input.U32(model.dim);
    std::vector<float> scales;
    std::vector<int8_t> values;
    QuantizeRows(model.input, model.dim, scales, values);
    input.Array(scales);
    input.Array(values);
    writer.Add("QNPT", std::move(input.str()));
  } else {
    ChunkedBytes input;
    input.U32(model.dim);
    input.BorrowArray(model.input);
    writer.Add("INPT", std::move(input));
  }
  writer.Add("OUTP", borrowed_array(model.output));
  writer.Add("BIAS", borrowed_array(model.bias));
  if (model.reference_stats) writer.Add("REFS", EncodeReferenceStatsSection(*model.reference_stats));
}

Model ModelFromSections(const ArtifactReader& reader) {
  const std::string& what = reader.what();
  auto fail = [&](const std::string& message) {
    throw CorruptFileError(fmt::format("{}: {}", what, message));
  };
  Model model;
  try {
    model.info = ModelInfoFromJson(nlohmann::json::parse(reader.Get("META")));
  } catch (const CorruptFileError& e) {
    fail(e.what());  // names the file
  } catch (const std::exception& e) {
    fail(fmt::format("metadata is unreadable ({})", e.what()));
  }
  const size_t labels = model.info.labels.size();
  if (labels < 2) fail("metadata lists fewer than two labels");
  try {
    model.extractor = FeatureExtractor(model.info.features);
  } catch (const InputError& e) {
    fail(fmt::format("feature settings are invalid ({})", e.what()));
  }
  BinaryReader vocab(reader.Get("VOCB"), what);
  std::vector<uint32_t> ids = vocab.Array<uint32_t>();
  for (size_t i = 1; i < ids.size(); ++i) {
    if (ids[i] <= ids[i - 1]) fail("feature vocabulary is not sorted");
  }
  BinaryReader idf(reader.Get("IDF_"), what);
  model.idf = idf.Array<float>();
  if (reader.Has("QNPT")) {
    BinaryReader input(reader.Get("QNPT"), what);
    model.dim = input.U32();
    std::vector<float> scales = input.Array<float>();
    std::vector<int8_t> values = input.Array<int8_t>();
    if (model.dim == 0 || values.size() != scales.size() * model.dim) {
      fail("quantized weights do not match their row scales");
    }
    model.input = Dequantize(scales, values, model.dim);
  } else {
    BinaryReader input(reader.Get("INPT"), what);
    model.dim = input.U32();
    model.input = input.Array<float>();
  }
  BinaryReader output(reader.Get("OUTP"), what);
  model.output = output.Array<float>();
  BinaryReader bias(reader.Get("BIAS"), what);
  model.bias = bias.Array<float>();

  const size_t rows = ids.size();
  if (model.idf.size() != rows) fail("IDF table does not match the vocabulary");
  if (model.dim == 0) fail("weight width is zero");
  if (model.input.size() != rows * model.dim) fail("input weights do not match vocabulary x width");
  if (model.bias.size() != labels) fail("bias does not match the label count");
  if (model.info.type == ModelType::kLinear) {
    if (model.dim != labels) fail("linear model width does not match the label count");
    if (!model.output.empty()) fail("linear model has an output layer");
  } else if (model.output.size() != static_cast<size_t>(model.dim) * labels) {
    fail("output weights do not match embedding size x labels");
  }
  if (!(model.info.temperature > 0)) fail("temperature must be positive");
  if (model.info.features.block_norm && reader.version() < kArtifactBlockNormVersion) {
    fail(fmt::format("per-block normalized features in a version {} file", reader.version()));
  }
  if (model.info.multi_label) {
    if (reader.version() < kArtifactMultiLabelVersion) fail("a multi-label model in a version 1 file");
    // Empty until training calibrates them (checkpoints); then one per label.
    const auto& info = model.info;
    for (const auto* v : {&info.calibration_scale, &info.calibration_offset, &info.label_thresholds}) {
      if (!v->empty() && v->size() != labels) fail("multi-label calibration or thresholds do not match the label count");
    }
  }
  // Optional: files written before the section existed load without it.
  if (reader.Has("REFS")) {
    try {
      model.reference_stats = DecodeReferenceStatsSection(reader.Get("REFS"));
    } catch (const CorruptFileError& e) {
      fail(e.what());
    }
    const auto& stats_labels = model.reference_stats->labels;
    if (stats_labels.size() < labels ||
        !std::equal(model.info.labels.begin(), model.info.labels.end(), stats_labels.begin())) {
      fail("reference statistics section (REFS): its labels do not start with the model's labels");
    }
  }
  model.vocab.Assign(std::move(ids));
  return model;
}

std::string SerializeModel(const Model& model) {
  ArtifactWriter writer;
  AddModelSections(model, writer, WeightStorage::kInt8PerRow);
  return writer.Finish(ArtifactKind::kModel);
}

void SaveModel(const Model& model, const std::filesystem::path& path) {
  ArtifactWriter writer;
  AddModelSections(model, writer, WeightStorage::kInt8PerRow);
  AtomicFile file(path);
  writer.WriteTo(file, ArtifactKind::kModel);
  file.Commit();
}

Model LoadModel(const std::filesystem::path& path) {
  return ModelFromSections(ReadArtifact(path, ArtifactKind::kModel));
}

}  // namespace trainops
