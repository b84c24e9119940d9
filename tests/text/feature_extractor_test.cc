// Tests for FeatureExtractor and the hashing scheme: exact id counts, the order and
// composition of ids, golden values (the cross-run and cross-platform contract: any
// change to normalization, tokenization, seeds or hashing must fail here and bump
// kFeatureSchemeVersion), disabled feature kinds, bucket ranges, config validation and
// concurrent use.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/hash.h"
#include "text/feature_hash.h"
#include "text/features.h"

namespace trainops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using text_internal::ExtendNgram;
using text_internal::HashCharNgram;
using text_internal::HashToken;

std::vector<uint32_t> Extract(const FeatureConfig& config, std::string_view text) {
  std::vector<uint32_t> ids;
  FeatureExtractor(config).Extract(text, ids);
  return ids;
}

FeatureConfig Config(int word_ngrams, int char_min, int char_max, uint32_t buckets = 1u << 22) {
  FeatureConfig config;
  config.word_ngrams = word_ngrams;
  config.char_ngram_min = char_min;
  config.char_ngram_max = char_max;
  config.buckets = buckets;
  return config;
}

// Golden hashes of the primitives: XXH3-64 with our seeds. If these change, every
// trained model's features change meaning.
TEST(FeatureHashTest, GoldenPrimitiveHashes) {
  EXPECT_EQ(HashToken("hello"), 0xcbd27083f8be70caULL);
  EXPECT_EQ(HashToken("world"), 0x980dd6deb9af4335ULL);
  EXPECT_EQ(ExtendNgram(HashToken("hello"), HashToken("world")), 0xb7b1b493bac39ca3ULL);
  EXPECT_EQ(HashCharNgram("<he"), 0x9e60bab0f9ae462bULL);
}

// feature_hash.h compiles XXH3 inline for speed; it must be the same function as the
// project-wide Hash64 (libxxhash), for every input length class of XXH3.
TEST(FeatureHashTest, InlineHashEqualsCommonHash64) {
  std::mt19937 rng(5);
  for (size_t length = 0; length <= 300; ++length) {
    std::string bytes(length, '\0');
    for (char& ch : bytes) ch = static_cast<char>(rng() & 0xFF);
    EXPECT_EQ(HashToken(bytes), Hash64(bytes, text_internal::kWordTokenSeed)) << length;
    EXPECT_EQ(HashCharNgram(bytes), Hash64(bytes, text_internal::kCharNgramSeed)) << length;
  }
}

TEST(FeatureHashTest, NgramHashIsOrderSensitiveAndKindsAreSeparated) {
  const uint64_t a = HashToken("a");
  const uint64_t b = HashToken("b");
  EXPECT_NE(ExtendNgram(a, b), ExtendNgram(b, a));
  EXPECT_NE(HashToken("ab"), HashCharNgram("ab"));  // word and char n-grams use other seeds
  EXPECT_NE(ExtendNgram(a, b), HashToken("a b"));
}

// Golden ids for whole texts (2^22 buckets, word 1..2, char 2..5, pinned here rather than
// taken from the defaults so a change of default cannot hide a change of hashing):
// normalization, tokenization and hashing together.
TEST(FeatureExtractorTest, GoldenIdsWithDefaultConfig) {
  const FeatureConfig config = Config(2, 2, 5);
  const std::vector<uint32_t> hello = Extract(config, "hello world");
  ASSERT_EQ(hello.size(), 39u);
  EXPECT_THAT(
      std::vector<uint32_t>(hello.begin(), hello.begin() + 8),
      ElementsAre(4092106u, 236707u, 3097397u, 3898743u, 2313237u, 1316274u, 3869632u, 1978070u));
  const std::vector<uint32_t> mixed = Extract(config, "Where\u2019s my order? \U0001F44D");
  ASSERT_EQ(mixed.size(), 59u);
  EXPECT_THAT(
      std::vector<uint32_t>(mixed.begin(), mixed.begin() + 8),
      ElementsAre(2291920u, 2014765u, 3244499u, 1582404u, 86711u, 2028657u, 3836806u, 195673u));
  const std::vector<uint32_t> cjk = Extract(config, "\u6CE8\u6587 caf\u00E9");
  ASSERT_EQ(cjk.size(), 19u);
  EXPECT_THAT(
      std::vector<uint32_t>(cjk.begin(), cjk.begin() + 8),
      ElementsAre(2883333u, 801181u, 2186241u, 2213612u, 2846711u, 2084644u, 3911816u, 1293069u));
}

// The ids are exactly the documented composition of the primitives, in order.
TEST(FeatureExtractorTest, IdsFollowTheDocumentedScheme) {
  const uint32_t buckets = 1000003;  // not a power of two: the plain modulo path
  const std::vector<uint32_t> ids = Extract(Config(2, 2, 3, buckets), "Hi yo");
  const uint64_t hi = HashToken("hi");
  const uint64_t yo = HashToken("yo");
  auto id = [&](uint64_t hash) { return static_cast<uint32_t>(hash % buckets); };
  EXPECT_THAT(ids,
              ElementsAre(id(hi), id(ExtendNgram(hi, yo)), id(yo),
                          // "<hi>": 2-grams, then 3-grams
                          id(HashCharNgram("<h")), id(HashCharNgram("hi")), id(HashCharNgram("i>")),
                          id(HashCharNgram("<hi")), id(HashCharNgram("hi>")),
                          // "<yo>"
                          id(HashCharNgram("<y")), id(HashCharNgram("yo")), id(HashCharNgram("o>")),
                          id(HashCharNgram("<yo")), id(HashCharNgram("yo>"))));
}

TEST(FeatureExtractorTest, CharNgramsCountCodePointsNotBytes) {
  // "<café>" is 6 code points (7 bytes): 2-grams only -> 5 of them, the last "é>".
  const std::vector<uint32_t> ids = Extract(Config(0, 2, 2), "caf\u00E9");
  const uint32_t buckets = 1u << 22;
  auto id = [&](std::string_view s) { return static_cast<uint32_t>(HashCharNgram(s) % buckets); };
  EXPECT_THAT(ids, ElementsAre(id("<c"), id("ca"), id("af"), id("f\u00E9"), id("\u00E9>")));
}

TEST(FeatureExtractorTest, TrigramsChainTheFold) {
  const std::vector<uint32_t> ids = Extract(Config(3, 0, 0), "a b c");
  const uint64_t a = HashToken("a"), b = HashToken("b"), c = HashToken("c");
  const uint32_t mask = (1u << 22) - 1;
  EXPECT_THAT(
      ids, ElementsAre(a & mask, ExtendNgram(a, b) & mask, ExtendNgram(ExtendNgram(a, b), c) & mask,
                       b & mask, ExtendNgram(b, c) & mask, c & mask));
}

struct CountCase {
  const char* name;
  FeatureConfig config;
  std::string text;
  size_t expected_ids;
};

void PrintTo(const CountCase& c, std::ostream* os) { *os << c.name; }

class FeatureCountTest : public ::testing::TestWithParam<CountCase> {};

TEST_P(FeatureCountTest, GivesExactNumberOfIds) {
  const CountCase& c = GetParam();
  EXPECT_EQ(Extract(c.config, c.text).size(), c.expected_ids) << c.name;
}

// Word ids: sum over n of (tokens - n + 1). Char ids per word of c code points, L = c+2:
// sum over n of (L - n + 1), minus 2 lone markers when n = 1 is included.
INSTANTIATE_TEST_SUITE_P(
    Cases, FeatureCountTest,
    ::testing::Values(
        // 2 unigrams + 1 bigram; "<hello>" and "<world>" (L=7): 6+5+4+3 each.
        CountCase{"two_words_default", Config(2, 2, 5), "hello world", 3 + 18 + 18},
        // where's, my, order, ? -> 4 + 3 word ids; "<where's>" L=9: 8+7+6+5,
        // "<my>" L=4: 3+2+1, "<order>" 18, "?" none.
        CountCase{"punctuation_gets_no_char_ngrams", Config(2, 2, 5), "Where's my order?",
                  7 + 26 + 6 + 18},
        CountCase{"word_trigrams", Config(3, 0, 0), "a b c d", 4 + 3 + 2},
        CountCase{"word_ngrams_longer_than_text", Config(5, 0, 0), "a b", 2 + 1},
        CountCase{"unigrams_only", Config(1, 0, 0), "one two three", 3},
        // "<ab>" L=4 with n=1..2: (4 - 2 markers) + 3.
        CountCase{"char_min_one_skips_lone_markers", Config(0, 1, 2), "ab", 2 + 3},
        // "<a>" L=3 with n=2..5: 2 + 1 (n=3 is the whole "<a>") + 0 + 0.
        CountCase{"single_letter_word", Config(0, 2, 5), "a", 3},
        // Emoji, CJK characters and punctuation: word ids only.
        CountCase{"no_char_ngrams_for_emoji_cjk_symbols", Config(1, 2, 5),
                  "\U0001F44D \u6211 ! \U0001F468\u200D\U0001F469", 4},
        // "<\u00E9t\u00E9>" L=5 code points: 4+3+2+1.
        CountCase{"non_ascii_word_code_points", Config(0, 2, 5), "\u00C9T\u00C9", 10},
        CountCase{"empty_text", Config(2, 2, 5), "", 0},
        CountCase{"whitespace_text", Config(2, 2, 5), " \t\n\u3000", 0},
        CountCase{"invalid_utf8_is_a_symbol", Config(2, 2, 5), "\xFF", 1}),
    [](const ::testing::TestParamInfo<CountCase>& info) { return info.param.name; });

TEST(FeatureExtractorTest, DisabledKindsContributeNothing) {
  const std::string text = "My order #123 hasn't arrived \U0001F622";
  const std::vector<uint32_t> both = Extract(Config(2, 2, 5), text);
  const std::vector<uint32_t> words = Extract(Config(2, 2, 0), text);
  const std::vector<uint32_t> chars = Extract(Config(0, 2, 5), text);
  EXPECT_FALSE(words.empty());
  EXPECT_FALSE(chars.empty());
  std::vector<uint32_t> concatenated = words;
  concatenated.insert(concatenated.end(), chars.begin(), chars.end());
  EXPECT_EQ(both, concatenated);  // word ids first, then char ids
  EXPECT_THAT(Extract(Config(0, 2, 0), text), IsEmpty());
  // char_ngram_min is ignored (even if invalid) once char n-grams are off.
  EXPECT_EQ(Extract(Config(2, 0, 0), text), words);
}

TEST(FeatureExtractorTest, EquivalentSpellingsGiveIdenticalIds) {
  const FeatureConfig config;
  EXPECT_EQ(Extract(config, "DON\u2019T  Stop"), Extract(config, "don't stop"));
  EXPECT_EQ(Extract(config, "\uFF21\uFF22\uFF23"), Extract(config, "abc"));
  EXPECT_EQ(Extract(config, "Cafe\u0301"), Extract(config, "caf\u00E9"));
  EXPECT_NE(Extract(config, "a b"), Extract(config, "b a"));
}

TEST(FeatureExtractorTest, IdsStayInBucketRange) {
  std::mt19937 rng(3);
  const std::vector<std::string> words = {"size", "return", "\u00E9t\u00E9", "\U0001F44D", "\u6211",
                                          "3.5",  "?",      "don't"};
  for (const uint32_t buckets : {1u, 2u, 7u, 1000u, 1u << 20, 4294967295u}) {
    FeatureExtractor extractor(Config(3, 1, 6, buckets));
    std::vector<uint32_t> ids;
    for (int iteration = 0; iteration < 200; ++iteration) {
      std::string text;
      for (int k = 0; k < 8; ++k) text += words[rng() % words.size()] + " ";
      extractor.Extract(text, ids);
      ASSERT_FALSE(ids.empty());
      for (const uint32_t id : ids) ASSERT_LT(id, buckets) << "buckets " << buckets;
    }
  }
  EXPECT_THAT(Extract(Config(1, 0, 0, 1), "a b"), ElementsAre(0u, 0u));
}

TEST(FeatureExtractorTest, PowerOfTwoMaskEqualsModulo) {
  const std::string text = "Where is my parcel? It's been 10 days \U0001F620";
  // 2^20 takes the mask path; the same hashes mod 2^20 must come out of 2^21 ids.
  const std::vector<uint32_t> small = Extract(Config(2, 2, 5, 1u << 20), text);
  std::vector<uint32_t> large = Extract(Config(2, 2, 5, 1u << 21), text);
  for (uint32_t& id : large) id %= (1u << 20);
  EXPECT_EQ(small, large);
}

// Prediction input is untrusted: any bytes must give ids, never an exception or a crash.
TEST(FeatureExtractorTest, RandomBytesNeverThrow) {
  const FeatureExtractor extractor(Config(3, 1, 6, 1000));
  std::mt19937 rng(41);
  std::vector<uint32_t> ids;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string text(rng() % 64, '\0');
    for (char& ch : text) ch = static_cast<char>(rng() & 0xFF);
    ASSERT_NO_THROW(extractor.Extract(text, ids)) << ::testing::PrintToString(text);
    for (const uint32_t id : ids) ASSERT_LT(id, 1000u);
  }
}

TEST(FeatureExtractorTest, ClearsOutputAndIsRepeatable) {
  FeatureExtractor extractor{FeatureConfig{}};
  std::vector<uint32_t> first{1, 2, 3};
  extractor.Extract("hello world", first);
  std::vector<uint32_t> second;
  extractor.Extract("something else entirely", second);
  extractor.Extract("hello world", second);
  EXPECT_EQ(first, second);
  // Default features: 2 word unigrams + 1 bigram, and char 2..4-grams of "<hello>" and
  // "<world>" (6 + 5 + 4 each).
  EXPECT_EQ(first.size(), 33u);
}

TEST(FeatureExtractorTest, LongTextsAndWords) {
  std::string long_word(5000, 'x');
  EXPECT_EQ(Extract(Config(1, 2, 5), long_word).size(), 1u + 5001 + 5000 + 4999 + 4998);
  std::string many_words;
  for (int k = 0; k < 10000; ++k) many_words += "w ";
  EXPECT_EQ(Extract(Config(2, 0, 0), many_words).size(), 10000u + 9999u);
}

TEST(FeatureExtractorTest, ConcurrentExtractionMatchesSequential) {
  const FeatureExtractor extractor{FeatureConfig{}};
  std::vector<std::string> texts;
  for (int k = 0; k < 64; ++k) {
    texts.push_back("message " + std::to_string(k) + " about size \u00E9t\u00E9 \U0001F44D " +
                    std::string(static_cast<size_t>(k), 'z'));
  }
  std::vector<std::vector<uint32_t>> expected(texts.size());
  for (size_t k = 0; k < texts.size(); ++k) extractor.Extract(texts[k], expected[k]);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint32_t> ids;
      for (int round = 0; round < 50; ++round) {
        for (size_t k = 0; k < texts.size(); ++k) {
          extractor.Extract(texts[(k + static_cast<size_t>(t)) % texts.size()], ids);
          if (ids != expected[(k + static_cast<size_t>(t)) % texts.size()]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

struct InvalidConfigCase {
  const char* name;
  FeatureConfig config;
  std::vector<std::string> message_parts;
};

void PrintTo(const InvalidConfigCase& c, std::ostream* os) { *os << c.name; }

class InvalidConfigTest : public ::testing::TestWithParam<InvalidConfigCase> {};

TEST_P(InvalidConfigTest, ThrowsInputErrorNamingTheField) {
  const InvalidConfigCase& c = GetParam();
  for (const bool via_constructor : {false, true}) {
    try {
      if (via_constructor) {
        FeatureExtractor extractor(c.config);
      } else {
        ValidateFeatureConfig(c.config);
      }
      ADD_FAILURE() << c.name << ": no error";
    } catch (const InputError& error) {
      EXPECT_THAT(error.what(), HasSubstr("feature config: "));
      for (const std::string& part : c.message_parts) {
        EXPECT_THAT(error.what(), HasSubstr(part)) << c.name;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InvalidConfigTest,
    ::testing::Values(
        InvalidConfigCase{"negative_word_ngrams",
                          Config(-1, 2, 5),
                          {"word_ngrams is -1", "use 0 (no word features) to 5"}},
        InvalidConfigCase{"too_many_word_ngrams", Config(6, 2, 5), {"word_ngrams is 6"}},
        InvalidConfigCase{"negative_char_max",
                          Config(2, 2, -1),
                          {"char_ngram_max is -1", "use 0 (no char features) to 10"}},
        InvalidConfigCase{"too_long_char_ngrams", Config(2, 2, 11), {"char_ngram_max is 11"}},
        InvalidConfigCase{"char_min_zero",
                          Config(2, 0, 3),
                          {"char_ngram_min is 0", "at least 1", "char_ngram_max to 0"}},
        InvalidConfigCase{"char_min_above_max",
                          Config(2, 5, 3),
                          {"char_ngram_min (5) is greater than char_ngram_max (3)",
                           "char_ngram_min <= char_ngram_max"}},
        InvalidConfigCase{"zero_buckets", Config(2, 2, 5, 0), {"buckets is 0", "at least 1"}}),
    [](const ::testing::TestParamInfo<InvalidConfigCase>& info) { return info.param.name; });

TEST(FeatureConfigTest, BoundaryValuesAreAccepted) {
  EXPECT_NO_THROW(ValidateFeatureConfig(Config(0, 0, 0, 1)));
  EXPECT_NO_THROW(ValidateFeatureConfig(Config(kMaxWordNgrams, 1, kMaxCharNgram, 4294967295u)));
  EXPECT_NO_THROW(ValidateFeatureConfig(Config(1, 3, 3)));
  EXPECT_NO_THROW(ValidateFeatureConfig(FeatureConfig{}));
}

TEST(FeatureConfigTest, UnicodeVersionIsReported) {
  EXPECT_THAT(std::string(UnicodeVersion()), ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
}

}  // namespace
}  // namespace trainops
