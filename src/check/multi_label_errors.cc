// The label_errors check of multi-label tasks, label by label: out-of-fold probabilities
// from the one-vs-all model training uses (train/cross_fit.h), then confident learning
// (Northcutt et al. 2021) per label k with two thresholds, the mean out-of-fold
// probability of k over rows that have k (t+) and over rows that do not (t-). A row
// without k whose p_k reaches t+ looks like it misses k; a row with k whose p_k is at or
// below t- looks like k was added by mistake. Suspects are ranked by how far the
// probability is from the given label, |p_k - y|. Not thread-safe.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "check/checks_internal.h"
#include "train/cross_fit.h"
#include "train/feature_space.h"
#include "train/hyperparameters.h"
#include "train/training_data.h"

namespace trainops::check_internal {
namespace {

constexpr size_t kMinRows = 30;
// The one-vs-all model learns more slowly than the softmax the single-label check uses
// for 4 epochs; 10 passes at the multi-label defaults separate the labels of NLU++ hotels.
constexpr int kEpochs = 10;

}  // namespace

void CheckMultiLabelErrors(const CheckInput& in, CheckReport& report, int folds) {
  std::vector<std::string> texts;
  std::vector<std::pair<uint32_t, uint32_t>> origin;
  std::map<std::string, uint32_t> index;
  for (uint32_t s = 0; s < in.splits.size(); ++s) {
    for (uint32_t e = 0; e < in.splits[s].examples.size(); ++e) {
      for (const std::string& label : in.splits[s].examples[e].labels) index.emplace(label, 0);
      texts.push_back(in.splits[s].examples[e].text);
      origin.emplace_back(s, e);
    }
  }
  std::vector<std::string> names;
  for (auto& [label, i] : index) {
    i = static_cast<uint32_t>(names.size());
    names.push_back(label);
  }
  if (texts.size() < kMinRows || names.empty()) {
    report.summary["checks_skipped"]["label_errors"] = fmt::format("needs at least {} labelled rows", kMinRows);
    return;
  }
  std::vector<std::vector<uint32_t>> sets;
  for (const auto& [s, e] : origin) {
    std::vector<uint32_t> set;
    for (const std::string& label : in.splits[s].examples[e].labels) set.push_back(index[label]);
    std::sort(set.begin(), set.end());
    sets.push_back(std::move(set));
  }
  if (in.info) in.info(fmt::format("check-data: {}-fold out-of-fold predictions on {} rows, label by label", folds, texts.size()));

  Hyperparameters hp = ResolveHyperparameters(in.spec);
  hp.type = ModelType::kLinear;
  hp.epochs = kEpochs;
  hp.features.block_norm = false;  // the normalization its precision was measured with
  Model base;
  base.info.type = ModelType::kLinear;
  base.info.labels = names;
  base.info.multi_label = true;
  base.info.features = hp.features;
  base.extractor = FeatureExtractor(hp.features);
  BuildFeatureSpace(texts, hp.min_count, in.threads, base);
  EncodedData data = EncodeExamples(base, texts, std::vector<uint32_t>(texts.size(), kNoSingleLabel), in.threads);
  data.SetLabelSets(sets);
  // Each fold model trains all planned epochs (there is no validation to stop on).
  const std::vector<float> logits = OutOfFoldLogits(base, data, hp, hp.epochs, folds, in.threads);
  const size_t labels = names.size();

  std::vector<double> pos_sum(labels, 0), neg_sum(labels, 0);
  std::vector<size_t> pos(labels, 0), neg(labels, 0);
  std::vector<double> probs(logits.size());
  for (size_t j = 0; j < logits.size(); ++j) probs[j] = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[j])));
  auto probability = [&](size_t i, size_t k) { return probs[i * labels + k]; };
  auto has = [&](size_t i, uint32_t k) { return std::binary_search(sets[i].begin(), sets[i].end(), k); };
  for (size_t i = 0; i < texts.size(); ++i) {
    for (uint32_t k = 0; k < labels; ++k) {
      if (has(i, k)) {
        pos_sum[k] += probability(i, k);
        ++pos[k];
      } else {
        neg_sum[k] += probability(i, k);
        ++neg[k];
      }
    }
  }
  struct Suspect {
    uint32_t row, label;
    bool missing;  // the row lacks the label (else: has it spuriously)
    double p, score;
  };
  std::vector<Suspect> suspects;
  for (uint32_t i = 0; i < texts.size(); ++i) {
    for (uint32_t k = 0; k < labels; ++k) {
      if (!pos[k] || !neg[k]) continue;
      const double p = probability(i, k);
      const double high = pos_sum[k] / static_cast<double>(pos[k]), low = neg_sum[k] / static_cast<double>(neg[k]);
      if (!has(i, k) && p >= high) suspects.push_back({i, k, true, p, p});
      if (has(i, k) && p <= low) suspects.push_back({i, k, false, p, 1 - p});
    }
  }
  std::stable_sort(suspects.begin(), suspects.end(), [](const Suspect& a, const Suspect& b) { return a.score > b.score; });
  for (size_t r = 0; r < suspects.size(); ++r) {
    const Suspect& s = suspects[r];
    const auto [split_index, e] = origin[s.row];
    const Split& split = in.splits[split_index];
    const Example& ex = split.examples[e];
    Finding f;
    f.check = "label_errors";
    f.severity = Severity::kWarning;
    f.message = s.missing ? fmt::format("#{} {}:{} {} lacks \"{}\" but looks like it has it (out-of-fold probability "
                                        "{:.2f}); check its labels ({})",
                                        r + 1, split.file, ex.line, Quote(ex.text, 60), names[s.label], s.p,
                                        ex.labels.empty() ? "none" : ex.label)
                          : fmt::format("#{} {}:{} {} is labelled \"{}\" but looks like it is not (out-of-fold "
                                        "probability {:.2f}); check its labels ({})",
                                        r + 1, split.file, ex.line, Quote(ex.text, 60), names[s.label], s.p, ex.label);
    f.rows = {split.Ref(e)};
    f.details = {{"rank", r + 1},
                 {"split", split.name},
                 {"kind", s.missing ? "missing_label" : "spurious_label"},
                 {"label", names[s.label]},
                 {"given_labels", ex.labels},
                 {"probability", s.p},
                 {"score", s.score},
                 {"text", ex.text}};
    report.findings.push_back(std::move(f));
  }
  report.summary["label_errors"] = {{"folds", folds},
                                    {"epochs", hp.epochs},
                                    {"ranking", "distance from the given label, per label"},
                                    {"rows", texts.size()},
                                    {"suspects", suspects.size()}};
  // Outliers on word n-grams alone, as for single-label tasks (label_errors.cc says why),
  // against each label a row has.
  FeatureConfig words = hp.features;
  words.char_ngram_max = 0;
  Model word_space;
  word_space.info.type = ModelType::kLinear;
  word_space.info.labels = names;
  word_space.info.features = words;
  word_space.extractor = FeatureExtractor(words);
  BuildFeatureSpace(texts, hp.min_count, in.threads, word_space);
  FlagOutliers(in, names, origin,
               EncodeExamples(word_space, texts, std::vector<uint32_t>(texts.size(), kNoSingleLabel), in.threads),
               word_space.vocab.size(), sets, report);
}

}  // namespace trainops::check_internal
