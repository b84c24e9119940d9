// Writes a file so that readers see either the old contents or the complete new ones,
// never a partial file: data goes to a temporary file in the same folder, is fsynced,
// then renamed over the target, and the folder is fsynced so the rename survives a crash.
// An AtomicFile that is destroyed without Commit() removes its temporary file.
//
// Targets that are not regular files are never replaced: a device or a FIFO (or a
// symbolic link to one: /dev/null, /dev/stdout, a named pipe a reader waits on) is
// written directly, in order, and its write errors are reported (/dev/full: "No space
// left on device"); there is nothing to make atomic about a stream. A symbolic link to a
// regular file keeps the link: the file it points to is the one replaced.
// Not thread-safe; one writer per object.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace trainops {

class AtomicFile {
 public:
  // Opens "<path>.tmp.<pid>.<n>" next to `path`. Throws InputError when the folder is
  // missing or not writable.
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Small writes are buffered; large ones go straight from `bytes` to the file.
  void Write(std::string_view bytes);
  // Hands buffered bytes to the OS (no fsync): what a crash right now would leave behind.
  void Flush();
  // Flushes, fsyncs, renames over the target and fsyncs the folder.
  void Commit();

  const std::filesystem::path& path() const { return path_; }

 private:
  void WriteAll(std::string_view bytes);

  std::filesystem::path path_;    // as given: error messages name it
  std::filesystem::path target_;  // what is replaced: path_, or the file its link points to
  std::filesystem::path temp_path_;
  bool direct_ = false;           // a device or FIFO: written in place
  int fd_ = -1;
  bool committed_ = false;
  std::string buffer_;
};

// Convenience: the whole contents at once.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view bytes);

// Reads a whole file; throws InputError naming the file when it cannot.
std::string ReadFile(const std::filesystem::path& path);

// fsyncs a folder so that renames and new entries in it are durable.
void SyncDirectory(const std::filesystem::path& dir);

// Whether `a` and `b` are the same file or folder on disk (same device and inode, after
// symbolic links): "train.csv", "./train.csv", "$PWD/train.csv", a link to it and a hard
// link all are. False when either does not exist.
bool SameFile(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace trainops
