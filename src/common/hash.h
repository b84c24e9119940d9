// Stable hashes (xxHash), identical across runs, platforms and compilers: feature
// hashing, data fingerprints for lineage and file checksums all rely on that.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace trainops {

uint64_t Hash64(std::string_view bytes, uint64_t seed = 0);

// Incremental 64-bit hash for streams (data files, model files).
class StreamHasher {
 public:
  explicit StreamHasher(uint64_t seed = 0);
  ~StreamHasher();
  StreamHasher(const StreamHasher&) = delete;
  StreamHasher& operator=(const StreamHasher&) = delete;
  void Update(std::string_view bytes);
  uint64_t Digest() const;

 private:
  void* state_;
};

// "xxh64:0123456789abcdef" of a whole file, read in chunks.
std::string FileFingerprint(const std::filesystem::path& path);
std::string HexDigest(uint64_t digest);

}  // namespace trainops
