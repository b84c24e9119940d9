#include "common/binary_io.h"

#include <fmt/format.h>

#include "common/error.h"

namespace trainops {

void ChunkedBytes::Copy(const void* data, size_t size) {
  if (chunks_.empty() || chunks_.back().is_borrowed) chunks_.emplace_back();
  chunks_.back().owned.append(static_cast<const char*>(data), size);
  size_ += size;
}

void ChunkedBytes::Own(std::string bytes) {
  size_ += bytes.size();
  chunks_.push_back(Chunk{std::move(bytes), {}, false});
}

void ChunkedBytes::Borrow(std::string_view bytes) {
  if (bytes.empty()) return;
  size_ += bytes.size();
  chunks_.push_back(Chunk{{}, bytes, true});
}

std::string_view BinaryReader::Take(size_t size) {
  if (size > remaining()) {
    Fail(fmt::format("truncated: needs {} more bytes at offset {}, only {} left", size, pos_,
                     remaining()));
  }
  std::string_view out = bytes_.substr(pos_, size);
  pos_ += size;
  return out;
}

uint64_t BinaryReader::Count(size_t element_size) {
  uint64_t n = U64();
  if (element_size && n > remaining() / element_size) {
    Fail(fmt::format("corrupted: a length field at offset {} says {} items, more than the file holds",
                     pos_ - 8, n));
  }
  return n;
}

void BinaryReader::Fail(const std::string& message) const {
  throw CorruptFileError(fmt::format("{}: {}", what_, message));
}

}  // namespace trainops
