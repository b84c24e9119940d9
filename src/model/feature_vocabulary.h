// Maps hashed feature ids (0..buckets) to compact weight rows. Only features seen in
// training get a row, so the weight matrix is as small as the training data allows,
// whatever the hash space: that is what keeps model files a few MB instead of the
// hundreds a dense bucket matrix takes. Read-only after Build/Assign: thread-safe for
// lookups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trainops {

class FeatureVocabulary {
 public:
  static constexpr uint32_t kMissing = 0xFFFFFFFFu;

  // `ids` must be sorted and unique; row i is ids[i].
  void Assign(std::vector<uint32_t> ids);
  uint32_t Row(uint32_t id) const {
    if (slots_.empty()) return kMissing;
    size_t mask = slots_.size() - 1;
    size_t pos = Mix(id) & mask;
    while (true) {
      const Slot& slot = slots_[pos];
      if (slot.row == kMissing) return kMissing;
      if (slot.id == id) return slot.row;
      pos = (pos + 1) & mask;
    }
  }
  size_t size() const { return ids_.size(); }
  const std::vector<uint32_t>& ids() const { return ids_; }

 private:
  struct Slot {
    uint32_t id = 0;
    uint32_t row = kMissing;
  };
  static size_t Mix(uint32_t id) { return (static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 20; }

  std::vector<uint32_t> ids_;
  std::vector<Slot> slots_;  // open addressing, load factor <= 0.5
};

}  // namespace trainops
