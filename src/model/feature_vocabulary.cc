#include "model/feature_vocabulary.h"

#include <algorithm>
#include <bit>

namespace trainops {

void FeatureVocabulary::Assign(std::vector<uint32_t> ids) {
  ids_ = std::move(ids);
  size_t capacity = std::bit_ceil(std::max<size_t>(16, ids_.size() * 2));
  slots_.assign(capacity, Slot{});
  size_t mask = capacity - 1;
  for (uint32_t row = 0; row < ids_.size(); ++row) {
    size_t pos = Mix(ids_[row]) & mask;
    while (slots_[pos].row != kMissing) pos = (pos + 1) & mask;
    slots_[pos] = Slot{ids_[row], row};
  }
}

}  // namespace trainops
