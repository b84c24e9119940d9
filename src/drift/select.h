// Which texts of a window of traffic a person should label first (`trainops select`,
// docs/select.md). Three aims pull together:
// - informative: texts the production model is unsure about, that lie outside its
//   training data, or that it rejected (drift/label_signals.h scores them);
// - diverse: a label teaches little when twenty paraphrases of one question get it, so
//   each pick's score is discounted by its similarity to the texts already picked, and a
//   text whose duplicate key (check/text_key.h) was seen is never picked twice;
// - unbiased: a share of the budget is a uniform random sample of the window's rows, so
//   accuracy measured on the labelled rows can still be estimated without the bias of
//   picking hard texts.
// Deterministic for a given seed. Pure function of a const Model; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "drift/label_signals.h"
#include "model/model.h"

namespace trainops {

inline constexpr double kDefaultRandomShare = 0.1;

struct SelectionSettings {
  size_t budget = 0;  // how many texts to pick (at most the number of distinct texts)
  double random_share = kDefaultRandomShare;  // of the budget, drawn uniformly from the rows
  uint64_t seed = 42;
  // Per text: the answered requests it stands for (a traffic log that sampled under load).
  // Empty or all equal: the random share is uniform over the rows; otherwise each row is
  // drawn with probability proportional to its weight (so the random share is a sample of
  // the traffic, not of the log).
  std::vector<double> weights;
};

struct SelectedText {
  size_t index = 0;       // into the texts given
  double score = 0;       // informativeness, discounted by similarity for the diverse picks
  double similarity = 0;  // cosine with the most similar text picked before it
  LabelReason reason = LabelReason::kUncertain;
  std::string reason_text;  // DescribeReason; for random picks "random (unbiased sample)"
  LabelSignals signals;
};

struct Selection {
  std::vector<SelectedText> picks;  // in the order to label them
  size_t distinct_texts = 0;        // texts left after duplicates were folded
  size_t duplicate_texts = 0;       // texts that repeat an earlier one (never picked)
  size_t random_picks = 0;
};

// Number of random picks for a budget: round(budget * share), at least 1 when the share is
// positive and the budget allows more than one pick, so the unbiased sample never
// silently vanishes on small budgets.
size_t RandomPickCount(size_t budget, double random_share);

// `texts` must be non-empty texts (the caller skips blank rows). Random picks are drawn
// first (so they are a uniform sample of the rows whatever the model says), the rest by
// greedy diverse selection; the random picks are then spread evenly through the list so
// that any prefix a team gets through keeps about the same random share.
Selection SelectTexts(const Model& model, const std::vector<std::string>& texts, const SelectionSettings& settings);

}  // namespace trainops
