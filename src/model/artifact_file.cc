#include "model/artifact_file.h"

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/binary_io.h"
#include "common/error.h"
#include "common/hash.h"

namespace trainops {
namespace {

constexpr std::string_view kMagic = "TRAINOPS";
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8;
constexpr uint64_t kChecksumSeed = 0x74726e6f7073ull;  // "trnops"

std::string KindName(uint32_t kind) {
  switch (kind) {
    case 1: return "model";
    case 2: return "checkpoint";
  }
  return fmt::format("unknown kind {}", kind);
}

}  // namespace

void ArtifactWriter::Add(std::string_view tag, std::string bytes) {
  Add(tag, ChunkedBytes(std::move(bytes)));
}

void ArtifactWriter::Add(std::string_view tag, ChunkedBytes bytes) {
  if (tag.size() != 4) throw InternalError("artifact section tags have 4 characters");
  sections_.insert_or_assign(std::string(tag), std::move(bytes));
}

uint64_t ArtifactWriter::PayloadSize() const {
  uint64_t size = 0;
  for (const auto& [tag, bytes] : sections_) size += 4 + 8 + bytes.size();
  return size;
}

uint64_t ArtifactWriter::FileSize() const { return kHeaderSize + PayloadSize() + 8; }

void ArtifactWriter::Emit(ArtifactKind kind, const std::function<void(std::string_view)>& sink) const {
  // XXH3's streaming digest equals the one-shot hash of the concatenation, so the
  // checksum is the same as hashing the assembled file.
  StreamHasher hasher(kChecksumSeed);
  auto put = [&](std::string_view bytes) {
    hasher.Update(bytes);
    sink(bytes);
  };
  auto pod = [](const auto& value) {
    return std::string_view(reinterpret_cast<const char*>(&value), sizeof value);
  };
  const uint32_t version = version_;
  const auto kind_value = static_cast<uint32_t>(kind);
  const uint64_t payload_size = PayloadSize();
  put(kMagic);
  put(pod(version));
  put(pod(kind_value));
  put(pod(payload_size));
  for (const auto& [tag, bytes] : sections_) {
    const uint64_t size = bytes.size();
    put(std::string_view(tag).substr(0, 4));
    put(pod(size));
    bytes.ForEach(put);
  }
  const uint64_t checksum = hasher.Digest();
  sink(pod(checksum));
}

std::string ArtifactWriter::Finish(ArtifactKind kind) const {
  std::string out;
  out.reserve(FileSize());
  Emit(kind, [&](std::string_view bytes) { out.append(bytes); });
  return out;
}

void ArtifactWriter::WriteTo(AtomicFile& file, ArtifactKind kind) const {
  Emit(kind, [&](std::string_view bytes) { file.Write(bytes); });
}

ArtifactReader::ArtifactReader(std::string bytes, std::string what, ArtifactKind expected)
    : bytes_(std::move(bytes)), what_(std::move(what)) {
  auto fail = [&](const std::string& message) {
    throw CorruptFileError(fmt::format("{}: {}", what_, message));
  };
  if (bytes_.size() < kMagic.size() || std::string_view(bytes_).substr(0, 8) != kMagic) {
    fail(fmt::format("not a trainops {} file (no TRAINOPS header); pass a file written by "
                     "`trainops train`",
                     KindName(static_cast<uint32_t>(expected))));
  }
  BinaryReader header(bytes_, what_);
  header.Take(8);
  uint32_t version = header.U32();
  uint32_t kind = header.U32();
  uint64_t payload_size = header.U64();
  version_ = version;
  if (version < kArtifactFormatVersion || version > kArtifactNewestVersion) {
    fail(fmt::format("format version {} is not supported (this trainops reads versions {} to {}); {}",
                     version, kArtifactFormatVersion, kArtifactNewestVersion,
                     version > kArtifactNewestVersion ? "upgrade trainops" : "retrain the model"));
  }
  if (kind != static_cast<uint32_t>(expected)) {
    fail(fmt::format("is a {} file, expected a {} file", KindName(kind),
                     KindName(static_cast<uint32_t>(expected))));
  }
  if (bytes_.size() != kHeaderSize + payload_size + 8) {
    fail(fmt::format("truncated or padded: header says {} bytes, file has {}; the file was cut "
                     "short or damaged, use another copy",
                     kHeaderSize + payload_size + 8, bytes_.size()));
  }
  BinaryReader tail(std::string_view(bytes_).substr(bytes_.size() - 8), what_);
  uint64_t stored = tail.U64();
  uint64_t actual = Hash64(std::string_view(bytes_).substr(0, bytes_.size() - 8), kChecksumSeed);
  if (stored != actual) {
    fail("checksum mismatch: the file is corrupted; use another copy or retrain");
  }
  BinaryReader payload(std::string_view(bytes_).substr(kHeaderSize, payload_size), what_);
  while (payload.remaining() > 0) {
    std::string tag(payload.Take(4));
    sections_[tag] = payload.Bytes();
  }
}

bool ArtifactReader::Has(std::string_view tag) const { return sections_.count(tag) > 0; }

std::string_view ArtifactReader::Get(std::string_view tag) const {
  auto it = sections_.find(tag);
  if (it == sections_.end()) {
    throw CorruptFileError(fmt::format("{}: section {} is missing", what_, tag));
  }
  return it->second;
}

ArtifactReader ReadArtifact(const std::filesystem::path& path, ArtifactKind expected) {
  if (!std::filesystem::exists(path)) {
    throw InputError(fmt::format("{}: file not found; check the path", path.string()));
  }
  return ArtifactReader(ReadFile(path), path.string(), expected);
}

}  // namespace trainops
