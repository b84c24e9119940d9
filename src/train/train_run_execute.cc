// The run itself, shared by fresh and resumed runs; its validation-side steps (rejection
// threshold, reference statistics) are in train_run_validation.cc, and the entry points
// that set up or check the run folder in train_run.cc.
#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/fault_injection.h"
#include "common/parallel.h"
#include "eval/calibration.h"
#include "eval/label_thresholds.h"
#include "model/inference.h"
#include "model/model_io.h"
#include "model/reference_stats.h"
#include "train/cross_fit.h"
#include "train/embedding_companion.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"
#include "train/memory_plan.h"
#include "train/streamed_data.h"
#include "train/streamed_rows.h"
#include "train/train_run_internal.h"
#include "train/trainer.h"
#include "train/training_data.h"
#include "train/world.h"

namespace trainops::train_internal {
namespace {

using Clock = std::chrono::steady_clock;

// Removes this rank's row cache when the run ends, however it ends: a resumed run makes a
// new one, and the cache is the size of the training file or more.
struct CacheRemover {
  std::filesystem::path file, dir;
  ~CacheRemover() {
    std::error_code ec;
    if (!file.empty()) std::filesystem::remove(file, ec);
    if (!dir.empty()) std::filesystem::remove(dir, ec);  // only once empty (the last rank)
  }
};

}  // namespace

// Everything below is shared by fresh and resumed runs. `loaded` is the training data in
// memory, or null for a streamed run (which reads it here, in its first pass, and takes the
// files' fingerprints from `fingerprints`, the lineage its caller has already checked).
TrainOutcome Execute(const TaskSpec& spec, Hyperparameters hp, nlohmann::json autotune,
                     const Paths& paths, int threads, const TrainCallbacks& callbacks,
                     const TrainingData* loaded, const nlohmann::json& fingerprints,
                     std::optional<LoadedCheckpoint> resume_from) {
  const auto wall_start = Clock::now();
  // A streamed run's row cache keeps each row's distinct ids, not which were word n-grams:
  // one norm over all (run.json hyperparameters.feature_norm says so).
  if (!loaded) hp.features.block_norm = false;
  // Where a run's wall time went (run.json: phase_seconds): what a user tuning a run's
  // speed needs first, and what the benches report next to the whole process's time.
  nlohmann::json phases = nlohmann::json::object();
  auto phase_start = wall_start;
  const auto end_phase = [&](const char* name) {
    const auto now = Clock::now();
    phases[name] = std::chrono::duration<double>(now - phase_start).count();
    phase_start = now;
  };
  Model model;
  model.info.type = hp.type;
  model.info.features = hp.features;
  model.info.text_column = spec.data.text_column;
  model.info.label_column = spec.data.label_column;
  model.info.task = spec.name;
  model.info.training = hp.ToJson();
  model.info.multi_label = spec.data.multi_label;
  model.info.label_separator = spec.data.label_separator;
  model.extractor = FeatureExtractor(hp.features);
  World& world = World::Get();
  const bool leader = world.rank() == 0;
  LabelledTexts shard_storage;
  EncodedData train;
  std::optional<StreamedTrainingData> streamed;
  CacheRemover cache_remover;
  nlohmann::json streaming = nullptr;
  uint64_t local_rows = 0;
  // The test of identical shards (fault_injection.h): every rank all rows, one order.
  const bool identical_shards = fault::kEnabled && fault::Requested(fault::kIdenticalShards, "1");
  MemoryPlan memory;
  const FeatureCap feature_cap = PlannedFeatureCap(spec, hp, loaded == nullptr, world, memory);
  if (loaded) {
    // This rank's rows: every size()-th training row (all of them in a single process).
    if (world.distributed() && !identical_shards) {
      for (size_t i = static_cast<size_t>(world.rank()); i < loaded->train.texts.size();
           i += static_cast<size_t>(world.size())) {
        shard_storage.texts.push_back(loaded->train.texts[i]);
        shard_storage.labels.push_back(loaded->train.labels[i]);
        if (!loaded->train.label_sets.empty()) shard_storage.label_sets.push_back(loaded->train.label_sets[i]);
        if (!loaded->train.weights.empty()) shard_storage.weights.push_back(loaded->train.weights[i]);
      }
    }
    const LabelledTexts& shard = world.distributed() && !identical_shards ? shard_storage : loaded->train;
    const size_t labels = loaded->labels.size();
    BuildFeatureSpace(shard.texts, hp.min_count, threads, model, &world,
                      [&](uint64_t seen) { return feature_cap(labels, seen); });
    train = EncodeExamples(model, shard.texts, shard.labels, shard.weights, threads);
    if (loaded->multi_label) train.SetLabelSets(shard.label_sets);
    local_rows = train.size();
  } else {
    const auto pass_start = Clock::now();
    cache_remover.dir = paths.dir / "cache";
    std::filesystem::create_directories(cache_remover.dir);
    cache_remover.file = cache_remover.dir / fmt::format("train-rank{}.rows", world.rank());
    streamed = StreamTrainingData(spec, fingerprints, cache_remover.file, threads, world, model, feature_cap);
    local_rows = streamed->rows;
    for (const auto& problem : streamed->data.skipped) Info(callbacks, "skipped row: " + problem.ToString());
    if (streamed->skipped_rows > streamed->data.skipped.size()) {
      Info(callbacks, fmt::format("... {} skipped rows in all", streamed->skipped_rows));
    }
    streaming = {{"first_pass_seconds", std::chrono::duration<double>(Clock::now() - pass_start).count()},
                 {"cache_bytes", streamed->cache.bytes},
                 {"cache_blocks", streamed->cache.block_rows.size()},
                 {"block_rows", RowCacheWriter::kBlockRows},
                 {"features_per_row", streamed->features_per_row},
                 {"validation_capped", streamed->validation_capped},
                 {"reference_words_sampled", streamed->words_sampled},
                 {"skipped_rows", streamed->skipped_rows}};
    Info(callbacks, fmt::format("streamed {}: {} training rows on this process into a {:.1f} MiB row cache, {} "
                                "validation rows, {} labels",
                                spec.data.train.string(), streamed->rows,
                                static_cast<double>(streamed->cache.bytes) / 1048576,
                                streamed->data.validation.texts.size(), streamed->data.labels.size()));
  }
  const TrainingData& data = loaded ? *loaded : streamed->data;
  model.info.labels = data.labels;
  model.info.lineage = data.lineage;
  const std::vector<uint64_t> rows_per_rank = world.Gather(local_rows);
  const uint64_t epoch_length = *std::max_element(rows_per_rank.begin(), rows_per_rank.end());
  EncodedData validation =
      EncodeExamples(model, data.validation.texts, data.validation.labels, threads);
  if (data.multi_label) validation.SetLabelSets(data.validation.label_sets);
  // Out-of-scope rows in the threshold-only set-up are no class the model can answer, so in
  // checkpoint selection they would only add a constant error; they serve the rejection
  // threshold (and the reference statistics) instead.
  const std::optional<uint32_t> held_oos = ValidationOnlyOosLabel(spec, data);
  const EncodedData in_scope_storage = held_oos ? WithoutLabel(validation, *held_oos) : EncodedData{};
  const EncodedData& in_scope = held_oos ? in_scope_storage : validation;
  std::unique_ptr<TrainingRows> rows;
  if (streamed) {
    const size_t window_blocks = WindowBlocks(spec, streamed->features_per_row);
    streaming["window_blocks"] = window_blocks;
    streaming["window_rows"] = window_blocks * RowCacheWriter::kBlockRows;
    rows = std::make_unique<StreamedRows>(streamed->cache, model, streamed->label_remap, epoch_length, hp.seed,
                                          world.rank(), window_blocks, threads, streamed->set_remap);
  } else {
    rows = std::make_unique<InMemoryRows>(train, epoch_length, hp.seed, identical_shards ? 0 : world.rank());
  }
  Info(callbacks, fmt::format("features: {} n-grams kept from {} training texts ({} labels)",
                              model.vocab.size(), local_rows, data.labels.size()));
  memory.features_kept = static_cast<int64_t>(model.vocab.size());
  // Freed memory goes back to the OS only when the weights are large enough for the
  // memory plan to matter: a small run reuses it at once, and memory taken back costs a
  // page fault per 4 KB (~10 us on a VM; a tenth of a 1,000-row run's time).
  const size_t weight_columns = std::max(data.labels.size(), static_cast<size_t>(std::max(hp.dim, 0)));
  const bool release_freed_memory = model.vocab.size() * weight_columns * sizeof(float) >= kSmallRunWeightBytes;
  if (release_freed_memory) ReleaseFreedMemory();  // the feature counts and the first pass's buffers
  if (memory.cap_from != "model.max_features" && memory.features_seen > memory.features_kept) {
    // A cap the run chose itself (the user's own needs no saying).
    const std::string cap =
        memory.cap_from == "default"
            ? fmt::format("the default cap (set model.max_features to keep more, within training.memory_mb {})",
                          spec.training.memory_mb)
            : fmt::format("the cap training.memory_mb {} leaves room for ({:.0f} bytes a feature; set "
                          "model.max_features to choose another)",
                          spec.training.memory_mb, memory.bytes_per_feature);
    Info(callbacks, fmt::format("features: kept the {} most frequent of {} n-grams, {}", memory.features_kept,
                                memory.features_seen, cap));
  }

  TrainerOptions options;
  options.hp = hp;
  options.policy = spec.checkpoints;
  options.metric = spec.metric;
  options.threads = threads;
  options.checkpoint_dir = leader ? paths.checkpoints : std::filesystem::path();
  options.on_progress = leader ? callbacks.on_progress : nullptr;
  options.world = &world;
  options.epoch_length = epoch_length;
  // metrics.jsonl gets one line per checkpoint as it happens, so a watcher can follow it.
  // The whole file is rewritten atomically each time (temp file, fsync, rename; a few KB):
  // an append cut short by a crash would leave a torn last line for resume and the
  // registry to trip on, and an unchecked stream would lose a line on a full disk.
  // A background task writes it, one write in flight at a time, in checkpoint order: its
  // two fsyncs took ~4 ms a checkpoint on the training thread (40 ms of a 1,000-row run).
  // A failed write surfaces at the next checkpoint or when training ends.
  std::string metrics_lines;
  std::future<void> metrics_write;
  // A small multi-label run trains its cross-fit's fold models on the core its training
  // leaves idle (train/cross_fit.h), each up to the checkpoint selected so far.
  std::unique_ptr<CrossFitRunner> cross_fit_runner;
  if (data.multi_label && !streamed &&
      CrossFitRunner::Applies(train, model.vocab.size() * weight_columns, kCrossFitFolds, threads, world.size())) {
    cross_fit_runner = std::make_unique<CrossFitRunner>(model, train, hp, kCrossFitFolds);
    if (resume_from) {
      cross_fit_runner->SelectedSoFar(static_cast<double>(resume_from->state.best_step) /
                                      static_cast<double>(epoch_length));
    }
  }
  if (leader) options.on_checkpoint = [&](const nlohmann::json& record) {
    if (cross_fit_runner && record.value("best", false)) {
      cross_fit_runner->SelectedSoFar(record.at("step").get<double>() / static_cast<double>(epoch_length));
    }
    metrics_lines += record.dump() + "\n";
    if (metrics_write.valid()) metrics_write.get();
    metrics_write = std::async(std::launch::async, [&paths, lines = metrics_lines] {
      WriteFileAtomically(paths.metrics, lines);
    });
    if (callbacks.on_checkpoint) callbacks.on_checkpoint(record);
  };
  end_phase("features");
  Trainer trainer(model, *rows, in_scope, data.validation_labels, options);
  // A resumed run's throughput counts the steps this process did, not the checkpoint's.
  const uint64_t steps_before = resume_from ? resume_from->state.step : 0;
  if (resume_from) {
    // Rewrite metrics.jsonl from the checkpoint's history: lines written after that
    // checkpoint belong to the part of the run being redone.
    for (const auto& record : resume_from->state.history) metrics_lines += record.dump() + "\n";
    if (leader) WriteFileAtomically(paths.metrics, metrics_lines);
    trainer.Resume(std::move(*resume_from));
  } else {
    trainer.Start();
  }
  const auto train_start = Clock::now();
  const TrainerState& state = trainer.Run();
  if (metrics_write.valid()) metrics_write.get();
  const double train_seconds = std::chrono::duration<double>(Clock::now() - train_start).count();
  end_phase("training");

  Model best;
  if (leader) {
    // The optimizer's accumulators and the checkpoint snapshot are done with: freed before
    // the selected checkpoint is read back, so the end of a run peaks no higher than its
    // training (MemoryPlan counts four copies of the weights). A small run keeps them and
    // writes its last checkpoint file while it calibrates (waiting for that write cost a
    // 1,000-row run 2-35 ms of fsync).
    if (release_freed_memory) {
      trainer.ReleaseTrainingState();
      ReleaseFreedMemory();
    }
    best = trainer.BestModel();
    best.extractor = FeatureExtractor(best.info.features);
  }
  // The embedding companion (train/embedding_companion.h), folded into the selected linear
  // model before it is quantized and calibrated. Every rank trains it (a collective step).
  nlohmann::json ensemble;
  std::string no_companion = NoCompanionReason(spec, hp, streamed.has_value());
  if (no_companion.empty()) no_companion = CompanionValidationProblem(validation, data.labels.size());
  if (no_companion.empty()) {
    // The training model's weights are done with (the selected ones are in `best`): freed
    // so that the companion phase holds one linear model, as the memory plan counts.
    std::vector<float>().swap(model.input);
    std::vector<float>().swap(model.output);
    ensemble = AddEmbeddingCompanion(leader ? best : model, train, in_scope, validation, data.validation_labels,
                                     CompanionHyperparameters(hp, spec.model.dim), options,
                                     identical_shards ? 0 : world.rank());
    if (leader && ensemble["companion"] == "embedding") {
      Info(callbacks, fmt::format("ensemble: embedding companion (dim {}) folded in; validation accuracy linear {:.4f}, "
                                  "embedding {:.4f}, both {:.4f}",
                                  spec.model.dim, ensemble["validation_accuracy"]["linear"].get<double>(),
                                  ensemble["validation_accuracy"]["embedding"].get<double>(),
                                  ensemble["validation_accuracy"]["ensemble"].get<double>()));
    }
  } else {
    ensemble = {{"companion", "none"}, {"why", no_companion}};
  }
  // Said only when a companion was asked for: the default trains none.
  if (leader && spec.model.ensemble == "embedding" && ensemble["companion"] != "embedding") {
    Info(callbacks, "ensemble: no companion (" + ensemble["why"].get<std::string>() + ")");
  }
  if (!leader) return {};  // rank 0 holds the same weights and writes the run
  end_phase("ensemble");
  // The model file stores int8 weights; calibrate the weights that will actually ship.
  best.input = QuantizeRoundTrip(best.input, best.dim);
  // Calibrate: temperature fitted on validation logits of the selected checkpoint.
  Scored scored = ScoreEncoded(best, validation, threads, /*keep_logits=*/true);
  nlohmann::json calibration_json, rejection = nullptr, multi_label = nullptr;
  if (data.multi_label) {
    // Sigmoids per label: Platt scaling and a threshold per label (eval/label_thresholds.h);
    // no temperature, no out-of-scope rejection (the empty set says "none of the intents").
    // Fitted on the validation rows and the training rows' out-of-fold scores
    // (train/cross_fit.h): ten times the rows a per-label threshold would otherwise rest on.
    const double best_epochs = static_cast<double>(state.best_step) / static_cast<double>(epoch_length);
    // A linear model ships the average of the fold models (its logits are the mean of
    // theirs, the scores the thresholds are fitted on): on NLU++ hotels this bagging beat
    // the single selected model by more than a point of micro-F1 (docs/evaluation.md).
    // A streamed run never holds its training rows, so it fits on validation alone (at
    // the sizes streaming is for, validation has thousands of rows a label) and ships
    // the selected checkpoint.
    const bool cross_fit = !streamed;
    const bool bag = cross_fit && best.info.type == ModelType::kLinear;
    Model bagged;
    std::vector<float> logits;
    std::vector<std::vector<uint32_t>> gold;
    if (cross_fit) {
      logits = cross_fit_runner
                   ? cross_fit_runner->Finish(best_epochs, threads, bag ? &bagged : nullptr)
                   : OutOfFoldLogits(best, train, hp, best_epochs, kCrossFitFolds, threads, bag ? &bagged : nullptr);
      gold.reserve(train.size() + validation.size());
      for (size_t i = 0; i < train.size(); ++i) {
        gold.emplace_back(train.set_labels.begin() + static_cast<ptrdiff_t>(train.set_offsets[i]),
                          train.set_labels.begin() + static_cast<ptrdiff_t>(train.set_offsets[i + 1]));
      }
    }
    if (bag) {
      best.input = QuantizeRoundTrip(bagged.input, best.dim);
      best.bias = bagged.bias;
      scored = ScoreEncoded(best, validation, threads, /*keep_logits=*/true);
    }
    logits.insert(logits.end(), scored.logits.begin(), scored.logits.end());
    gold.insert(gold.end(), data.validation.label_sets.begin(), data.validation.label_sets.end());
    const MultiLabelFit fit = FitMultiLabel(logits, best.num_labels(), gold);
    best.info.calibration_scale = fit.scale;
    best.info.calibration_offset = fit.offset;
    best.info.label_thresholds = fit.thresholds;
    best.info.unseen_feature_idf = model.info.unseen_feature_idf;
    multi_label = fit.summary;
    multi_label["shipped_model"] = bag ? fmt::format("the average of {} fold models, each trained on {} of the "
                                                     "training rows for {:.2f} epochs (the selected checkpoint's)",
                                                     kCrossFitFolds, "four fifths", best_epochs)
                                       : std::string("the selected checkpoint");
    multi_label["fit_rows"] = {{"out_of_fold_training_rows", cross_fit ? train.size() : 0},
                               {"validation_rows", validation.size()}};
    if (!cross_fit) multi_label["fit_rows"]["why_validation_only"] = "a streamed run does not hold its training rows";
    calibration_json = fit.summary["calibration"];
    best.reference_stats = MultiLabelReferenceStats(
        best, data, streamed ? std::move(streamed->train_words) : WordFilter::FromTexts(data.train.texts),
        scored.logits, validation.coverage);
    Info(callbacks, fmt::format("calibration: Platt scaling per label; thresholds per label around the global {:.3g} "
                                "(validation micro-F1 {:.4f} at it)",
                                fit.global_threshold, fit.summary["thresholds"]["global_validation_micro_f1"].get<double>()));
  } else {
    // Rows of labels the model lacks (out-of-scope among them) are left out of the fit.
    const TemperatureFit calibration = FitTemperatureGuarded(scored.logits, validation.labels, best.num_labels());
    calibration_json = calibration.ToJson();
    best.info.temperature = calibration.temperature;
    Info(callbacks, fmt::format("calibration: temperature {:.3g} ({})", calibration.temperature, calibration.reason));
    // Rejection score (model.h, docs/evaluation.md): a model that never saw out-of-scope
    // text has only the n-grams it does not know as evidence of it, so it compares the
    // coverage-scaled probability; one trained with the out-of-scope label as a class (its
    // threshold tuned on out-of-scope validation rows) keeps the calibrated confidence.
    best.info.unseen_feature_idf = model.info.unseen_feature_idf;
    const bool oos_is_class = !spec.oos_label.empty() && std::find(best.info.labels.begin(), best.info.labels.end(),
                                                                    spec.oos_label) != best.info.labels.end();
    best.info.reject_score = oos_is_class ? RejectScore::kProbability : RejectScore::kCoverageProbability;
    const std::vector<Decision> decisions = ValidationDecisions(best, scored.logits, validation.coverage);
    rejection = ChooseRejection(spec, data, decisions, best);
    if (held_oos && rejection.is_object()) {
      rejection["threshold_only_oos_rows"] = validation.size() - in_scope.size();
    }
    if (rejection.is_object()) Info(callbacks, "rejection: " + rejection["rationale"].get<std::string>());
    best.reference_stats = ValidationReferenceStats(
        best, data, streamed ? std::move(streamed->train_words) : WordFilter::FromTexts(data.train.texts), decisions);
  }
  end_phase("calibration");
  trainer.FinishPendingWrite();
  SaveModel(best, paths.model);
  end_phase("writing_model");

  const auto& best_record = [&]() -> const nlohmann::json& {
    for (const auto& r : state.history)
      if (r["step"] == state.best_step) return r;
    return state.history.back();
  }();
  const double wall = std::chrono::duration<double>(Clock::now() - wall_start).count();
  nlohmann::json run;
  run["task"] = spec.name;
  run["spec_path"] = spec.spec_path.string();
  run["spec"] = nlohmann::json::parse(ReadFile(paths.config))["spec_yaml"];
  run["data"] = data.lineage;
  run["labels"] = data.labels;
  run["hyperparameters"] = hp.ToJson();
  run["autotune"] = autotune;
  run["threads"] = threads;
  // Data-parallel runs: how many processes, and the training rows each one trained on.
  run["world_size"] = world.size();
  run["rows_per_rank"] = rows_per_rank;
  run["metric"] = spec.metric.ToString();
  run["chosen_checkpoint"] = {{"file", (std::filesystem::path("checkpoints") / state.best_checkpoint).string()},
                              {"step", state.best_step},
                              {"epoch", best_record["epoch"]},
                              {"validation_metric", state.best_metric},
                              {"validation_loss", best_record["validation_loss"]},
                              {"validation_accuracy", best_record["validation_accuracy"]}};
  run["validation_metric"] = state.best_metric;
  run["checkpoints"] = state.history.size();
  run["stop_reason"] = state.stop_reason;
  run["temperature"] = best.info.temperature;
  run["calibration"] = calibration_json;
  run["ensemble"] = ensemble;
  if (data.multi_label) run["multi_label"] = multi_label;
  run["reference_stats"] = best.reference_stats ? best.reference_stats->Summary() : nlohmann::json(nullptr);
  run["rejection"] = rejection;
  run["features"] = model.vocab.size();
  run["train_examples"] = local_rows;
  run["streaming"] = streaming;
  run["validation_examples"] = validation.size();
  run["train_seconds"] = train_seconds;
  run["wall_seconds"] = wall;
  run["phase_seconds"] = phases;
  const double trained_examples = static_cast<double>(state.step - steps_before) * world.size();
  run["examples_per_second"] = train_seconds > 0 ? trained_examples / train_seconds : 0.0;
  run["model_path"] = paths.model.string();
  run["model_bytes"] = std::filesystem::file_size(paths.model);
  run["skipped_rows"] = streamed ? streamed->skipped_rows : data.skipped.size();
  // Planned and measured: the measured peak is the whole process's so far (the pre-train
  // data check included).
  run["memory"] = memory.ToJson(PeakResidentMb());
  WriteFileAtomically(paths.run, run.dump(2) + "\n");
  return {paths.model, run};
}

}  // namespace trainops::train_internal
