// The container shared by model files and checkpoints (docs/model_format.md):
//   magic "TRAINOPS" | u32 format version | u32 kind | u64 payload size | payload | u64 xxh3
// where the payload is a sequence of sections (4-char tag, u64 size, bytes) and the trailing
// checksum covers everything before it. Readers check magic, version, kind, size and
// checksum before looking at any section, so truncated, corrupted, foreign or newer files
// are refused with a message instead of being half-read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace trainops {

enum class ArtifactKind : uint32_t { kModel = 1, kCheckpoint = 2 };  // on disk: never renumber

inline constexpr uint32_t kArtifactFormatVersion = 1;

class ArtifactWriter {
 public:
  void Add(std::string_view tag, std::string bytes);
  // The whole file's bytes.
  std::string Finish(ArtifactKind kind) const;

 private:
  std::map<std::string, std::string> sections_;
};

class ArtifactReader {
 public:
  // Validates the envelope; `what` names the file in errors. Keeps a copy of the bytes.
  ArtifactReader(std::string bytes, std::string what, ArtifactKind expected);
  bool Has(std::string_view tag) const;
  // Throws CorruptFileError when the section is missing.
  std::string_view Get(std::string_view tag) const;
  const std::string& what() const { return what_; }

 private:
  std::string bytes_;
  std::string what_;
  std::map<std::string, std::string_view, std::less<>> sections_;
};

// Reads a file into an ArtifactReader.
ArtifactReader ReadArtifact(const std::filesystem::path& path, ArtifactKind expected);

}  // namespace trainops
