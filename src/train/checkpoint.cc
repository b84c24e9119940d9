#include "train/checkpoint.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/binary_io.h"
#include "common/error.h"
#include "common/fault_injection.h"
#include "model/artifact_file.h"
#include "model/model_io.h"

namespace trainops {

nlohmann::json TrainerState::ToJson() const {
  return {{"epoch", epoch},
          {"position", position},
          {"step", step},
          {"total_steps", total_steps},
          {"best_metric", best_metric},
          {"best_loss", best_loss},
          {"best_step", best_step},
          {"best_checkpoint", best_checkpoint},
          {"since_best", since_best},
          {"elapsed_seconds", elapsed_seconds},
          {"finished", finished},
          {"stop_reason", stop_reason},
          {"history", history}};
}

TrainerState TrainerState::FromJson(const nlohmann::json& j) {
  TrainerState s;
  s.epoch = j.at("epoch").get<uint32_t>();
  s.position = j.at("position").get<uint64_t>();
  s.step = j.at("step").get<uint64_t>();
  s.total_steps = j.at("total_steps").get<uint64_t>();
  s.best_metric = j.at("best_metric").get<double>();
  s.best_loss = j.at("best_loss").get<double>();
  s.best_step = j.at("best_step").get<uint64_t>();
  s.best_checkpoint = j.at("best_checkpoint").get<std::string>();
  s.since_best = j.at("since_best").get<int>();
  s.elapsed_seconds = j.at("elapsed_seconds").get<double>();
  s.finished = j.at("finished").get<bool>();
  s.stop_reason = j.at("stop_reason").get<std::string>();
  s.history = j.at("history");
  return s;
}

std::string CheckpointFileName(uint64_t step) { return fmt::format("step-{:010d}.ckpt", step); }

namespace {

#ifdef TRAINOPS_FAULT_INJECTION
bool FaultKillRequested(const TrainerState& state) {
  return fault::Requested(fault::kKillDuringCheckpoint, std::to_string(state.history.size()));
}

// Simulates a crash mid-write: the first half of the bytes reach the temporary file, then
// the process dies without cleanup, exactly as under SIGKILL or power loss.
[[noreturn]] void WriteHalfThenDie(const ArtifactWriter& writer, AtomicFile& file) {
  const uint64_t half = writer.FileSize() / 2;
  uint64_t written = 0;
  writer.Emit(ArtifactKind::kCheckpoint, [&](std::string_view bytes) {
    if (written + bytes.size() >= half) {
      file.Write(bytes.substr(0, half - written));
      file.Flush();
      fault::KillNow();
    }
    file.Write(bytes);
    written += bytes.size();
  });
  fault::KillNow();
}
#endif

}  // namespace

void WriteCheckpoint(const std::filesystem::path& path, const Model& model,
                     const OptimizerState& optimizer, const TrainerState& state) {
  // Sections borrow the weight and optimizer arrays and stream them to the file: a
  // checkpoint is ~70 MB, and concatenating it first cost two extra copies per epoch.
  ArtifactWriter writer;
  AddModelSections(model, writer);
  ChunkedBytes opt;
  opt.BorrowArray(optimizer.input);
  opt.BorrowArray(optimizer.output);
  opt.BorrowArray(optimizer.bias);
  writer.Add("OPTI", std::move(opt));
  writer.Add("STAT", state.ToJson().dump());

  AtomicFile file(path);
#ifdef TRAINOPS_FAULT_INJECTION
  if (FaultKillRequested(state)) WriteHalfThenDie(writer, file);
#endif
  writer.WriteTo(file, ArtifactKind::kCheckpoint);
  file.Commit();
}

LoadedCheckpoint ReadCheckpoint(const std::filesystem::path& path) {
  ArtifactReader reader = ReadArtifact(path, ArtifactKind::kCheckpoint);
  LoadedCheckpoint loaded;
  loaded.model = ModelFromSections(reader);
  BinaryReader opt(reader.Get("OPTI"), path.string());
  loaded.optimizer.input = opt.Array<float>();
  loaded.optimizer.output = opt.Array<float>();
  loaded.optimizer.bias = opt.Array<float>();
  try {
    loaded.state = TrainerState::FromJson(nlohmann::json::parse(reader.Get("STAT")));
  } catch (const std::exception& e) {
    throw CorruptFileError(fmt::format("{}: trainer state is unreadable ({})", path.string(), e.what()));
  }
  return loaded;
}

std::optional<std::filesystem::path> FindLatestCheckpoint(const std::filesystem::path& dir,
                                                          std::vector<std::string>& warnings) {
  if (!std::filesystem::is_directory(dir)) return std::nullopt;
  std::vector<std::filesystem::path> candidates;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("step-") && name.ends_with(".ckpt")) candidates.push_back(entry.path());
  }
  // Names embed the zero-padded step, so name order is step order.
  std::sort(candidates.rbegin(), candidates.rend());
  for (const auto& path : candidates) {
    try {
      ReadArtifact(path, ArtifactKind::kCheckpoint);
      return path;
    } catch (const InputError& e) {
      warnings.push_back(fmt::format("skipping damaged checkpoint: {}", e.what()));
    }
  }
  return std::nullopt;
}

}  // namespace trainops
