#include "eval/label_index.h"

#include <unordered_map>

namespace trainops {

std::vector<uint32_t> IndexLabels(const std::vector<Example>& examples,
                                  std::vector<std::string>& extended) {
  std::unordered_map<std::string, uint32_t> index;
  for (uint32_t i = 0; i < extended.size(); ++i) index.emplace(extended[i], i);
  std::vector<uint32_t> out;
  out.reserve(examples.size());
  for (const auto& ex : examples) {
    auto it = index.find(ex.label);
    if (it == index.end()) {
      it = index.emplace(ex.label, static_cast<uint32_t>(extended.size())).first;
      extended.push_back(ex.label);
    }
    out.push_back(it->second);
  }
  return out;
}

}  // namespace trainops
