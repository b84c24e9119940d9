#include "train/autotune.h"

#include <chrono>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "train/feature_space.h"
#include "train/trainer.h"

namespace trainops {
namespace {

using Clock = std::chrono::steady_clock;

Hyperparameters Sample(const Hyperparameters& defaults, std::mt19937_64& rng) {
  auto pick = [&](auto const& options) { return options[rng() % options.size()]; };
  auto uniform = [&] { return static_cast<double>(rng() >> 11) / static_cast<double>(1ull << 53); };
  Hyperparameters h = defaults;
  h.learning_rate = static_cast<float>(defaults.learning_rate * std::exp((uniform() * 2 - 1) * std::log(4.0)));
  h.epochs = std::array{10, 15, 20, 30, 40, 50}[rng() % 6];
  h.features.word_ngrams = std::array{1, 2, 3}[rng() % 3];
  const std::array<std::pair<int, int>, 6> char_ranges = {{{0, 0}, {2, 4}, {2, 5}, {3, 5}, {1, 4}, {3, 6}}};
  auto [cmin, cmax] = pick(char_ranges);
  h.features.char_ngram_min = cmin;
  h.features.char_ngram_max = cmax;
  h.min_count = std::array{1, 1, 2}[rng() % 3];
  h.l2 = std::array{0.0f, 1e-7f, 1e-6f, 1e-5f}[rng() % 4];
  if (h.type == ModelType::kEmbedding) h.dim = std::array{50, 100, 200}[rng() % 3];
  return h;
}

}  // namespace

AutotuneResult Autotune(const TaskSpec& spec, const Hyperparameters& defaults,
                        const TrainingData& data, int threads,
                        const std::function<void(const std::string&)>& info) {
  const double budget = spec.training.autotune_seconds;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  std::mt19937_64 rng(spec.seed ^ 0x6175746f74756e65ull);  // "autotune"
  AutotuneResult result;
  result.best = defaults;
  double best_metric = -1;
  nlohmann::json trials = nlohmann::json::array();
  for (int trial = 0; elapsed() < budget; ++trial) {
    Hyperparameters h = trial == 0 ? defaults : Sample(defaults, rng);
    const auto trial_start = Clock::now();
    Model model;
    model.info.type = h.type;
    model.info.labels = data.labels;
    model.info.features = h.features;
    model.extractor = FeatureExtractor(h.features);
    BuildFeatureSpace(data.train.texts, h.min_count, threads, model);
    EncodedData train = EncodeExamples(model, data.train.texts, data.train.labels, data.train.weights, threads);
    EncodedData validation = EncodeExamples(model, data.validation.texts, data.validation.labels, threads);
    if (data.multi_label) {
      train.SetLabelSets(data.train.label_sets);
      validation.SetLabelSets(data.validation.label_sets);
    }
    TrainerOptions options;
    options.hp = h;
    options.policy = spec.checkpoints;
    options.metric = spec.metric;
    options.threads = threads;
    options.time_limit_seconds = std::max(1.0, budget - elapsed());
    Trainer trainer(model, train, validation, data.validation_labels, options);
    trainer.Start();
    const TrainerState& state = trainer.Run();
    const double seconds = std::chrono::duration<double>(Clock::now() - trial_start).count();
    // Keep the epoch count that reached the best checkpoint (rounded up), so the final
    // run does not train past the point validation liked.
    Hyperparameters chosen = h;
    chosen.epochs = std::max(1, static_cast<int>(std::ceil(
                                    static_cast<double>(state.best_step) / static_cast<double>(train.size()))));
    trials.push_back({{"trial", trial},
                      {"hyperparameters", h.ToJson()},
                      {"validation_metric", state.best_metric},
                      {"best_epoch", chosen.epochs},
                      {"seconds", seconds},
                      {"stop_reason", state.stop_reason}});
    if (info) {
      info(fmt::format("autotune trial {}: {} {:.4f} ({:.1f}s)", trial, spec.metric.ToString(),
                       state.best_metric, seconds));
    }
    if (state.best_metric > best_metric && state.stop_reason != "time limit reached") {
      best_metric = state.best_metric;
      result.best = chosen;
      result.report["chosen_trial"] = trial;
    }
  }
  result.report["budget_seconds"] = budget;
  result.report["seconds"] = elapsed();
  result.report["trials"] = trials;
  result.report["best_validation_metric"] = best_metric;
  result.report["chosen"] = result.best.ToJson();
  return result;
}

}  // namespace trainops
