// Text features: Unicode normalization, tokenization and hashed word/char n-grams.
// Everything here is deterministic across runs and platforms (utf8proc for Unicode,
// xxHash for hashing, no locale, no std::hash). All functions are thread-safe.
//
// This header is the public entry point of src/text/; the other headers there are
// internal (text_internal namespace) and exist for the tests and the benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/fast_modulo.h"

namespace trainops {

// Bumped whenever normalization, tokenization or hashing would change the ids of any
// text. A model should store it and refuse to load under a different value: its weights
// would be indexed by features that now mean something else. The golden ids in
// tests/text/feature_extractor_test.cc pin the current scheme.
inline constexpr int kFeatureSchemeVersion = 1;

// Unicode version of the utf8proc tables ("15.0.0" with Debian 12's utf8proc 2.8).
// Characters assigned after it normalize and tokenize as unassigned symbols, so a
// different version can change features of rare characters; worth recording in models.
std::string_view UnicodeVersion();

// NFKC normalization plus case folding (utf8proc). Invalid UTF-8 sequences are replaced
// by U+FFFD rather than failing: data loading rejects invalid rows before this runs,
// and prediction input must never crash the server.
// Also: typographic apostrophes (U+2018, U+2019, U+02BC) become "'"; white space of any
// kind (tabs, line breaks, no-break and ideographic spaces, ZERO WIDTH SPACE) becomes
// one ' ' per run, with none at either end; other control characters and invisible
// format characters (soft hyphen, bidi marks, BOM, word joiner) are removed, except the
// ZWJ/ZWNJ and tag characters that emoji and some scripts need.
std::string NormalizeText(std::string_view text);

// Splits normalized text into tokens:
// - letters/marks/digits runs form words; internal apostrophes stay ("don't", "o'neil"),
//   as do internal dots/commas between digits ("3.5", "1,000"); letters and digits
//   mix ("10.5cm", "size10");
// - every other punctuation or symbol character is its own token ("?", "!", "$", "-");
// - each emoji (and other So-category symbol) is its own token, ZWJ sequences, skin
//   tones, variation selectors and flags included;
// - scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer,
//   Myanmar) yield one token per character (with its combining marks) so n-grams still
//   see them.
// No token ever splits a code point or separates a combining mark from its base.
// See tokenize.cc for the full rules.
std::vector<std::string> Tokenize(std::string_view normalized);

// These defaults are the task spec's defaults too (ModelSpec holds a FeatureConfig{}); the
// parameter table in src/task/parameters.cc reports them. Char n-grams stop at 4: in seeded
// 5-fold cross-validation on the train+valid splits of BANKING77, CLINC150 and Bitext,
// 2..4 beat 2..5 for the linear model on all three, under each of 4 training seeds (+0.18,
// +0.14 and +0.03 points), with a 20% smaller model; other n-gram ranges, l2, learning
// rate, epochs, min_count and patience did no better.
struct FeatureConfig {
  int word_ngrams = 2;          // word n-grams 1..word_ngrams (0 disables word features)
  int char_ngram_min = 2;       // char n-grams of min..max code points over "<word>"
  int char_ngram_max = 4;       // (0 disables char features)
  uint32_t buckets = 1u << 22;  // hash space; ids are in [0, buckets)
  // How a text's TF-IDF vector is L2-normalized (EncodeFeatures, model/model.h); the ids
  // do not depend on it. false (`model.feature_norm: joint`, the default): one norm over
  // all n-grams. true (`blocks`, opt-in): the word n-grams and the char n-grams each get
  // half of the squared norm, as scikit-learn's union of a word and a char
  // TfidfVectorizer; fewer cross-validated errors on BANKING77 and CLINC150, but a worse
  // loop on both replay streams (docs/model.md, "Per-block normalization").
  bool block_norm = false;
  bool operator==(const FeatureConfig&) const = default;
};

// Beyond these the extra n-grams are nearly all unique to one message (noise for the
// model) while their number, and the cost of every prediction, keeps growing.
inline constexpr int kMaxWordNgrams = 5;
inline constexpr int kMaxCharNgram = 10;

// Throws InputError naming the offending field and the fix: word_ngrams in
// [0, kMaxWordNgrams]; char_ngram_max in [0, kMaxCharNgram]; when char_ngram_max > 0,
// 1 <= char_ngram_min <= char_ngram_max (char_ngram_min is ignored when char n-grams are
// off); buckets > 0. The message starts with "feature config: "; callers that know the
// spec file and line should prepend them.
void ValidateFeatureConfig(const FeatureConfig& config);

// Hashed feature ids for one text. Word n-grams and char n-grams use different hash seeds
// so they do not collide systematically. Duplicates are kept (they are counts).
//
// Ids, in this order (the order is part of the contract only for the tests):
// - word n-grams, by start token then length 1..word_ngrams, over all tokens (words,
//   punctuation, emoji, CJK characters alike);
// - char n-grams of each kWord token (letters/digits; not punctuation, emoji or
//   characters of scripts without spaces, whose char n-grams would only repeat their
//   unigram), by length then position, over the code points of "<" + word + ">". With
//   char_ngram_min == 1 the lone "<" and ">" are skipped (as fastText does).
// Hashing (see feature_hash.h, fixed by golden tests): a token's hash is XXH3-64 of its
// UTF-8 bytes with the word seed; an n-gram's hash folds the next token's hash into the
// previous value with XXH3-64 over the 16 little-endian bytes of the two, with the
// n-gram seed, so it is order-sensitive; a char n-gram's hash is XXH3-64 of its bytes
// with the char seed. The id is hash % buckets.
class FeatureExtractor {
 public:
  // Throws InputError (see ValidateFeatureConfig).
  explicit FeatureExtractor(FeatureConfig config);
  const FeatureConfig& config() const { return config_; }
  // Normalizes, tokenizes and hashes; appends ids to `out` (cleared first). Returns how
  // many of them, at the front, are word n-grams (the rest are char n-grams).
  // Uses thread_local scratch buffers: no allocation per call once warm, except
  // growing `out`.
  size_t Extract(std::string_view raw_text, std::vector<uint32_t>& out) const;
  // The same, also appending to `word_hashes` (when not null) the hash of every word token
  // (words, and characters of scripts without spaces): what the reference statistics'
  // word filter stores (model/reference_stats.h AppendWordHashes), without normalizing and
  // tokenizing the text a second time.
  size_t Extract(std::string_view raw_text, std::vector<uint32_t>& out, std::vector<uint64_t>* word_hashes) const;

 private:
  FeatureConfig config_;
  text_internal::FastModulo bucket_modulo_;  // computes hash % buckets
};

}  // namespace trainops
