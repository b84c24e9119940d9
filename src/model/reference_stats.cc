#include "model/reference_stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/binary_io.h"
#include "common/error.h"
#include "common/splitmix64.h"
#include "text/feature_hash.h"
#include "text/features.h"
#include "text/tokenize.h"

namespace trainops {
namespace {

constexpr size_t kUnitBins = 20;
constexpr int kLengthMaxPower2 = 14;  // 16,384 code points: longer texts share the last bin

// Calls f(hash) for every word token of a raw text.
template <typename F>
void ForEachWordHash(std::string_view raw_text, F&& f) {
  thread_local std::vector<text_internal::Token> tokens;
  const std::string normalized = NormalizeText(raw_text);
  text_internal::TokenizeInto(normalized, tokens);
  for (const auto& token : tokens) {
    if (token.kind == text_internal::TokenKind::kWord || token.kind == text_internal::TokenKind::kChar) {
      f(text_internal::HashToken(token.text));
    }
  }
}

[[noreturn]] void Corrupt(const std::string& message) { throw CorruptFileError(message); }

std::string ToHex(const std::vector<uint64_t>& words) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(words.size() * 16);
  for (uint64_t w : words) {
    for (int byte = 0; byte < 8; ++byte) {
      const auto b = static_cast<unsigned>((w >> (8 * byte)) & 0xff);
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 15]);
    }
  }
  return out;
}

std::vector<uint64_t> FromHex(const std::string& hex) {
  if (hex.size() % 16 != 0) Corrupt("word filter bits are not a whole number of 64-bit words");
  auto digit = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    Corrupt(fmt::format("word filter bits hold a character that is not a hex digit ('{}')", c));
  };
  std::vector<uint64_t> words(hex.size() / 16);
  for (size_t w = 0; w < words.size(); ++w) {
    uint64_t v = 0;
    for (int byte = 0; byte < 8; ++byte) {
      const size_t at = w * 16 + static_cast<size_t>(byte) * 2;
      v |= static_cast<uint64_t>(digit(hex[at]) << 4 | digit(hex[at + 1])) << (8 * byte);
    }
    words[w] = v;
  }
  return words;
}

nlohmann::json HistogramToJson(const Histogram& h) { return {{"edges", h.edges}, {"counts", h.counts}}; }

Histogram HistogramFromJson(const nlohmann::json& j, const char* name, uint64_t rows) {
  Histogram h;
  h.edges = j.at("edges").get<std::vector<double>>();
  h.counts = j.at("counts").get<std::vector<uint64_t>>();
  if (h.counts.empty() || h.edges.size() != h.counts.size() + 1) {
    Corrupt(fmt::format("histogram {} has {} edges for {} bins", name, h.edges.size(), h.counts.size()));
  }
  for (size_t i = 1; i < h.edges.size(); ++i) {
    if (!(h.edges[i] > h.edges[i - 1])) Corrupt(fmt::format("histogram {} has edges out of order", name));
  }
  if (h.Total() != rows) {
    Corrupt(fmt::format("histogram {} counts {} rows, the statistics {}", name, h.Total(), rows));
  }
  return h;
}

uint64_t Sum(const std::vector<uint64_t>& v) {
  uint64_t total = 0;
  for (uint64_t x : v) total += x;
  return total;
}

}  // namespace

Histogram Histogram::Uniform(double lo, double hi, size_t bins) {
  Histogram h;
  h.counts.assign(bins, 0);
  for (size_t i = 0; i <= bins; ++i) {
    h.edges.push_back(lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(bins));
  }
  return h;
}

Histogram Histogram::PowersOfTwo(int max_power2) {
  Histogram h;
  h.edges.push_back(0);
  for (int p = 0; p <= max_power2; ++p) h.edges.push_back(std::ldexp(1.0, p));
  h.counts.assign(h.edges.size() - 1, 0);
  return h;
}

size_t Histogram::BinOf(double value) const {
  // NaN (no order with any edge) is put in the first bin rather than dropped, so every
  // observation is counted once.
  if (std::isnan(value)) return 0;
  const auto inner_begin = edges.begin() + 1, inner_end = edges.end() - 1;
  return static_cast<size_t>(std::upper_bound(inner_begin, inner_end, value) - inner_begin);
}

uint64_t Histogram::Total() const { return Sum(counts); }

uint64_t ReferenceStats::Correct() const { return Sum(label_correct); }

WordFilter WordFilter::Sized(uint64_t words) {
  WordFilter f;
  const double ln2 = std::log(2.0);
  const double wanted = std::ceil(-static_cast<double>(words) * std::log(kTargetFalsePositiveRate) / (ln2 * ln2));
  const uint64_t bit_count =
      std::clamp<uint64_t>((static_cast<uint64_t>(wanted) + 63) / 64 * 64, 64, kMaxBits);
  f.bits.assign(bit_count / 64, 0);
  // The optimal number of hash positions for the size actually used (capped: past 16 the
  // lookups cost more than the rate gains).
  const double k = words ? static_cast<double>(bit_count) / static_cast<double>(words) * ln2 : 1.0;
  f.hashes = static_cast<uint32_t>(std::clamp<double>(std::round(k), 1, 16));
  return f;
}

WordFilter WordFilter::FromTexts(const std::vector<std::string>& texts) {
  std::vector<uint64_t> hashes;
  for (const auto& text : texts) ForEachWordHash(text, [&](uint64_t h) { hashes.push_back(h); });
  return FromHashes(std::move(hashes));
}

void AppendWordHashes(std::string_view raw_text, std::vector<uint64_t>& out) {
  ForEachWordHash(raw_text, [&](uint64_t h) { out.push_back(h); });
}

WordFilter WordFilter::FromHashes(std::vector<uint64_t> hashes) {
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  WordFilter f = Sized(hashes.size());
  for (uint64_t h : hashes) f.Insert(h);
  f.distinct_words = hashes.size();
  return f;
}

double WordFilter::FalsePositiveRate() const {
  if (distinct_words == 0 || bits.empty()) return 0;
  const double fill = 1 - std::exp(-static_cast<double>(hashes) * static_cast<double>(distinct_words) /
                                   static_cast<double>(bit_count()));
  return std::pow(fill, hashes);
}

void WordFilter::Insert(uint64_t token_hash) {
  const uint64_t m = bit_count();
  const uint64_t step = SplitMix64Hash(token_hash) | 1;
  uint64_t pos = token_hash;
  for (uint32_t i = 0; i < hashes; ++i, pos += step) {
    const uint64_t bit = pos % m;
    bits[bit / 64] |= uint64_t{1} << (bit % 64);
  }
}

bool WordFilter::MayContain(uint64_t token_hash) const {
  const uint64_t m = bit_count();
  if (m == 0) return false;
  const uint64_t step = SplitMix64Hash(token_hash) | 1;
  uint64_t pos = token_hash;
  for (uint32_t i = 0; i < hashes; ++i, pos += step) {
    const uint64_t bit = pos % m;
    if (!(bits[bit / 64] >> (bit % 64) & 1)) return false;
  }
  return true;
}

OovCount CountOutOfVocabulary(std::string_view raw_text, const WordFilter& filter) {
  OovCount count;
  ForEachWordHash(raw_text, [&](uint64_t h) {
    ++count.tokens;
    if (!filter.MayContain(h)) ++count.unseen;
  });
  return count;
}

uint64_t TextLengthInCodePoints(std::string_view raw_text) {
  uint64_t n = 0;
  for (char c : raw_text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

ReferenceStats ReferenceStats::Empty(std::vector<std::string> labels, WordFilter train_words, bool multi_label) {
  ReferenceStats s;
  if (multi_label) {
    s.sets.emplace();
    s.sets->cardinality.assign(SetStats::kMaxCardinality + 1, 0);
  }
  s.label_counts.assign(labels.size(), 0);
  s.predicted_counts.assign(labels.size(), 0);
  s.label_correct.assign(labels.size(), 0);
  s.correct_by_confidence.assign(kUnitBins, 0);
  s.labels = std::move(labels);
  s.top_confidence = Histogram::Uniform(0, 1, kUnitBins);
  s.top_two_margin = Histogram::Uniform(0, 1, kUnitBins);
  s.feature_coverage = Histogram::Uniform(0, 1, kUnitBins);
  s.text_length = Histogram::PowersOfTwo(kLengthMaxPower2);
  s.oov_rate = Histogram::Uniform(0, 1, kUnitBins);
  s.train_words = std::move(train_words);
  return s;
}

void ReferenceStats::AddMeasures(std::string_view raw_text, const ScoredText& scored) {
  top_confidence.Add(scored.confidence);
  top_two_margin.Add(scored.margin);
  feature_coverage.Add(scored.coverage);
  text_length.Add(static_cast<double>(TextLengthInCodePoints(raw_text)));
  const OovCount oov = CountOutOfVocabulary(raw_text, train_words);
  oov_rate.Add(oov.Rate());
  word_tokens += oov.tokens;
  oov_tokens += oov.unseen;
}

void ReferenceStats::Add(std::string_view raw_text, const ScoredText& scored, std::optional<uint32_t> gold) {
  if (scored.predicted >= labels.size() || (gold && *gold >= labels.size())) {
    throw InternalError(fmt::format("reference statistics: label index out of range ({} labels)", labels.size()));
  }
  ++rows;
  if (gold) ++label_counts[*gold];
  ++predicted_counts[scored.predicted];
  if (gold && *gold == scored.predicted && HasCorrectness()) {
    ++label_correct[*gold];
    ++correct_by_confidence[top_confidence.BinOf(scored.confidence)];
  }
  AddMeasures(raw_text, scored);
}

void ReferenceStats::AddSet(std::string_view raw_text, const ScoredText& scored, const std::vector<uint32_t>& chosen,
                            const std::vector<uint32_t>* gold) {
  if (!sets) throw InternalError("reference statistics: AddSet on single-label statistics");
  for (uint32_t k : chosen) {
    if (k >= labels.size()) throw InternalError("reference statistics: label index out of range");
  }
  ++rows;
  for (uint32_t k : chosen) ++predicted_counts[k];
  ++sets->cardinality[std::min(chosen.size(), SetStats::kMaxCardinality)];
  sets->chosen_labels += chosen.size();
  if (gold) {
    for (uint32_t k : *gold) {
      if (k >= labels.size()) throw InternalError("reference statistics: label index out of range");
      ++label_counts[k];
      if (std::binary_search(chosen.begin(), chosen.end(), k)) {
        ++label_correct[k];
        ++sets->true_positives;
      }
    }
    sets->gold_labels += gold->size();
    sets->chosen_with_gold += chosen.size();
    if (*gold == chosen) ++correct_by_confidence[top_confidence.BinOf(scored.confidence)];
  }
  AddMeasures(raw_text, scored);
}

double ReferenceStats::MicroF1() const {
  if (!sets) return 0;
  const double denominator = static_cast<double>(sets->gold_labels + sets->chosen_with_gold);
  return denominator > 0 ? 2.0 * static_cast<double>(sets->true_positives) / denominator : 0.0;
}

nlohmann::json ReferenceStats::ToJson(bool with_filter_bits) const {
  nlohmann::json j;
  j["version"] = kVersion;
  j["rows"] = rows;
  j["labels"] = labels;
  j["label_counts"] = label_counts;
  j["predicted_counts"] = predicted_counts;
  if (HasCorrectness()) {
    j["label_correct"] = label_correct;
    j["correct_by_confidence"] = correct_by_confidence;
  }
  j["histograms"] = {{"top_confidence", HistogramToJson(top_confidence)},
                     {"top_two_margin", HistogramToJson(top_two_margin)},
                     {"feature_coverage", HistogramToJson(feature_coverage)},
                     {"text_length", HistogramToJson(text_length)},
                     {"oov_rate", HistogramToJson(oov_rate)}};
  j["word_tokens"] = word_tokens;
  j["oov_tokens"] = oov_tokens;
  if (sets) {
    j["sets"] = {{"cardinality", sets->cardinality},
                 {"gold_labels", sets->gold_labels},
                 {"true_positives", sets->true_positives},
                 {"chosen_labels", sets->chosen_labels},
                 {"chosen_with_gold", sets->chosen_with_gold}};
  }
  nlohmann::json filter = {{"kind", "bloom"},
                           {"key", "xxh3_64 word token hash (feature scheme)"},
                           {"distinct_words", train_words.distinct_words},
                           {"hashes", train_words.hashes},
                           {"bit_count", train_words.bit_count()},
                           {"false_positive_rate", train_words.FalsePositiveRate()}};
  if (with_filter_bits) filter["bits_hex"] = ToHex(train_words.bits);
  j["word_filter"] = filter;
  return j;
}

ReferenceStats ReferenceStats::FromJson(const nlohmann::json& j, const std::vector<uint64_t>* filter_bits) {
  try {
    const int version = j.at("version").get<int>();
    if (version > kVersion) {
      Corrupt(fmt::format("reference statistics have layout version {}, newer than this trainops reads ({}); "
                          "upgrade trainops",
                          version, kVersion));
    }
    if (version < 1) Corrupt(fmt::format("reference statistics have layout version {}", version));
    ReferenceStats s;
    s.rows = j.at("rows").get<uint64_t>();
    s.labels = j.at("labels").get<std::vector<std::string>>();
    s.label_counts = j.at("label_counts").get<std::vector<uint64_t>>();
    s.predicted_counts = j.at("predicted_counts").get<std::vector<uint64_t>>();
    if (s.label_counts.size() != s.labels.size() || s.predicted_counts.size() != s.labels.size()) {
      Corrupt("reference statistics' label counts do not match their labels");
    }
    if (j.contains("sets")) {  // multi-label: a row counts once per label of its set
      const auto& js = j.at("sets");
      SetStats sets;
      sets.cardinality = js.at("cardinality").get<std::vector<uint64_t>>();
      sets.gold_labels = js.at("gold_labels").get<uint64_t>();
      sets.true_positives = js.at("true_positives").get<uint64_t>();
      sets.chosen_labels = js.at("chosen_labels").get<uint64_t>();
      sets.chosen_with_gold = js.at("chosen_with_gold").get<uint64_t>();
      if (sets.cardinality.size() != SetStats::kMaxCardinality + 1 || Sum(sets.cardinality) != s.rows) {
        Corrupt("reference statistics' label-set sizes do not add up to their rows");
      }
      if (Sum(s.label_counts) != sets.gold_labels || Sum(s.predicted_counts) != sets.chosen_labels ||
          sets.chosen_with_gold > sets.chosen_labels ||
          sets.true_positives > std::min(sets.gold_labels, sets.chosen_with_gold)) {
        Corrupt("reference statistics' label-set counts do not add up");
      }
      s.sets = std::move(sets);
    } else if (Sum(s.label_counts) > s.rows || Sum(s.predicted_counts) != s.rows) {
      Corrupt("reference statistics' label counts do not add up to their rows");
    }
    if (j.contains("label_correct")) {
      s.label_correct = j.at("label_correct").get<std::vector<uint64_t>>();
      s.correct_by_confidence = j.at("correct_by_confidence").get<std::vector<uint64_t>>();
      if (s.label_correct.size() != s.labels.size()) Corrupt("reference statistics' correct counts do not match their labels");
      for (size_t i = 0; i < s.labels.size(); ++i) {
        if (s.label_correct[i] > s.label_counts[i]) Corrupt("reference statistics count more correct rows than rows of a label");
      }
      // Multi-label: exact-set rows by confidence, not a sum over labels.
      if (!s.sets && Sum(s.correct_by_confidence) != Sum(s.label_correct)) {
        Corrupt("reference statistics' correct counts by confidence do not add up");
      }
    }
    const auto& h = j.at("histograms");
    s.top_confidence = HistogramFromJson(h.at("top_confidence"), "top_confidence", s.rows);
    s.top_two_margin = HistogramFromJson(h.at("top_two_margin"), "top_two_margin", s.rows);
    if (s.HasCorrectness() && s.correct_by_confidence.size() != s.top_confidence.counts.size()) {
      Corrupt("reference statistics' correct counts by confidence do not match the confidence bins");
    }
    for (size_t b = 0; b < s.correct_by_confidence.size(); ++b) {
      if (s.correct_by_confidence[b] > s.top_confidence.counts[b]) {
        Corrupt("reference statistics count more correct rows than rows in a confidence bin");
      }
    }
    s.feature_coverage = HistogramFromJson(h.at("feature_coverage"), "feature_coverage", s.rows);
    s.text_length = HistogramFromJson(h.at("text_length"), "text_length", s.rows);
    s.oov_rate = HistogramFromJson(h.at("oov_rate"), "oov_rate", s.rows);
    s.word_tokens = j.at("word_tokens").get<uint64_t>();
    s.oov_tokens = j.at("oov_tokens").get<uint64_t>();
    if (s.oov_tokens > s.word_tokens) Corrupt("reference statistics count more unseen tokens than tokens");
    const auto& f = j.at("word_filter");
    if (f.at("kind").get<std::string>() != "bloom") Corrupt("reference statistics' word filter is not a bloom filter");
    s.train_words.distinct_words = f.at("distinct_words").get<uint64_t>();
    s.train_words.hashes = f.at("hashes").get<uint32_t>();
    if (s.train_words.hashes < 1 || s.train_words.hashes > 64) Corrupt("word filter has an impossible hash count");
    if (filter_bits) {
      s.train_words.bits = *filter_bits;
    } else {
      s.train_words.bits = FromHex(f.at("bits_hex").get<std::string>());
    }
    if (s.train_words.bits.empty() || s.train_words.bit_count() != f.at("bit_count").get<uint64_t>()) {
      Corrupt(fmt::format("word filter has {} bits, its header says {}", s.train_words.bit_count(),
                          f.at("bit_count").get<uint64_t>()));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    Corrupt(fmt::format("reference statistics are unreadable ({})", e.what()));
  }
}

nlohmann::json ReferenceStats::Summary() const {
  nlohmann::json j = {{"rows", rows},
          {"labels", labels.size()},
          {"histograms", {"top_confidence", "top_two_margin", "feature_coverage", "text_length", "oov_rate"}},
          {"validation_oov_rate", word_tokens ? static_cast<double>(oov_tokens) / static_cast<double>(word_tokens) : 0.0},
          {"train_distinct_words", train_words.distinct_words},
          {"word_filter_bytes", train_words.bits.size() * 8},
          {"word_filter_false_positive_rate", train_words.FalsePositiveRate()}};
  if (sets) {
    j["label_sets"] = {{"validation_micro_f1", MicroF1()},
                       {"mean_chosen_labels", rows ? static_cast<double>(sets->chosen_labels) / static_cast<double>(rows) : 0.0},
                       {"cardinality", sets->cardinality}};
  }
  return j;
}

ReferenceStats ComputeReferenceStats(std::vector<std::string> label_names, const std::vector<std::string>& train_texts,
                                     const std::vector<std::string>& validation_texts,
                                     const std::vector<uint32_t>& gold, const std::vector<ScoredText>& scored) {
  return ComputeReferenceStats(std::move(label_names), WordFilter::FromTexts(train_texts), validation_texts, gold,
                               scored);
}

ReferenceStats ComputeReferenceStats(std::vector<std::string> label_names, WordFilter train_words,
                                     const std::vector<std::string>& validation_texts,
                                     const std::vector<uint32_t>& gold, const std::vector<ScoredText>& scored) {
  if (gold.size() != validation_texts.size() || scored.size() != validation_texts.size()) {
    throw InternalError("reference statistics: texts, labels and predictions differ in number");
  }
  ReferenceStats stats = ReferenceStats::Empty(std::move(label_names), std::move(train_words));
  for (size_t i = 0; i < validation_texts.size(); ++i) stats.Add(validation_texts[i], scored[i], gold[i]);
  return stats;
}

ReferenceStats ComputeMultiLabelReferenceStats(std::vector<std::string> label_names, WordFilter train_words,
                                               const std::vector<std::string>& validation_texts,
                                               const std::vector<std::vector<uint32_t>>& gold,
                                               const std::vector<std::vector<uint32_t>>& chosen,
                                               const std::vector<ScoredText>& scored) {
  if (gold.size() != validation_texts.size() || chosen.size() != validation_texts.size() ||
      scored.size() != validation_texts.size()) {
    throw InternalError("reference statistics: texts, label sets and predictions differ in number");
  }
  ReferenceStats stats = ReferenceStats::Empty(std::move(label_names), std::move(train_words), /*multi_label=*/true);
  for (size_t i = 0; i < validation_texts.size(); ++i) stats.AddSet(validation_texts[i], scored[i], chosen[i], &gold[i]);
  return stats;
}

std::string EncodeReferenceStatsSection(const ReferenceStats& stats) {
  BinaryWriter w;
  w.U32(ReferenceStats::kVersion);
  w.Bytes(stats.ToJson(/*with_filter_bits=*/false).dump());
  w.Array(stats.train_words.bits);
  return std::move(w.str());
}

ReferenceStats DecodeReferenceStatsSection(std::string_view bytes) {
  BinaryReader r(bytes, "reference statistics section (REFS)");
  const uint32_t version = r.U32();
  if (version > static_cast<uint32_t>(ReferenceStats::kVersion)) {
    Corrupt(fmt::format("reference statistics section has version {}, newer than this trainops reads ({}); "
                        "upgrade trainops",
                        version, ReferenceStats::kVersion));
  }
  const std::string_view json = r.Bytes();
  std::vector<uint64_t> bits = r.Array<uint64_t>();
  if (r.remaining() != 0) Corrupt(fmt::format("reference statistics section has {} stray bytes at its end", r.remaining()));
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    Corrupt(fmt::format("reference statistics are unreadable ({})", e.what()));
  }
  return ReferenceStats::FromJson(parsed, &bits);
}

}  // namespace trainops
