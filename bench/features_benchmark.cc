// Benchmarks of the text stage: NormalizeText (with and without the ASCII fast path),
// Tokenize and FeatureExtractor::Extract on a few realistic support messages, plus the
// mean over the BANKING77 training queries when ../shared/data is present.
// Prediction has ~20 microseconds per text in total, so Extract should stay at a few.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "text/features.h"
#include "text/normalize.h"
#include "text/tokenize.h"

namespace trainops {
namespace {

// 10 words, pure ASCII: the typical chat message.
const std::string kShortAscii = "Where is my order? It was supposed to arrive on Monday!";
// Same length, typed on a phone: curly apostrophe and an emoji force the utf8proc path
// for their segments only.
const std::string kShortPhone = "I don\u2019t know my order number, can you help? \U0001F64F";
// ~110 words of email.
const std::string kLongRambling =
    "Hello, I hope you are well. I am writing because I ordered a pair of the Trail Runner "
    "GTX in size 10.5 about three weeks ago (order #AW-20931) and they still haven't "
    "arrived. The tracking page said 'out for delivery' last Tuesday, then nothing. I "
    "called the courier and they told me to contact you. To be honest I'm also not sure "
    "the size is right, my other pair is a 10 and it is a bit tight, so if it's easier I "
    "would be happy to exchange them for an 11 or just get a refund. I paid $129.99 by "
    "credit card. Could you please let me know what's going on? Thanks a lot, Jamie.";
// Chinese, Russian, Arabic and Japanese with emoji (skin tone, ZWJ sequence).
const std::string kNonLatin =
    "\u6211\u7684\u8BA2\u5355\u8FD8\u6CA1\u5230 \U0001F621 \u0413\u0434\u0435 \u043C\u043E\u0439 "
    "\u0437\u0430\u043A\u0430\u0437? \u0644\u0645 \u064A\u0635\u0644 \u0637\u0644\u0628\u064A "
    "\U0001F44E\U0001F3FD \u9774\u306E\u30B5\u30A4\u30BA\u304C\u5408\u3044\u307E\u305B\u3093 "
    "\U0001F468\u200D\U0001F469\u200D\U0001F467";

const std::string& TextFor(int index) {
  static const std::string* texts[] = {&kShortAscii, &kShortPhone, &kLongRambling, &kNonLatin};
  return *texts[index];
}

const char* NameFor(int index) {
  static const char* names[] = {"short_ascii", "short_phone", "long_rambling", "non_latin_emoji"};
  return names[index];
}

void SetCounters(benchmark::State& state, const std::string& text) {
  state.SetLabel(NameFor(static_cast<int>(state.range(0))));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

void BM_NormalizeText(benchmark::State& state) {
  const std::string& text = TextFor(static_cast<int>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    text_internal::NormalizeInto(text, out);
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, text);
}
BENCHMARK(BM_NormalizeText)->DenseRange(0, 3);

// Everything through utf8proc: the baseline the ASCII fast path is measured against.
void BM_NormalizeTextUtf8procOnly(benchmark::State& state) {
  const std::string& text = TextFor(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::string out = text_internal::NormalizeWithoutAsciiFastPath(text);
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, text);
}
BENCHMARK(BM_NormalizeTextUtf8procOnly)->DenseRange(0, 3);

// Token views, as the extractor uses them.
void BM_TokenizeViews(benchmark::State& state) {
  const std::string& text = TextFor(static_cast<int>(state.range(0)));
  const std::string normalized = NormalizeText(text);
  std::vector<text_internal::Token> tokens;
  for (auto _ : state) {
    text_internal::TokenizeInto(normalized, tokens);
    benchmark::DoNotOptimize(tokens.data());
  }
  SetCounters(state, text);
  state.counters["tokens"] = static_cast<double>(tokens.size());
}
BENCHMARK(BM_TokenizeViews)->DenseRange(0, 3);

// The public API, one std::string per token.
void BM_TokenizeStrings(benchmark::State& state) {
  const std::string& text = TextFor(static_cast<int>(state.range(0)));
  const std::string normalized = NormalizeText(text);
  for (auto _ : state) {
    std::vector<std::string> tokens = Tokenize(normalized);
    benchmark::DoNotOptimize(tokens.data());
  }
  SetCounters(state, text);
}
BENCHMARK(BM_TokenizeStrings)->DenseRange(0, 3);

void RunExtract(benchmark::State& state, const FeatureConfig& config) {
  const std::string& text = TextFor(static_cast<int>(state.range(0)));
  const FeatureExtractor extractor(config);
  std::vector<uint32_t> ids;
  for (auto _ : state) {
    extractor.Extract(text, ids);
    benchmark::DoNotOptimize(ids.data());
  }
  SetCounters(state, text);
  state.counters["ids"] = static_cast<double>(ids.size());
}

// Default config: word 1..2, char 2..5, 2^22 buckets (mask instead of division).
void BM_Extract(benchmark::State& state) { RunExtract(state, FeatureConfig{}); }
BENCHMARK(BM_Extract)->DenseRange(0, 3);

// fastText's 2,000,000 buckets: not a power of two, so each id costs a 64-bit division.
void BM_ExtractBuckets2M(benchmark::State& state) {
  FeatureConfig config;
  config.buckets = 2000000;
  RunExtract(state, config);
}
BENCHMARK(BM_ExtractBuckets2M)->DenseRange(0, 3);

void BM_ExtractWordsOnly(benchmark::State& state) {
  FeatureConfig config;
  config.char_ngram_max = 0;
  RunExtract(state, config);
}
BENCHMARK(BM_ExtractWordsOnly)->DenseRange(0, 3);

// First column of a CSV file with a header (RFC 4180 quoting), enough for the shared
// datasets; the project's real reader lives in src/data.
std::vector<std::string> ReadFirstColumn(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  std::vector<std::string> values;
  size_t pos = data.find('\n');
  while (pos != std::string::npos && pos + 1 < data.size()) {
    ++pos;
    std::string field;
    if (data[pos] == '"') {
      ++pos;
      while (pos < data.size()) {
        if (data[pos] == '"' && pos + 1 < data.size() && data[pos + 1] == '"') {
          field.push_back('"');
          pos += 2;
        } else if (data[pos] == '"') {
          ++pos;
          break;
        } else {
          field.push_back(data[pos++]);
        }
      }
    } else {
      while (pos < data.size() && data[pos] != ',' && data[pos] != '\n') {
        field.push_back(data[pos++]);
      }
    }
    values.push_back(field);
    pos = data.find('\n', pos);
  }
  return values;
}

// Mean time per text over real customer queries (BANKING77 train, 10,003 rows).
void BM_ExtractBanking77(benchmark::State& state) {
  const std::filesystem::path path = std::filesystem::path(TRAINOPS_SOURCE_DIR) / ".." / "shared" /
                                     "data" / "banking77" / "train.csv";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("../shared/data/banking77/train.csv not found");
    return;
  }
  const std::vector<std::string> texts = ReadFirstColumn(path);
  const FeatureExtractor extractor{FeatureConfig{}};
  std::vector<uint32_t> ids;
  size_t total_ids = 0;
  size_t index = 0;
  for (auto _ : state) {
    extractor.Extract(texts[index], ids);
    total_ids += ids.size();
    benchmark::DoNotOptimize(ids.data());
    if (++index == texts.size()) index = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["texts"] = static_cast<double>(texts.size());
  state.counters["mean_ids"] =
      static_cast<double>(total_ids) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ExtractBanking77);

}  // namespace
}  // namespace trainops

BENCHMARK_MAIN();
