#include "common/hash.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <xxhash.h>

#include "common/error.h"

namespace trainops {

uint64_t Hash64(std::string_view bytes, uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

StreamHasher::StreamHasher(uint64_t seed) : state_(XXH3_createState()) {
  XXH3_64bits_reset_withSeed(static_cast<XXH3_state_t*>(state_), seed);
}

StreamHasher::~StreamHasher() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void StreamHasher::Update(std::string_view bytes) {
  XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), bytes.data(), bytes.size());
}

uint64_t StreamHasher::Digest() const {
  return XXH3_64bits_digest(static_cast<XXH3_state_t*>(state_));
}

std::string HexDigest(uint64_t digest) { return fmt::format("{:016x}", digest); }

std::string FileFingerprint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open to fingerprint", path.string()));
  StreamHasher hasher;
  // A buffer no larger than the file: a fresh 1 MiB costs 256 page faults, more than
  // hashing a small file.
  std::error_code ec;
  const uintmax_t bytes = std::filesystem::file_size(path, ec);
  std::vector<char> chunk(ec ? size_t{1} << 20 : std::clamp<size_t>(static_cast<size_t>(bytes) + 1, 4096, 1 << 20));
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    hasher.Update(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  return "xxh3:" + HexDigest(hasher.Digest());
}

}  // namespace trainops
