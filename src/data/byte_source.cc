#include "data/byte_source.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"

namespace trainops {

ByteSource::ByteSource(std::unique_ptr<std::istream> in, std::string name, size_t chunk_size)
    : in_(std::move(in)), name_(std::move(name)), buffer_(std::max<size_t>(chunk_size, 1)) {}

bool ByteSource::Ensure(size_t n) {
  while (available() < n) {
    if (eof_) return false;
    // Keep the unread tail: callers look ahead a byte or two across chunk boundaries.
    size_t keep = available();
    if (keep > 0 && pos_ > 0) std::memmove(buffer_.data(), buffer_.data() + pos_, keep);
    pos_ = 0;
    end_ = keep;
    if (buffer_.size() - end_ < n - keep) buffer_.resize(end_ + n);
    in_->read(buffer_.data() + end_, static_cast<std::streamsize>(buffer_.size() - end_));
    std::streamsize got = in_->gcount();
    if (in_->bad()) throw InputError(name_ + ": read error; check that the file is readable");
    end_ += static_cast<size_t>(got);
    if (!*in_) eof_ = true;
  }
  return true;
}

void ByteSource::SkipByteOrderMark() {
  static constexpr char kBom[] = "\xEF\xBB\xBF";
  if (Ensure(3) && std::memcmp(data(), kBom, 3) == 0) Advance(3);
}

}  // namespace trainops
