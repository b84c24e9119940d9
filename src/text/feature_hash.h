// How tokens, word n-grams and char n-grams become 64-bit hashes (internal header).
// These values are on disk in every trained model (as the row a feature's weights live
// in): changing a seed or the combine layout silently breaks all models, so any change
// must bump kFeatureSchemeVersion, and the golden tests will fail until it is done.
//
// The hash is XXH3-64, exactly what common/hash.h's Hash64 computes (a test checks
// they agree), but compiled inline here: feature extraction hashes ~175 short strings
// per message, and the out-of-line call into libxxhash cost more than half of Extract.
// Stateless, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace trainops::text_internal {

// ASCII tags read as big-endian numbers, so they are easy to spot in a hex dump.
inline constexpr uint64_t kWordTokenSeed = 0x776F72645F746F6BULL;  // "word_tok"
inline constexpr uint64_t kWordNgramSeed = 0x776F72645F6E6772ULL;  // "word_ngr"
inline constexpr uint64_t kCharNgramSeed = 0x636861725F6E6772ULL;  // "char_ngr"

// flatten: GCC otherwise keeps XXH3's dispatch out of line (it also holds the long-input
// path); inlining it all saves ~10% of Extract's instructions.
__attribute__((flatten)) inline uint64_t InlineHash64(std::string_view bytes, uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

// A token's hash; also the hash of a word unigram.
inline uint64_t HashToken(std::string_view token) { return InlineHash64(token, kWordTokenSeed); }

// The hash of n-gram (t1..tk, t) from the hash of (t1..tk) and HashToken(t): XXH3-64 of
// LE64(prefix) || LE64(token), seeded with kWordNgramSeed. The bytes are written
// explicitly little-endian so big-endian machines give the same ids.
inline uint64_t ExtendNgram(uint64_t prefix_hash, uint64_t token_hash) {
  unsigned char bytes[16];
  for (int byte = 0; byte < 8; ++byte) {
    bytes[byte] = static_cast<unsigned char>(prefix_hash >> (8 * byte));
    bytes[8 + byte] = static_cast<unsigned char>(token_hash >> (8 * byte));
  }
  return InlineHash64(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes),
                      kWordNgramSeed);
}

// The hash of a char n-gram given its UTF-8 bytes (markers "<" and ">" included).
inline uint64_t HashCharNgram(std::string_view bytes) {
  return InlineHash64(bytes, kCharNgramSeed);
}

}  // namespace trainops::text_internal
