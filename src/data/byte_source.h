// Buffered byte input over an istream for the table parsers. The parsers scan contiguous
// memory chunk by chunk (no per-byte stream calls) and only ever keep one chunk, so a
// file larger than memory streams in constant space.
// Not thread-safe; owned by one reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>

namespace trainops {

class ByteSource {
 public:
  // `name` is used in error messages. `chunk_size` is how much is read at a time; tests
  // pass tiny sizes so every chunk boundary case is exercised.
  ByteSource(std::unique_ptr<std::istream> in, std::string name,
             size_t chunk_size = kDefaultChunkSize);

  static constexpr size_t kDefaultChunkSize = size_t{1} << 18;

  // The unread bytes in the buffer: [data(), data() + available()).
  const char* data() const { return buffer_.get() + pos_; }
  size_t available() const { return end_ - pos_; }
  void Advance(size_t n) { pos_ += n; }
  // Bytes of the input consumed so far (Advance and SkipByteOrderMark): the offset in the
  // stream of data()[0].
  uint64_t offset() const { return dropped_ + pos_; }

  // Makes at least `n` bytes available unless the input ends first; returns whether it
  // did. Invalidates pointers from data(). Throws InputError on a read error.
  bool Ensure(size_t n);

  // Skips a UTF-8 byte-order mark if the input starts with one (call once, first); throws
  // InputError naming the encoding and the fix when the input starts with a UTF-16 or
  // UTF-32 byte-order mark.
  void SkipByteOrderMark();

  const std::string& name() const { return name_; }

 private:
  std::unique_ptr<std::istream> in_;
  std::string name_;
  // Not zero-filled (make_unique_for_overwrite): read() fills what is used, and zeroing a
  // 256 KiB buffer per source touched every page of it even for a 100-byte input - most of
  // the time of a fuzz execution, and of opening many small files.
  // It also starts at kFirstChunkSize and doubles up to chunk_size_ with each refill, so a
  // small input never maps a large buffer (under ASan each large one is an mmap).
  static constexpr size_t kFirstChunkSize = size_t{1} << 14;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t chunk_size_ = 0;
  bool read_once_ = false;
  size_t pos_ = 0;
  uint64_t dropped_ = 0;  // bytes consumed before buffer_[0]
  size_t end_ = 0;
  bool eof_ = false;
};

}  // namespace trainops
