// FeatureExtractor: normalized text -> tokens -> hashed word and char n-gram ids.
// Thread-safe: the extractor is immutable after construction and the per-call buffers
// are thread_local, so Extract allocates nothing once a thread has warmed up (the hot
// path of prediction, where the whole model has ~20 microseconds per text).
#include <string>
#include <vector>

#include "text/fast_modulo.h"
#include "text/feature_hash.h"
#include "text/features.h"
#include "text/normalize.h"
#include "text/tokenize.h"

namespace trainops {
namespace {

using text_internal::Token;
using text_internal::TokenKind;

struct ExtractScratch {
  std::string normalized;
  std::vector<Token> tokens;
  std::vector<uint64_t> token_hashes;
  std::string wrapped;               // "<" + word + ">"
  std::vector<uint32_t> cp_offsets;  // byte offset of each code point of `wrapped`, + end
};

ExtractScratch& ThreadScratch() {
  thread_local ExtractScratch scratch;
  return scratch;
}

class IdSink {
 public:
  IdSink(const text_internal::FastModulo& modulo, std::vector<uint32_t>& out)
      : modulo_(modulo), out_(out) {}
  void Add(uint64_t hash) { out_.push_back(modulo_(hash)); }  // hash % buckets

 private:
  const text_internal::FastModulo& modulo_;
  std::vector<uint32_t>& out_;
};

void AddWordNgrams(const std::vector<uint64_t>& token_hashes, int max_n, IdSink& sink) {
  const size_t count = token_hashes.size();
  for (size_t start = 0; start < count; ++start) {
    uint64_t hash = token_hashes[start];
    sink.Add(hash);
    for (size_t n = 2; n <= static_cast<size_t>(max_n) && start + n <= count; ++n) {
      hash = text_internal::ExtendNgram(hash, token_hashes[start + n - 1]);
      sink.Add(hash);
    }
  }
}

// Hashes every window of min_n..max_n code points of `bytes`, which holds `length` code
// points, the i-th starting at byte offset_of(i) (offset_of(length) is the end).
template <typename OffsetOf>
void AddWindows(std::string_view bytes, size_t length, int min_n, int max_n, OffsetOf offset_of,
                IdSink& sink) {
  for (size_t n = static_cast<size_t>(min_n); n <= static_cast<size_t>(max_n) && n <= length; ++n) {
    for (size_t start = 0; start + n <= length; ++start) {
      if (n == 1 && (start == 0 || start + 1 == length)) continue;  // lone "<" or ">"
      const size_t begin = offset_of(start);
      sink.Add(text_internal::HashCharNgram(bytes.substr(begin, offset_of(start + n) - begin)));
    }
  }
}

// Char n-grams of min_n..max_n code points over "<word>".
void AddCharNgrams(std::string_view word, int min_n, int max_n, ExtractScratch& scratch,
                   IdSink& sink) {
  std::string& wrapped = scratch.wrapped;
  wrapped.clear();
  wrapped.push_back('<');
  wrapped.append(word);
  wrapped.push_back('>');
  const std::string_view bytes = wrapped;

  bool ascii = true;
  for (const char ch : word) ascii = ascii && static_cast<unsigned char>(ch) < 0x80;
  if (ascii) {  // most words: code point i is byte i
    AddWindows(
        bytes, bytes.size(), min_n, max_n, [](size_t i) { return i; }, sink);
    return;
  }
  std::vector<uint32_t>& offsets = scratch.cp_offsets;
  offsets.clear();
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    // Normalized text is valid UTF-8, so code points start exactly at non-10xxxxxx bytes.
    if ((static_cast<unsigned char>(bytes[pos]) & 0xC0) != 0x80) {
      offsets.push_back(static_cast<uint32_t>(pos));
    }
  }
  const size_t length = offsets.size();
  offsets.push_back(static_cast<uint32_t>(bytes.size()));
  AddWindows(
      bytes, length, min_n, max_n, [&offsets](size_t i) { return size_t{offsets[i]}; }, sink);
}

const FeatureConfig& Validated(const FeatureConfig& config) {
  ValidateFeatureConfig(config);
  return config;
}

}  // namespace

FeatureExtractor::FeatureExtractor(FeatureConfig config)
    : config_(Validated(config)), bucket_modulo_(config_.buckets) {}

size_t FeatureExtractor::Extract(std::string_view raw_text, std::vector<uint32_t>& out) const {
  return Extract(raw_text, out, nullptr);
}

size_t FeatureExtractor::Extract(std::string_view raw_text, std::vector<uint32_t>& out,
                                 std::vector<uint64_t>* word_hashes) const {
  out.clear();
  if (config_.word_ngrams == 0 && config_.char_ngram_max == 0 && !word_hashes) return 0;
  ExtractScratch& scratch = ThreadScratch();
  text_internal::NormalizeInto(raw_text, scratch.normalized);
  text_internal::TokenizeInto(scratch.normalized, scratch.tokens);
  IdSink sink(bucket_modulo_, out);
  if (word_hashes) {
    for (const Token& token : scratch.tokens) {
      if (token.kind == TokenKind::kWord || token.kind == TokenKind::kChar) {
        word_hashes->push_back(text_internal::HashToken(token.text));
      }
    }
  }

  if (config_.word_ngrams > 0) {
    scratch.token_hashes.clear();
    for (const Token& token : scratch.tokens) {
      scratch.token_hashes.push_back(text_internal::HashToken(token.text));
    }
    AddWordNgrams(scratch.token_hashes, config_.word_ngrams, sink);
  }
  const size_t word_ids = out.size();
  if (config_.char_ngram_max > 0) {
    for (const Token& token : scratch.tokens) {
      if (token.kind != TokenKind::kWord) continue;
      AddCharNgrams(token.text, config_.char_ngram_min, config_.char_ngram_max, scratch, sink);
    }
  }
  return word_ids;
}

}  // namespace trainops
