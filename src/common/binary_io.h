// Fixed little-endian encoding for on-disk artifacts and a bounds-checked reader over
// untrusted bytes: every read checks what is left, so a truncated or corrupted file
// raises CorruptFileError naming the file instead of crashing or reading garbage.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace trainops {

// Artifacts store floats and integers little-endian. We write them with memcpy on
// little-endian hosts only; a big-endian port must add byte swaps here.
static_assert(std::endian::native == std::endian::little, "trainops artifacts assume little-endian");

class BinaryWriter {
 public:
  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void F32(float v) { Raw(&v, sizeof v); }
  void Bytes(std::string_view bytes) {
    U64(bytes.size());
    out_.append(bytes);
  }
  template <typename T>
  void Array(const std::vector<T>& values) {
    U64(values.size());
    Raw(values.data(), values.size() * sizeof(T));
  }
  void Raw(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// Bytes kept as a sequence of chunks: small fields are copied in, large arrays are only
// referenced, so multi-megabyte weights go from their vectors to the file without
// intermediate copies (checkpoints are written every epoch). Whoever fills it must keep
// the referenced arrays alive and unchanged until the bytes have been written out.
class ChunkedBytes {
 public:
  ChunkedBytes() = default;
  explicit ChunkedBytes(std::string owned) { Own(std::move(owned)); }

  void U32(uint32_t v) { Copy(&v, sizeof v); }
  void U64(uint64_t v) { Copy(&v, sizeof v); }
  void Copy(const void* data, size_t size);
  void Own(std::string bytes);
  void Borrow(std::string_view bytes);
  // u64 count, then the elements, borrowed (same bytes as BinaryWriter::Array).
  template <typename T>
  void BorrowArray(const std::vector<T>& values) {
    U64(values.size());
    Borrow(std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)));
  }
  // A temporary would be gone before the bytes are written.
  template <typename T>
  void BorrowArray(const std::vector<T>&& values) = delete;

  size_t size() const { return size_; }
  // Calls f(std::string_view) on every chunk, in order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Chunk& chunk : chunks_) f(chunk.view());
  }

 private:
  struct Chunk {
    std::string owned;
    std::string_view borrowed;
    bool is_borrowed = false;
    // Computed on demand: an owned string's data moves when chunks_ grows (small strings).
    std::string_view view() const { return is_borrowed ? borrowed : std::string_view(owned); }
  };
  std::vector<Chunk> chunks_;
  size_t size_ = 0;
};

class BinaryReader {
 public:
  // `what` names the file in error messages.
  BinaryReader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  uint32_t U32() { return Pod<uint32_t>(); }
  uint64_t U64() { return Pod<uint64_t>(); }
  float F32() { return Pod<float>(); }
  std::string_view Bytes() { return Take(Count(1)); }
  template <typename T>
  std::vector<T> Array() {
    uint64_t n = Count(sizeof(T));
    std::vector<T> values(n);
    std::string_view raw = Take(n * sizeof(T));
    if (n) std::memcpy(values.data(), raw.data(), raw.size());
    return values;
  }
  std::string_view Take(size_t size);
  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }
  [[noreturn]] void Fail(const std::string& message) const;

 private:
  template <typename T>
  T Pod() {
    T v;
    std::memcpy(&v, Take(sizeof(T)).data(), sizeof(T));
    return v;
  }
  // Reads an element count and checks that many elements of `element_size` can follow.
  uint64_t Count(size_t element_size);

  std::string_view bytes_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace trainops
