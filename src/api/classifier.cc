// The public Classifier (include/trainops/classifier.h): a loaded Model plus what callers
// ask about it, over the one inference path (model/inference.h).
#include <trainops/classifier.h>

#include <fmt/format.h>

#include "common/error.h"
#include "common/parallel.h"
#include "model/inference.h"
#include "model/model_io.h"
#include "registry/registry.h"

namespace trainops {

struct Classifier::Impl {
  Model model;
  std::string id, path;
  nlohmann::json info, reference_stats;

  Prediction Run(std::string_view text, const ClassifyOptions& options, Model::Scratch& scratch,
                 std::vector<uint32_t>& order) const {
    const Decision d = trainops::Classify(model, text, scratch, options.threshold);
    Prediction p;
    p.label = LabelName(model, d.label);
    p.confidence = d.empty ? 0.0f : d.confidence;
    p.rejected = d.rejected;
    p.empty = d.empty;
    p.reject_score = d.reject_score;
    p.coverage = d.coverage;
    TopK(scratch.probs, std::max<size_t>(1, options.top_k), order);
    p.alternatives.reserve(order.size());
    for (uint32_t k : order) p.alternatives.push_back({model.info.labels[k], scratch.probs[k]});
    if (model.info.multi_label) {
      thread_local std::vector<uint32_t> chosen;
      ChosenLabels(model, scratch.probs, options.threshold, d.empty, chosen);
      for (uint32_t k : chosen) p.labels.push_back({model.info.labels[k], scratch.probs[k]});
    }
    return p;
  }
};

Classifier::Classifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Classifier::~Classifier() = default;

namespace {

std::unique_ptr<Classifier::Impl> MakeImpl(Model model, std::string path, std::string id) {
  auto impl = std::make_unique<Classifier::Impl>();
  impl->model = std::move(model);
  if (impl->model.num_labels() == 0) {
    throw CorruptFileError(fmt::format("{}: the model has no labels; it is damaged: retrain it", path));
  }
  impl->path = std::move(path);
  impl->id = std::move(id);
  impl->info = ModelInfoToJson(impl->model.info);
  // Without the Bloom filter's bits: callers read the statistics; the drift monitor
  // measures traffic against the model's own filter inside the library.
  if (impl->model.reference_stats) impl->reference_stats = impl->model.reference_stats->ToJson(/*with_filter_bits=*/false);
  return impl;
}

}  // namespace

std::shared_ptr<const Classifier> Classifier::Load(const std::string& path) {
  Model model = LoadModel(path);
  return std::shared_ptr<const Classifier>(new Classifier(MakeImpl(std::move(model), path, ModelContentHash(path))));
}

std::shared_ptr<const Classifier> Classifier::FromBytes(std::string bytes, const std::string& name) {
  std::string id = ModelContentHashOfBytes(bytes);
  Model model = ModelFromSections(ArtifactReader(std::move(bytes), name, ArtifactKind::kModel));
  return std::shared_ptr<const Classifier>(new Classifier(MakeImpl(std::move(model), name, std::move(id))));
}

Prediction Classifier::Classify(std::string_view text) const { return Classify(text, ClassifyOptions{}); }

Prediction Classifier::Classify(std::string_view text, const ClassifyOptions& options) const {
  // Per-thread buffers, reused across calls: no allocation per text after the first. A
  // thread that moves to a model with another vocabulary size resizes them once.
  thread_local Model::Scratch scratch;
  thread_local std::vector<uint32_t> order;
  return impl_->Run(text, options, scratch, order);
}

std::vector<Prediction> Classifier::ClassifyBatch(const std::vector<std::string>& texts,
                                                  const ClassifyOptions& options, int threads) const {
  std::vector<Prediction> out(texts.size());
  ParallelFor(texts.size(), ResolveThreads(threads), [&](size_t, size_t begin, size_t end) {
    Model::Scratch scratch;
    std::vector<uint32_t> order;
    for (size_t i = begin; i < end; ++i) out[i] = impl_->Run(texts[i], options, scratch, order);
  });
  return out;
}

const std::vector<std::string>& Classifier::Labels() const { return impl_->model.info.labels; }
const std::string& Classifier::Id() const { return impl_->id; }
const std::string& Classifier::Task() const { return impl_->model.info.task; }
bool Classifier::IsMultiLabel() const { return impl_->model.info.multi_label; }

const std::string& Classifier::OosLabel() const { return impl_->model.info.oos_label; }
float Classifier::Threshold() const { return impl_->model.info.reject_threshold; }
const std::string& Classifier::Path() const { return impl_->path; }
const nlohmann::json& Classifier::Info() const { return impl_->info; }
const nlohmann::json& Classifier::ReferenceStats() const { return impl_->reference_stats; }

}  // namespace trainops
