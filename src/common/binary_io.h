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
