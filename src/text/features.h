// Text features: Unicode normalization, tokenization and hashed word/char n-grams.
// Everything here is deterministic across runs and platforms (utf8proc for Unicode,
// xxHash for hashing, no locale, no std::hash). All functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trainops {

// NFKC normalization plus case folding (utf8proc). Invalid UTF-8 sequences are replaced
// by U+FFFD rather than failing: data loading rejects invalid rows before this runs,
// and prediction input must never crash the server.
std::string NormalizeText(std::string_view text);

// Splits normalized text into tokens:
// - letters/marks/digits runs form words; internal apostrophes stay ("don't", "o'neil"),
//   as do internal dots/commas between digits ("3.5", "1,000");
// - every other punctuation or symbol character is its own token ("?", "!", "$");
// - each emoji (and other So-category symbol) is its own token;
// - scripts written without spaces (Han, Hiragana, Katakana, Thai...) yield one token
//   per character so n-grams still see them.
std::vector<std::string> Tokenize(std::string_view normalized);

struct FeatureConfig {
  int word_ngrams = 2;      // word n-grams 1..word_ngrams (0 disables word features)
  int char_ngram_min = 2;   // char n-grams of min..max code points over "<word>"
  int char_ngram_max = 5;   // (0 disables char features)
  uint32_t buckets = 1u << 22;  // hash space; ids are in [0, buckets)
  bool operator==(const FeatureConfig&) const = default;
};

// Hashed feature ids for one text. Word n-grams and char n-grams use different hash seeds
// so they do not collide systematically. Duplicates are kept (they are counts).
class FeatureExtractor {
 public:
  explicit FeatureExtractor(FeatureConfig config);
  const FeatureConfig& config() const { return config_; }
  // Normalizes, tokenizes and hashes; appends ids to `out` (cleared first).
  void Extract(std::string_view raw_text, std::vector<uint32_t>& out) const;

 private:
  FeatureConfig config_;
};

}  // namespace trainops
