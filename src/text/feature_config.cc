// FeatureConfig validation and version information. Stateless, thread-safe.
#include <fmt/format.h>
#include <utf8proc.h>

#include "common/error.h"
#include "text/features.h"

namespace trainops {

std::string_view UnicodeVersion() { return utf8proc_unicode_version(); }

void ValidateFeatureConfig(const FeatureConfig& config) {
  if (config.word_ngrams < 0 || config.word_ngrams > kMaxWordNgrams) {
    throw InputError(fmt::format(
        "feature config: word_ngrams is {}; use 0 (no word features) to {} (2 is typical)",
        config.word_ngrams, kMaxWordNgrams));
  }
  if (config.char_ngram_max < 0 || config.char_ngram_max > kMaxCharNgram) {
    throw InputError(fmt::format(
        "feature config: char_ngram_max is {}; use 0 (no char features) to {} (4 is the default)",
        config.char_ngram_max, kMaxCharNgram));
  }
  if (config.char_ngram_max > 0) {
    if (config.char_ngram_min < 1) {
      throw InputError(fmt::format(
          "feature config: char_ngram_min is {}; it must be at least 1 while char n-grams are "
          "on (char_ngram_max {}); set it to 1..{}, or char_ngram_max to 0 to turn them off",
          config.char_ngram_min, config.char_ngram_max, config.char_ngram_max));
    }
    if (config.char_ngram_min > config.char_ngram_max) {
      throw InputError(fmt::format(
          "feature config: char_ngram_min ({}) is greater than char_ngram_max ({}); set "
          "char_ngram_min <= char_ngram_max, or char_ngram_max to 0 to turn char n-grams off",
          config.char_ngram_min, config.char_ngram_max));
    }
  }
  if (config.buckets == 0) {
    throw InputError(
        "feature config: buckets is 0; it must be at least 1 (typical: 2097152 to 4194304)");
  }
}

}  // namespace trainops
