// What a model was trained on, summarized so that production traffic can be compared with
// it (the drift monitor): statistics of the held-out validation rows as the shipped model
// scores them (label counts, histograms of top confidence, top-two margin, feature coverage,
// text length and out-of-vocabulary rate) and a Bloom filter of the word tokens seen in
// training, with which the out-of-vocabulary rate of any text is measured. Stored in the
// model file's optional REFS section (docs/model_format.md); model files written before it
// load with Model::reference_stats empty.
//
// Traffic is meant to be measured with the same instruments: ReferenceStats::Empty gives
// the same labels, bins and filter with zero counts, and Add takes one text and what the
// model decided about it, so reference and traffic histograms compare bin for bin.
//
// Thread-safety: const methods are safe to call concurrently; Add is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainops {

// Fixed bins: bin i holds values in [edges[i], edges[i+1]); values below edges[0] count in
// the first bin and values at or above the last edge (1.0 for the [0,1] histograms) in the
// last, so every observation lands in exactly one bin.
struct Histogram {
  std::vector<double> edges;     // increasing, counts.size() + 1 of them
  std::vector<uint64_t> counts;  // one per bin
  static Histogram Uniform(double lo, double hi, size_t bins);
  // Edges 0, 1, 2, 4, ... 2^max_power2 (bins of doubling width).
  static Histogram PowersOfTwo(int max_power2);
  size_t BinOf(double value) const;
  void Add(double value) { ++counts[BinOf(value)]; }
  uint64_t Total() const;
  bool operator==(const Histogram&) const = default;
};

// A Bloom filter of word tokens (NormalizeText, then the tokenizer's words and characters
// of scripts written without spaces; punctuation, symbols and emoji are not words here).
// Key: the token's 64-bit feature hash (text/feature_hash.h HashToken); the `hashes` bit
// positions are h + i * (splitmix64(h) | 1) mod bit_count, i = 0..hashes-1. A word seen in
// training is always found; an unseen word is wrongly found with probability
// FalsePositiveRate(), so OOV rates are under-counted by about that share (the same way
// for reference and traffic).
struct WordFilter {
  static constexpr double kTargetFalsePositiveRate = 0.01;
  static constexpr uint64_t kMaxBits = uint64_t{1} << 23;  // 1 MiB; beyond it the rate rises

  uint64_t distinct_words = 0;
  uint32_t hashes = 1;
  std::vector<uint64_t> bits;  // bit_count() = 64 * bits.size()

  // Sized for `words` distinct words at kTargetFalsePositiveRate (within kMaxBits).
  static WordFilter Sized(uint64_t words);
  // All distinct words of the texts.
  static WordFilter FromTexts(const std::vector<std::string>& texts);
  // The words whose hashes (AppendWordHashes) are given; duplicates are fine.
  static WordFilter FromHashes(std::vector<uint64_t> hashes);
  uint64_t bit_count() const { return 64 * static_cast<uint64_t>(bits.size()); }
  // Expected rate at which an unseen word is reported as seen: (1 - e^{-k n / m})^k.
  double FalsePositiveRate() const;
  void Insert(uint64_t token_hash);
  bool MayContain(uint64_t token_hash) const;
  bool operator==(const WordFilter&) const = default;
};

// Word tokens of a raw text and how many of them `filter` does not know.
struct OovCount {
  uint64_t tokens = 0;
  uint64_t unseen = 0;
  double Rate() const { return tokens ? static_cast<double>(unseen) / static_cast<double>(tokens) : 0.0; }
};
OovCount CountOutOfVocabulary(std::string_view raw_text, const WordFilter& filter);
// Appends the hash of every word token of a raw text (what WordFilter stores).
void AppendWordHashes(std::string_view raw_text, std::vector<uint64_t>& out);

// Length in Unicode code points of the raw text (what the text-length histogram bins).
uint64_t TextLengthInCodePoints(std::string_view raw_text);

// What the model decided about one text (model/inference.h Decision), in the terms the
// statistics need.
struct ScoredText {
  // Index into ReferenceStats::labels of the answer after rejection: the top class, or the
  // out-of-scope label for a rejected text.
  uint32_t predicted = 0;
  float confidence = 0;  // calibrated probability of the top class
  float margin = 0;      // calibrated p(top) - p(second)
  float coverage = 1;    // SparseVector::coverage
};

// Multi-label models: how the answers look as sets. Alongside it, for such a model,
// ReferenceStats::predicted_counts[k] counts the rows label k was chosen for,
// label_counts[k] the rows whose gold set holds k, label_correct[k] those of them where k
// was chosen (k's recall), and correct_by_confidence the rows whose chosen set was exactly
// their gold set, per top_confidence bin (top_confidence: the most probable label's
// probability; top_two_margin: that minus the runner-up's).
struct SetStats {
  static constexpr size_t kMaxCardinality = 5;  // sets of 5 or more labels share the last bin
  std::vector<uint64_t> cardinality;  // rows by number of chosen labels, 0 .. kMaxCardinality
  uint64_t gold_labels = 0;           // sum of the gold sets' sizes
  uint64_t true_positives = 0;        // chosen labels in the gold set (over all rows)
  uint64_t chosen_labels = 0;         // sum of the chosen sets' sizes
  uint64_t chosen_with_gold = 0;      // the same over the rows with a gold set (micro-F1's)
  bool operator==(const SetStats&) const = default;
};

struct ReferenceStats {
  static constexpr int kVersion = 1;  // of the JSON layout; a newer one asks to upgrade

  uint64_t rows = 0;  // validation rows summarized
  // The model's labels in model order, then labels only validation has (the declared
  // out-of-scope label when it is not a class, which rejected texts are answered with).
  std::vector<std::string> labels;
  std::vector<uint64_t> label_counts;      // gold labels of the rows (the label prior)
  std::vector<uint64_t> predicted_counts;  // the model's answers after rejection
  // Rows whose answer (after rejection) was their gold label, per gold label, and per
  // top_confidence bin: the validation accuracy, each label's recall and the
  // confidence-to-accuracy map the drift monitor estimates accuracy without labels with.
  // Empty in model files written before they were added (the monitor then says so).
  std::vector<uint64_t> label_correct;
  std::vector<uint64_t> correct_by_confidence;
  Histogram top_confidence;    // [0,1], 20 bins
  Histogram top_two_margin;    // [0,1], 20 bins
  Histogram feature_coverage;  // [0,1], 20 bins
  Histogram text_length;       // code points, bins 0,1,2,4,...,16384 (last bin open-ended)
  Histogram oov_rate;          // per row: unseen word tokens / word tokens, [0,1], 20 bins
  uint64_t word_tokens = 0;    // over all rows
  uint64_t oov_tokens = 0;
  WordFilter train_words;      // word tokens of the training texts

  std::optional<SetStats> sets;  // multi-label models only (see SetStats)

  // Zero counts, standard bins, the given labels and filter (with `multi_label`, sets too).
  static ReferenceStats Empty(std::vector<std::string> labels, WordFilter train_words, bool multi_label = false);
  bool MultiLabel() const { return sets.has_value(); }
  // Whether label_correct and correct_by_confidence are present (see above).
  bool HasCorrectness() const { return !label_correct.empty(); }
  uint64_t Correct() const;  // sum of label_correct
  // One text: `gold` is its label's index (nullopt for traffic, whose labels are unknown).
  void Add(std::string_view raw_text, const ScoredText& scored, std::optional<uint32_t> gold);
  // One text of a multi-label model: `chosen` the labels it was answered with, `gold` its
  // gold set (nullptr for traffic); both sorted indexes into labels. scored.predicted is
  // not used.
  void AddSet(std::string_view raw_text, const ScoredText& scored, const std::vector<uint32_t>& chosen,
              const std::vector<uint32_t>* gold);
  // Micro-F1 over the rows added with a gold set (multi-label; 0 without any).
  double MicroF1() const;

  // Everything, the filter's bits included (hex of its little-endian 64-bit words) unless
  // `with_filter_bits` is false.
  nlohmann::json ToJson(bool with_filter_bits = true) const;
  // Validates sizes and sums; throws CorruptFileError saying what is wrong. `filter_bits`
  // supplies the bits when the JSON has none (the model file keeps them in binary).
  static ReferenceStats FromJson(const nlohmann::json& json,
                                 const std::vector<uint64_t>* filter_bits = nullptr);
  // A few numbers for run.json.
  nlohmann::json Summary() const;
  bool operator==(const ReferenceStats&) const = default;

 private:
  // The histograms and token counts of one text (what Add and AddSet share).
  void AddMeasures(std::string_view raw_text, const ScoredText& scored);
};

// The statistics of the validation rows as the shipped model scores them (the selected
// checkpoint with its final temperature and rejection threshold). `label_names` becomes
// ReferenceStats::labels; `gold` and every ScoredText::predicted index into it.
ReferenceStats ComputeReferenceStats(std::vector<std::string> label_names,
                                     const std::vector<std::string>& train_texts,
                                     const std::vector<std::string>& validation_texts,
                                     const std::vector<uint32_t>& gold, const std::vector<ScoredText>& scored);
// The same with the training words given as a filter (a streamed run never holds the
// training texts).
ReferenceStats ComputeReferenceStats(std::vector<std::string> label_names, WordFilter train_words,
                                     const std::vector<std::string>& validation_texts,
                                     const std::vector<uint32_t>& gold, const std::vector<ScoredText>& scored);

// The same for a multi-label model: each row's chosen and gold label sets.
ReferenceStats ComputeMultiLabelReferenceStats(std::vector<std::string> label_names, WordFilter train_words,
                                               const std::vector<std::string>& validation_texts,
                                               const std::vector<std::vector<uint32_t>>& gold,
                                               const std::vector<std::vector<uint32_t>>& chosen,
                                               const std::vector<ScoredText>& scored);

// The REFS section's bytes: u32 layout version | u64 n + n bytes of JSON without the filter
// bits | u64 n + n little-endian u64 filter words.
std::string EncodeReferenceStatsSection(const ReferenceStats& stats);
// Throws CorruptFileError (message without the file name; the caller adds it).
ReferenceStats DecodeReferenceStatsSection(std::string_view bytes);

}  // namespace trainops
