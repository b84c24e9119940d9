#include "train/embedding_companion.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "common/error.h"
#include "eval/calibration.h"
#include "task/parameters.h"
#include "train/training_rows.h"

namespace trainops {
namespace {

double Accuracy(const Scored& scored, const EncodedData& data, size_t labels) {
  uint64_t rows = 0, correct = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data.labels[i] >= labels) continue;  // a label the model does not have
    ++rows;
    correct += scored.predicted[i] == data.labels[i];
  }
  return rows ? static_cast<double>(correct) / static_cast<double>(rows) : 0.0;
}

}  // namespace

Hyperparameters CompanionHyperparameters(const Hyperparameters& linear, int dim) {
  const ModelTypeDefaults defaults = DefaultsFor(ModelType::kEmbedding, /*multi_label=*/false);
  Hyperparameters h = linear;
  h.type = ModelType::kEmbedding;
  h.dim = dim;
  h.epochs = defaults.epochs;
  h.learning_rate = static_cast<float>(defaults.learning_rate);
  h.l2 = static_cast<float>(defaults.l2);
  h.seed = linear.seed + 0x636f6d70ull;  // "comp": another row order than the linear run's
  return h;
}

void FoldCompanionInto(Model& linear, const Model& embedding, float a, float c) {
  const size_t labels = linear.num_labels(), rows = linear.vocab.size(), dim = embedding.dim;
  if (linear.info.type != ModelType::kLinear || embedding.info.type != ModelType::kEmbedding ||
      embedding.num_labels() != labels || embedding.vocab.size() != rows || linear.dim != labels ||
      embedding.input.size() != rows * dim || embedding.output.size() != dim * labels ||
      linear.input.size() != rows * labels || embedding.bias.size() != labels || linear.bias.size() != labels) {
    throw InternalError("embedding companion: its shape does not match the linear model's");
  }
  std::vector<float> row(labels);
  for (size_t f = 0; f < rows; ++f) {
    // row = E_f O: the companion's logit contribution of one unit of feature f.
    std::fill(row.begin(), row.end(), 0.0f);
    const float* e = &embedding.input[f * dim];
    for (size_t h = 0; h < dim; ++h) {
      const float eh = e[h];
      const float* o = &embedding.output[h * labels];
      for (size_t k = 0; k < labels; ++k) row[k] += eh * o[k];
    }
    float* w = &linear.input[f * labels];
    for (size_t k = 0; k < labels; ++k) w[k] = a * w[k] + c * row[k];
  }
  for (size_t k = 0; k < labels; ++k) linear.bias[k] = a * linear.bias[k] + c * embedding.bias[k];
}

std::string CompanionValidationProblem(const EncodedData& validation, size_t labels) {
  const auto rows = static_cast<uint64_t>(
      std::count_if(validation.labels.begin(), validation.labels.end(), [labels](uint32_t l) { return l < labels; }));
  if (rows >= kMinCalibrationRows) return "";
  return fmt::format("{} validation rows of the model's labels, fewer than the {} the two models' temperatures are "
                     "fitted on: their logits cannot be put on one scale",
                     rows, kMinCalibrationRows);
}

nlohmann::json AddEmbeddingCompanion(Model& linear, const EncodedData& train, const EncodedData& selection,
                                     const EncodedData& validation, const std::vector<std::string>& validation_labels,
                                     const Hyperparameters& companion_hp, const TrainerOptions& base, int order_rank) {
  const auto start = std::chrono::steady_clock::now();
  const bool leader = !base.world || base.world->rank() == 0;
  Model embedding;
  embedding.info = linear.info;
  embedding.info.type = ModelType::kEmbedding;
  embedding.info.training = companion_hp.ToJson();
  embedding.extractor = linear.extractor;
  embedding.vocab = linear.vocab;
  embedding.idf = linear.idf;
  TrainerOptions options;
  options.hp = companion_hp;
  options.policy = base.policy;
  options.metric = base.metric;
  options.threads = base.threads;
  options.world = base.world;
  options.epoch_length = base.epoch_length;
  InMemoryRows rows(train, options.epoch_length, companion_hp.seed, order_rank);
  Trainer trainer(embedding, rows, selection, validation_labels, options);
  trainer.Start();
  const TrainerState& state = trainer.Run();
  if (!leader) return nullptr;
  trainer.ReleaseTrainingState();
  const Model best = trainer.BestModel();

  // Each model's own temperature, fitted on the same rows the shipped model's is.
  const size_t labels = linear.num_labels();
  const Scored linear_scored = ScoreEncoded(linear, validation, base.threads, /*keep_logits=*/true);
  const Scored companion_scored = ScoreEncoded(best, validation, base.threads, /*keep_logits=*/true);
  const TemperatureFit linear_fit = FitTemperatureGuarded(linear_scored.logits, validation.labels, labels);
  const TemperatureFit companion_fit = FitTemperatureGuarded(companion_scored.logits, validation.labels, labels);
  const nlohmann::json accuracy = {{"linear", Accuracy(linear_scored, validation, labels)},
                                   {"embedding", Accuracy(companion_scored, validation, labels)}};
  if (!linear_fit.fitted || !companion_fit.fitted) {
    // A temperature left at 1 says nothing about the model's scale (a model with no
    // validation errors would be near-certain of gibberish at the fitted one, and at 1
    // its logits are whatever size training left them): averaged unscaled, the larger
    // logits would decide.
    return {{"companion", "none"},
            {"why", fmt::format("trained, then left out: the {} model's temperature was not fitted ({})",
                                linear_fit.fitted ? "embedding" : "linear",
                                linear_fit.fitted ? companion_fit.reason : linear_fit.reason)},
            {"validation_accuracy", accuracy},
            {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
  }
  // The average of the calibrated logits, (1 - w) z_lin / T_lin + w z_emb / T_emb, times
  // T_lin: the same answers, on the linear model's own scale. The shipped model's
  // temperature is fitted afterwards, so the scale matters only where logits are read at
  // temperature 1: the out-of-scope score (Model::RejectionScore), whose threshold rule was
  // measured on the linear model's scale; at the calibrated scale the ensemble rejected 5
  // of CLINC150's 80 unseen out-of-scope rows fewer.
  const auto a = static_cast<float>(1 - kCompanionWeight);
  const auto c = static_cast<float>(kCompanionWeight * linear_fit.temperature / companion_fit.temperature);
  FoldCompanionInto(linear, best, a, c);
  const Scored folded = ScoreEncoded(linear, validation, base.threads, /*keep_logits=*/false);

  const double epoch_length = static_cast<double>(base.epoch_length ? base.epoch_length : train.size());
  nlohmann::json summary;
  summary["companion"] = "embedding";
  summary["how"] = "the embedding model's and the linear model's logits, each divided by its own temperature, "
                   "averaged with the weights below, multiplied by the linear model's temperature and folded into "
                   "one linear model";
  summary["weights"] = {{"linear", 1 - kCompanionWeight}, {"embedding", kCompanionWeight}};
  summary["hyperparameters"] = companion_hp.ToJson();
  summary["companion_best_epoch"] = static_cast<double>(state.best_step) / epoch_length;
  summary["companion_stop_reason"] = state.stop_reason;
  summary["temperatures"] = {{"linear", linear_fit.temperature}, {"embedding", companion_fit.temperature}};
  summary["validation_accuracy"] = accuracy;
  summary["validation_accuracy"]["ensemble"] = Accuracy(folded, validation, labels);
  summary["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace trainops
