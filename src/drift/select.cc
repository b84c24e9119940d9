#include "drift/select.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <unordered_map>

#include "check/text_key.h"
#include "common/splitmix64.h"

namespace trainops {
namespace {

// A seed picks the same rows anywhere (SplitMix64; std::uniform_int_distribution differs
// between standard libraries).
struct SeededStream {
  SplitMix64 gen;
  uint64_t Next() { return gen(); }
  // Uniform in [0, n) (rejection sampling, no modulo bias).
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do v = Next(); while (v >= limit);
    return v % n;
  }
};

struct Scored {
  std::vector<LabelSignals> signals;
  std::vector<NgramVector> vectors;
  std::vector<double> informativeness;
  std::vector<size_t> representative;  // per text: the first text with its duplicate key
};

Scored ScoreAll(const Model& model, const std::vector<std::string>& texts) {
  Scored s;
  const size_t n = texts.size();
  s.signals.resize(n);
  s.vectors.resize(n);
  s.informativeness.resize(n);
  s.representative.resize(n);
  Model::Scratch scratch;
  std::unordered_map<std::string, size_t> first_with_key;
  for (size_t i = 0; i < n; ++i) {
    s.representative[i] = first_with_key.try_emplace(DuplicateKey(texts[i]), i).first->second;
    if (s.representative[i] != i) continue;  // a repeat is never scored or picked
    s.signals[i] = ScoreForLabeling(model, texts[i], scratch, s.vectors[i]);
    s.informativeness[i] = Informativeness(s.signals[i]);
  }
  return s;
}

// Uniform over the rows (a text that appears three times is three times as likely, as in
// the traffic); a row whose text was already drawn is passed over.
std::vector<size_t> DrawRandom(const Scored& s, size_t count, uint64_t seed, const std::vector<double>& weights) {
  const bool weighted = weights.size() == s.representative.size() &&
                        std::any_of(weights.begin(), weights.end(), [&](double w) { return w != weights.front(); });
  if (weighted) {
    // Weighted sampling without replacement (Efraimidis and Spirakis 2006): the rows with
    // the largest u^(1/w) keys, u uniform in (0, 1).
    SeededStream rng{SplitMix64(seed)};
    std::vector<std::pair<double, size_t>> keys(weights.size());
    for (size_t i = 0; i < weights.size(); ++i) {
      const double u = (static_cast<double>(rng.Below(1u << 30)) + 0.5) / static_cast<double>(1u << 30);
      keys[i] = {std::log(u) / std::max(weights[i], 1e-12), i};
    }
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    std::vector<size_t> drawn;
    std::vector<bool> taken(weights.size(), false);
    for (const auto& [key, i] : keys) {
      if (drawn.size() >= count) break;
      const size_t rep = s.representative[i];
      if (taken[rep]) continue;
      taken[rep] = true;
      drawn.push_back(rep);
    }
    return drawn;
  }
  std::vector<size_t> order(s.representative.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  SeededStream rng{SplitMix64(seed)};
  std::vector<size_t> drawn;
  std::vector<bool> taken(order.size(), false);
  for (size_t i = 0; i < order.size() && drawn.size() < count; ++i) {
    std::swap(order[i], order[i + rng.Below(order.size() - i)]);  // Fisher-Yates, lazily
    const size_t rep = s.representative[order[i]];
    if (taken[rep]) continue;
    taken[rep] = true;
    drawn.push_back(rep);
  }
  return drawn;
}

double MaxSimilarity(const Scored& s, size_t text, const std::vector<size_t>& picked, size_t from, double current) {
  for (size_t k = from; k < picked.size(); ++k) current = std::max(current, Cosine(s.vectors[text], s.vectors[picked[k]]));
  return current;
}

// Greedy: the text with the highest informativeness * (1 - max similarity to the picks so
// far). Scores only fall as picks accumulate, so a stale heap entry is an upper bound:
// refresh it against the picks it has not seen, and pick it when it stays on top (lazy
// greedy). Ties go to the earlier row.
std::vector<SelectedText> PickDiverse(const Scored& s, std::vector<size_t>& picked, std::vector<bool>& taken,
                                      size_t count) {
  struct Entry {
    double score;
    size_t text;
    size_t seen;  // picks its similarity covers
    double similarity;
    bool operator<(const Entry& o) const { return score < o.score || (score == o.score && text > o.text); }
  };
  std::priority_queue<Entry> heap;
  for (size_t i = 0; i < s.representative.size(); ++i) {
    if (s.representative[i] == i && !taken[i]) heap.push({s.informativeness[i], i, 0, 0.0});
  }
  std::vector<SelectedText> out;
  while (out.size() < count && !heap.empty()) {
    Entry e = heap.top();
    heap.pop();
    if (e.seen < picked.size()) {
      e.similarity = MaxSimilarity(s, e.text, picked, e.seen, e.similarity);
      e.seen = picked.size();
      e.score = s.informativeness[e.text] * (1.0 - std::clamp(e.similarity, 0.0, 1.0));
      heap.push(e);
      continue;
    }
    SelectedText pick;
    pick.index = e.text;
    pick.score = e.score;
    pick.similarity = e.similarity;
    pick.signals = s.signals[e.text];
    pick.reason = MainReason(pick.signals);
    pick.reason_text = DescribeReason(pick.reason, pick.signals);
    out.push_back(std::move(pick));
    picked.push_back(e.text);
    taken[e.text] = true;
  }
  return out;
}

}  // namespace

size_t RandomPickCount(size_t budget, double random_share) {
  if (random_share <= 0 || budget == 0) return 0;
  const auto count = static_cast<size_t>(std::llround(static_cast<double>(budget) * random_share));
  if (count == 0 && budget > 1) return 1;
  return std::min(count, budget);
}

Selection SelectTexts(const Model& model, const std::vector<std::string>& texts, const SelectionSettings& settings) {
  const Scored s = ScoreAll(model, texts);
  Selection selection;
  for (size_t i = 0; i < texts.size(); ++i) selection.distinct_texts += s.representative[i] == i;
  selection.duplicate_texts = texts.size() - selection.distinct_texts;
  const size_t budget = std::min(settings.budget, selection.distinct_texts);

  const std::vector<size_t> random = DrawRandom(s, RandomPickCount(budget, settings.random_share), settings.seed, settings.weights);
  std::vector<bool> taken(texts.size(), false);
  for (size_t r : random) taken[r] = true;
  // Random picks are labelled too: the diverse picks steer away from them as well.
  std::vector<size_t> picked = random;
  std::vector<SelectedText> diverse = PickDiverse(s, picked, taken, budget - random.size());

  // Spread the random picks: the k-th goes at about (k + 1/2) / count of the list.
  const size_t total = random.size() + diverse.size();
  size_t next_random = 0, next_diverse = 0;
  for (size_t position = 0; position < total; ++position) {
    const bool random_turn =
        next_random < random.size() &&
        (next_diverse == diverse.size() ||
         static_cast<double>(position) + 0.5 >=
             (static_cast<double>(next_random) + 0.5) * static_cast<double>(total) / static_cast<double>(random.size()));
    if (random_turn) {
      SelectedText pick;
      pick.index = random[next_random++];
      pick.signals = s.signals[pick.index];
      pick.score = s.informativeness[pick.index];
      pick.reason = LabelReason::kRandom;
      pick.reason_text = DescribeReason(LabelReason::kRandom, pick.signals);
      selection.picks.push_back(std::move(pick));
    } else {
      selection.picks.push_back(std::move(diverse[next_diverse++]));
    }
  }
  selection.random_picks = random.size();
  return selection;
}

}  // namespace trainops
