// How much memory a run's data may take: whether it streams its training file, its
// feature cap and its streamed windows. One budget (training.memory_mb), so one file.
#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "common/error.h"

#include "train/memory_plan.h"
#include "train/row_cache.h"
#include "train/train_run_internal.h"
#include "train/world.h"

namespace trainops::train_internal {
namespace {

// Memory the in-memory path takes per byte of training file: the text itself, its TF-IDF
// row (8 bytes for each of ~2.5 n-grams per character with the default features) and the
// per-row vectors. Measured on the shared datasets: 17-24; rounded up.
constexpr double kInMemoryBytesPerFileByte = 25;
// A streamed run's rows in memory: two windows (the one training and the next being
// decoded), an eighth of training.memory_mb each but at most 128 MiB each, and the blocks
// being decoded. A window only sets how finely the rows are shuffled (its blocks come from
// all over the file), and on 2,000,000 rows windows of 78,000 rows trained as well as
// windows of 311,000 (bench/RESULTS.md, issue 26 item 14): past that size a window is
// memory that grows with the budget and buys nothing.
constexpr double kStreamedDataShare = 0.25;
constexpr double kMaxStreamedDataBytes = 256.0 * 1048576;

double StreamedDataBytes(const TaskSpec& spec) {
  return std::min(static_cast<double>(spec.training.memory_mb) * 1048576 * kStreamedDataShare, kMaxStreamedDataBytes);
}

// In memory every rank loads the whole file's texts (about 2 bytes a byte) and encodes
// its 1/N share of the rows.
double InMemoryDataBytes(double file_bytes, const World& world) {
  return file_bytes * (2 + (kInMemoryBytesPerFileByte - 2) / world.size());
}

double FileBytes(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = p.empty() ? 0 : std::filesystem::file_size(p, ec);
  return ec ? 0.0 : static_cast<double>(n);
}

// Bytes a decoded row takes: 8 per n-gram (id and value) and two vectors' headers and
// allocations; measured with 145 n-grams a row at 1.3x the n-grams' bytes.
double DecodedRowBytes(double features_per_row) { return 8 * std::max(1.0, features_per_row) * 1.2 + 120; }

}  // namespace

StreamingChoice ChooseStreaming(const TaskSpec& spec, const World& world) {
  if (spec.training.streaming == "on") return {true, "training.streaming: on"};
  if (spec.training.streaming == "off") return {false, "training.streaming: off"};
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(spec.data.train, ec);
  if (ec) return {false, "the training file's size is unknown"};
  // Half of the budget at most: the other half is the model's (MemoryPlan).
  const double need = InMemoryDataBytes(static_cast<double>(bytes), world);
  const double budget = static_cast<double>(spec.training.memory_mb) * 1024 * 1024 / 2;
  return {need > budget, fmt::format("training.streaming: auto; holding {} ({} bytes) in memory would take about "
                                     "{:.0f} MiB per process, {} half of training.memory_mb {}",
                                     spec.data.train.string(), bytes, need / 1048576,
                                     need > budget ? "over" : "within", spec.training.memory_mb)};
}

std::string NoCompanionReason(const TaskSpec& spec, const Hyperparameters& hp, bool streamed) {
  if (spec.model.ensemble == "none") return "model.ensemble is none";
  if (hp.type != ModelType::kLinear) return "the model is not linear";
  if (spec.data.multi_label) return "a multi-label model ships the average of its cross-fit fold models instead";
  if (streamed) return "a streamed run does not hold its training rows for a second model";
  return "";
}

// The feature cap of this run, from its memory plan (train/memory_plan.h): the rows in
// memory (or the two streamed windows, StreamedDataBytes) and the validation file's rows
// leave the rest of training.memory_mb to the model, and without model.max_features the
// default cap bounds it. Called once the label count and the number of candidate n-grams
// are known; `plan` keeps what was decided for run.json.
FeatureCap PlannedFeatureCap(const TaskSpec& spec, const Hyperparameters& hp, bool streamed, const World& world,
                             MemoryPlan& plan) {
  const double data = streamed ? StreamedDataBytes(spec) : InMemoryDataBytes(FileBytes(spec.data.train), world);
  const double validation = FileBytes(spec.data.validation) * kInMemoryBytesPerFileByte;
  const int companion_dim = NoCompanionReason(spec, hp, streamed).empty() ? spec.model.dim : 0;
  return [&spec, &hp, &plan, data, validation, companion_dim](size_t labels, uint64_t seen) -> int64_t {
    plan = PlanMemory(spec.training.memory_mb, spec.model.max_features, hp, labels, data, validation,
                      hp.features.buckets, companion_dim);
    plan.features_seen = static_cast<int64_t>(seen);
    return plan.feature_cap;
  };
}

// Rows a streamed window holds (MemoryPlan counts the two of them as StreamedDataBytes), in
// whole cache blocks.
size_t WindowBlocks(const TaskSpec& spec, double features_per_row) {
  const double row_bytes = DecodedRowBytes(features_per_row);
  const double rows = StreamedDataBytes(spec) / 2 / row_bytes;
  return std::max<size_t>(1, static_cast<size_t>(rows / RowCacheWriter::kBlockRows));
}

}  // namespace trainops::train_internal
