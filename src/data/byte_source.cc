#include "data/byte_source.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/error.h"

namespace trainops {

ByteSource::ByteSource(std::unique_ptr<std::istream> in, std::string name, size_t chunk_size)
    : in_(std::move(in)),
      name_(std::move(name)),
      capacity_(std::min(std::max<size_t>(chunk_size, 1), kFirstChunkSize)),
      chunk_size_(std::max<size_t>(chunk_size, 1)) {
  buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
}

bool ByteSource::Ensure(size_t n) {
  while (available() < n) {
    if (eof_) return false;
    // Keep the unread tail: callers look ahead a byte or two across chunk boundaries.
    size_t keep = available();
    if (keep > 0 && pos_ > 0) std::memmove(buffer_.get(), buffer_.get() + pos_, keep);
    dropped_ += pos_;
    pos_ = 0;
    end_ = keep;
    // The first read fills the small first buffer; each later one reads twice as much.
    const bool grow = read_once_ && capacity_ < chunk_size_;
    const size_t wanted = std::max(grow ? std::min(chunk_size_, 2 * capacity_) : capacity_, end_ + n);
    if (wanted > capacity_) {
      auto bigger = std::make_unique_for_overwrite<char[]>(wanted);
      std::memcpy(bigger.get(), buffer_.get(), end_);
      buffer_ = std::move(bigger);
      capacity_ = wanted;
    }
    in_->read(buffer_.get() + end_, static_cast<std::streamsize>(capacity_ - end_));
    read_once_ = true;
    std::streamsize got = in_->gcount();
    if (in_->bad()) throw InputError(name_ + ": read error; check that the file is readable");
    end_ += static_cast<size_t>(got);
    if (!*in_) eof_ = true;
  }
  return true;
}

void ByteSource::SkipByteOrderMark() {
  static constexpr char kBom[] = "\xEF\xBB\xBF";
  if (Ensure(3) && std::memcmp(data(), kBom, 3) == 0) {
    Advance(3);
    return;
  }
  // UTF-16 and UTF-32 files (spreadsheet programs write them as "Unicode text") would read
  // as columns named "\xff\xfet..."; say what the file is and how to convert it.
  Ensure(4);
  const auto* b = reinterpret_cast<const unsigned char*>(data());
  const size_t n = available();
  const char* encoding = nullptr;
  if (n >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) encoding = "UTF-32";
  else if (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF) encoding = "UTF-32";
  else if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) encoding = "UTF-16";
  if (encoding) {
    throw InputError(name_ + ": the file is " + encoding + " (it starts with a " + encoding +
                     " byte-order mark); trainops reads UTF-8: convert it, e.g. iconv -f " + encoding + " -t UTF-8 " +
                     name_ + " > converted" + std::filesystem::path(name_).extension().string());
  }
}

}  // namespace trainops
