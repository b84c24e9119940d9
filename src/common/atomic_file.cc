#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

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

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)), target_(path_) {
  static std::atomic<int> counter{0};
  struct stat info {};
  if (::stat(path_.c_str(), &info) == 0 && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) {
    direct_ = true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(fmt::format("{}: cannot write: {}", path_.string(), ErrnoText()));
    return;
  }
  std::error_code ec;
  if (std::filesystem::is_symlink(path_, ec)) {
    const auto resolved = std::filesystem::weakly_canonical(path_, ec);
    if (!ec) target_ = resolved;
  }
  temp_path_ = target_;
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
  if (!committed_ && !direct_) {
    std::error_code ignored;
    std::filesystem::remove(temp_path_, ignored);
  }
}

void AtomicFile::Write(std::string_view bytes) {
  if (buffer_.size() + bytes.size() > kBufferSize) Flush();
  // Copying a multi-megabyte array into the buffer would only add a copy (and page faults).
  if (bytes.size() >= kBufferSize) {
    WriteAll(bytes);
  } else {
    buffer_.append(bytes);
  }
}

void AtomicFile::Flush() {
  WriteAll(buffer_);
  buffer_.clear();
}

void AtomicFile::WriteAll(std::string_view bytes) {
  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(fmt::format("{}: write failed: {}", path_.string(), ErrnoText()));
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

void AtomicFile::Commit() {
  if (committed_) throw InternalError("AtomicFile::Commit called twice");
  Flush();
  if (direct_) {
    const int closed = ::close(fd_);
    fd_ = -1;
    if (closed != 0) throw InputError(fmt::format("{}: close failed: {}", path_.string(), ErrnoText()));
    committed_ = true;
    return;
  }
  if (::fsync(fd_) != 0) {
    throw InputError(fmt::format("{}: fsync failed: {}", path_.string(), ErrnoText()));
  }
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) {
    throw InputError(fmt::format("{}: close failed: {}", path_.string(), ErrnoText()));
  }
  if (::rename(temp_path_.c_str(), target_.c_str()) != 0) {
    throw InputError(fmt::format("{}: rename failed: {}", path_.string(), ErrnoText()));
  }
  committed_ = true;
  SyncDirectory(ParentOrDot(target_));
}

void WriteFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.Write(bytes);
  file.Commit();
}

std::string ReadFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw InputError(fmt::format("{}: cannot open: {}; check the path", path.string(), ErrnoText()));
  }
  auto read_some = [&](char* into, size_t size) {
    while (true) {
      ssize_t n = ::read(fd, into, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      const std::string reason = ErrnoText();
      ::close(fd);
      throw InputError(fmt::format("{}: read failed: {}", path.string(), reason));
    }
  };
  // Sized from fstat so a 70 MB checkpoint lands in one allocation, without a stream's
  // regrowth copies; the chunked tail still copes with files whose size is unknown or changes.
  struct stat info {};
  std::string out;
  if (::fstat(fd, &info) == 0 && info.st_size > 0) out.resize(static_cast<size_t>(info.st_size));
  size_t used = 0;
  while (used < out.size()) {
    size_t n = read_some(out.data() + used, out.size() - used);
    if (n == 0) break;
    used += n;
  }
  out.resize(used);
  std::string chunk(kBufferSize, '\0');
  while (size_t n = read_some(chunk.data(), chunk.size())) out.append(chunk.data(), n);
  ::close(fd);
  return out;
}

void SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // Best effort: some file systems do not allow opening folders.
  ::fsync(fd);
  ::close(fd);
}

bool SameFile(const std::filesystem::path& a, const std::filesystem::path& b) {
  struct stat sa {}, sb {};
  if (::stat(a.empty() ? "." : a.c_str(), &sa) != 0 || ::stat(b.empty() ? "." : b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace trainops
