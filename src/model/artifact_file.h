// The container shared by model files and checkpoints (docs/model_format.md):
//   magic "TRAINOPS" | u32 format version | u32 kind | u64 payload size | payload | u64 xxh3
// where the payload is a sequence of sections (4-char tag, u64 size, bytes) and the trailing
// checksum covers everything before it. Readers check magic, version, kind, size and
// checksum before looking at any section, so truncated, corrupted, foreign or newer files
// are refused with a message instead of being half-read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/binary_io.h"

namespace trainops {

class AtomicFile;

enum class ArtifactKind : uint32_t { kModel = 1, kCheckpoint = 2 };  // on disk: never renumber

inline constexpr uint32_t kArtifactFormatVersion = 1;
// Version 2 files hold what version 1 readers would misread if they ignored it: a
// multi-label model (ModelInfo::multi_label), which scores with sigmoids, not a softmax.
inline constexpr uint32_t kArtifactMultiLabelVersion = 2;
// Version 3: a model whose text vectors are normalized per block (FeatureConfig::
// block_norm), which a reader that ignored the "norm" key would score with one norm.
// Every other file is still written at the oldest version that describes it (1 for a
// single-label model with one norm), so older trainops keep reading them.
inline constexpr uint32_t kArtifactBlockNormVersion = 3;
inline constexpr uint32_t kArtifactNewestVersion = kArtifactBlockNormVersion;

// Collects sections, then emits the file either as one string (Finish) or streamed to a
// file (WriteTo) with the checksum computed on the way: both give the same bytes, and
// streaming never holds a second copy of a 70 MB checkpoint in memory.
class ArtifactWriter {
 public:
  void Add(std::string_view tag, std::string bytes);
  // The section may borrow arrays (ChunkedBytes::BorrowArray): they must stay alive and
  // unchanged until Finish/WriteTo/Emit returns.
  void Add(std::string_view tag, ChunkedBytes bytes);

  // Size of the whole file, known before writing (the header records the payload size).
  uint64_t FileSize() const;
  // The format version written in the header (default kArtifactFormatVersion).
  void SetVersion(uint32_t version) { version_ = version; }
  // The whole file's bytes.
  std::string Finish(ArtifactKind kind) const;
  // Streams the whole file into `file` (not committed: the caller commits).
  void WriteTo(AtomicFile& file, ArtifactKind kind) const;
  // Calls `sink` with consecutive pieces of the whole file: header, sections, checksum.
  void Emit(ArtifactKind kind, const std::function<void(std::string_view)>& sink) const;

 private:
  uint64_t PayloadSize() const;

  std::map<std::string, ChunkedBytes> sections_;
  uint32_t version_ = kArtifactFormatVersion;
};

class ArtifactReader {
 public:
  // Validates the envelope; `what` names the file in errors. Keeps a copy of the bytes.
  ArtifactReader(std::string bytes, std::string what, ArtifactKind expected);
  bool Has(std::string_view tag) const;
  // Throws CorruptFileError when the section is missing.
  std::string_view Get(std::string_view tag) const;
  const std::string& what() const { return what_; }
  uint32_t version() const { return version_; }

 private:
  std::string bytes_;
  std::string what_;
  uint32_t version_ = 0;
  std::map<std::string, std::string_view, std::less<>> sections_;
};

// Reads a file into an ArtifactReader.
ArtifactReader ReadArtifact(const std::filesystem::path& path, ArtifactKind expected);

}  // namespace trainops
