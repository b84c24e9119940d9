#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops {
namespace {

constexpr size_t kBufferSize = 1 << 16;

std::string ErrnoText() { return std::strerror(errno); }

std::filesystem::path ParentOrDot(const std::filesystem::path& path) {
  auto parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  temp_path_ = path_;
  temp_path_ += fmt::format(".tmp.{}.{}", ::getpid(), counter++);
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw InputError(fmt::format("{}: cannot write: {}; check that the folder {} exists and is writable",
                                 path_.string(), ErrnoText(), ParentOrDot(path_).string()));
  }
  buffer_.reserve(kBufferSize);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) {
    std::error_code ignored;
    std::filesystem::remove(temp_path_, ignored);
  }
}

void AtomicFile::Write(std::string_view bytes) {
  if (buffer_.size() + bytes.size() > kBufferSize) FlushBuffer();
  if (bytes.size() >= kBufferSize) {
    buffer_.assign(bytes);
    FlushBuffer();
  } else {
    buffer_.append(bytes);
  }
}

void AtomicFile::FlushBuffer() {
  const char* data = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(fmt::format("{}: write failed: {}", path_.string(), ErrnoText()));
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  buffer_.clear();
}

void AtomicFile::Commit() {
  if (committed_) throw InternalError("AtomicFile::Commit called twice");
  FlushBuffer();
  if (::fsync(fd_) != 0) {
    throw InputError(fmt::format("{}: fsync failed: {}", path_.string(), ErrnoText()));
  }
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw InputError(fmt::format("{}: rename failed: {}", path_.string(), ErrnoText()));
  }
  committed_ = true;
  SyncDirectory(ParentOrDot(path_));
}

void WriteFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.Write(bytes);
  file.Commit();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("{}: cannot open: {}; check the path", path.string(), ErrnoText()));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: read failed", path.string()));
  return std::move(out).str();
}

void SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // Best effort: some file systems do not allow opening folders.
  ::fsync(fd);
  ::close(fd);
}

}  // namespace trainops
