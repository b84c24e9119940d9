// Synthetic multi-label support messages for the multi-label tests: each message carries
// zero to three intents, each intent contributing one of its phrases, plus neutral words
// that keep the texts distinct (so test rows are not training rows).
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace trainops::testing {

struct MultiLabelCsvOptions {
  bool with_exchanges = false;  // a fifth intent, "exchanges" (a new intent for the loop tests)
  std::string empty_set = "";   // how the empty set is written ("[]" in feedback, where "" is "not labelled")
  std::string only = "";        // when set, every message carries this intent (a shifted mix)
};

inline std::string MultiLabelCsv(size_t rows, uint64_t seed, const MultiLabelCsvOptions& options = {}) {
  std::vector<std::pair<std::string, std::vector<std::string>>> intents = {
      {"sizing", {"these are too small", "the size runs large", "do they fit wide feet", "what size should i get"}},
      {"returns", {"can i send them back", "how do i return them", "i want to return the shoes", "return label"}},
      {"refunds", {"when do i get my money back", "refund my card", "i want a refund", "money back please"}},
      {"shipping", {"where is my package", "when will it arrive", "tracking number please", "delivery is late"}},
  };
  if (options.with_exchanges) {
    intents.push_back({"exchanges", {"can i swap them for another colour", "exchange for a bigger pair",
                                     "trade these for a different model", "swap the pair please"}});
  }
  const std::vector<std::string> fillers = {"hello there", "thanks a lot", "good morning", "ok great"};
  const std::vector<std::string> words = {"blue", "red", "runner", "trail", "city", "winter", "summer", "classic",
                                          "leather", "canvas", "suede", "mesh", "light", "dark", "tall", "low",
                                          "kids", "mens", "womens", "sport", "walker", "hiker", "court", "street",
                                          "retro", "prime", "flex", "glide", "wave", "peak", "stone", "river"};
  std::mt19937_64 rng(seed);
  std::string csv = "text,intents\n";
  for (size_t i = 0; i < rows; ++i) {
    const size_t count = rng() % 4;  // 0..3 intents
    std::vector<size_t> chosen;
    if (!options.only.empty()) {
      for (size_t k = 0; k < intents.size(); ++k) {
        if (intents[k].first == options.only) chosen.push_back(k);
      }
    }
    while (chosen.size() < count) {
      const size_t k = rng() % intents.size();
      if (std::find(chosen.begin(), chosen.end(), k) == chosen.end()) chosen.push_back(k);
    }
    std::string text = fillers[rng() % fillers.size()] + " about the " + words[rng() % words.size()] + " " +
                       words[rng() % words.size()] + " " + words[rng() % words.size()];
    std::vector<std::string> names;
    for (size_t k : chosen) {
      text += " and " + intents[k].second[rng() % intents[k].second.size()];
      names.push_back(intents[k].first);
    }
    std::sort(names.begin(), names.end());
    std::string cell;
    for (size_t n = 0; n < names.size(); ++n) cell += (n ? "|" : "") + names[n];
    csv += text + "," + (names.empty() ? options.empty_set : cell) + "\n";
  }
  return csv;
}

}  // namespace trainops::testing
