#include "registry/model_store.h"

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <xxhash.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "registry/registry.h"

namespace trainops {
namespace {

constexpr size_t kChunk = 1 << 20;

// The canonical (big-endian) form, so the hex is the same on every platform.
std::string Hex(XXH128_hash_t digest) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, digest);
  std::string hex;
  for (unsigned char byte : canonical.digest) hex += fmt::format("{:02x}", byte);
  return hex;
}

// Streams a file through XXH3-128, handing each chunk to `sink` as well.
template <typename Sink>
std::string HashStream(const std::filesystem::path& path, Sink&& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("{}: cannot open the model file; check the path", path.string()));
  }
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  std::vector<char> chunk(kChunk);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<size_t>(in.gcount());
    XXH3_128bits_update(state, chunk.data(), n);
    if (n > 0) sink(std::string_view(chunk.data(), n));
  }
  const bool failed = in.bad();
  XXH128_hash_t digest = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  if (failed) throw InputError(fmt::format("{}: read failed", path.string()));
  return Hex(digest);
}

}  // namespace

std::string ModelContentHash(const std::filesystem::path& model_file) {
  return HashStream(model_file, [](std::string_view) {});
}

std::string ModelContentHashOfBytes(std::string_view bytes) {
  return Hex(XXH3_128bits(bytes.data(), bytes.size()));
}

namespace model_store {

std::filesystem::path StoredPath(const std::filesystem::path& models_dir, const std::string& hash) {
  return models_dir / (hash + ".bin");
}

void Store(const std::filesystem::path& source, const std::filesystem::path& models_dir,
           const std::string& expected_hash) {
  AtomicFile out(StoredPath(models_dir, expected_hash));
  const std::string copied = HashStream(source, [&](std::string_view bytes) { out.Write(bytes); });
  if (copied != expected_hash) {
    throw InputError(fmt::format("{}: changed while it was being registered; register it again once "
                                 "nothing writes to it",
                                 source.string()));
  }
  out.Commit();
}

void RemoveStaleTempFiles(const std::filesystem::path& models_dir) {
  // AtomicFile names its temp files "<target>.tmp.<pid>.<n>". A file whose writer is still
  // alive is another process's copy in progress and must be left alone; one older than a
  // day is stale whatever its pid says (pids get reused).
  std::error_code ec;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& entry : std::filesystem::directory_iterator(models_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const auto at = name.find(".tmp.");
    if (at == std::string::npos) continue;
    const std::string rest = name.substr(at + 5);
    const auto dot = rest.find('.');
    pid_t pid = 0;
    try {
      pid = static_cast<pid_t>(std::stol(rest.substr(0, dot)));
    } catch (const std::exception&) {
      continue;  // Not one of ours.
    }
    std::error_code time_ec;
    const auto modified = entry.last_write_time(time_ec);
    const bool old = !time_ec && now - modified > std::chrono::hours(24);
    const bool writer_gone = pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
    if (writer_gone || old) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

}  // namespace model_store
}  // namespace trainops
