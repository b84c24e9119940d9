#include "drift/cycle_selection.h"

#include <fmt/format.h>

#include "common/hash.h"
#include "common/strings.h"
#include "data/csv_writer.h"
#include "drift/select.h"

namespace trainops::drift {

std::string SelectionKey(const WindowRow& row) {
  if (!row.id.empty()) return "id:" + row.id;
  return "text:" + HexDigest(Hash64(row.text + '\x1f' + row.time));
}

CycleSelection SelectForNextWindow(const Model& model, const TrafficWindow& window, size_t budget,
                                   double random_share, uint64_t seed) {
  CycleSelection out;
  std::vector<const WindowRow*> candidates;
  std::vector<std::string> texts;
  for (const WindowRow& row : window.rows) {
    if (row.late || !row.feedback.empty() || Trim(row.text).empty()) continue;  // labelled already, or nothing to read
    candidates.push_back(&row);
    texts.push_back(row.text);
  }
  out.candidates = candidates.size();
  if (candidates.empty() || budget == 0) return out;
  SelectionSettings settings;
  settings.budget = budget;
  settings.random_share = random_share;
  settings.seed = seed;
  // A window the log sampled: random picks are drawn in proportion to the requests each
  // row stands for, and then each stands for an equal share of the unranked requests
  // (Hansen-Hurwitz); a ranked pick stands for its own requests.
  for (const WindowRow* row : candidates) settings.weights.push_back(row->sample_weight);
  const Selection picked = SelectTexts(model, texts, settings);
  out.random_picks = picked.random_picks;
  double unranked = 0;
  for (const WindowRow* row : candidates) unranked += row->sample_weight;
  for (const SelectedText& pick : picked.picks) {
    if (pick.reason != LabelReason::kRandom) unranked -= candidates[pick.index]->sample_weight;
  }
  const double random_weight = picked.random_picks ? unranked / static_cast<double>(picked.random_picks) : 0;
  for (size_t i = 0; i < picked.picks.size(); ++i) {
    const SelectedText& pick = picked.picks[i];
    const WindowRow& row = *candidates[pick.index];
    const bool random = pick.reason == LabelReason::kRandom;
    out.rows.push_back({SelectionKey(row), row.text, random ? "random" : "ranked", random ? random_weight : row.sample_weight,
                        static_cast<int64_t>(i), 0});
    out.window_rows.push_back(&row);
    out.scores.push_back(pick.score);
    out.reasons.push_back(pick.reason_text);
  }
  return out;
}

std::string SelectionCsv(const CycleSelection& s) {
  std::string out = CsvLine({"id", "time", "text", "score", "reason", "stratum"});
  for (size_t i = 0; i < s.rows.size(); ++i) {
    const WindowRow& row = *s.window_rows[i];
    out += CsvLine({row.id, row.time, row.text, fmt::format("{:.4f}", s.scores[i]), s.reasons[i], s.rows[i].stratum});
  }
  return out;
}

nlohmann::json MarkSelectedFeedback(TrafficWindow& window, const std::map<std::string, SelectionRow>& selections) {
  size_t ranked = 0, random = 0;
  for (WindowRow& row : window.rows) {
    if (row.feedback.empty()) continue;
    auto it = selections.find(SelectionKey(row));
    if (it == selections.end()) continue;
    row.stratum = it->second.stratum;
    row.estimate_weight = it->second.estimate_weight;
    (row.stratum == "random" ? random : ranked) += 1;
  }
  return {{"ranked", ranked}, {"random", random}};
}

}  // namespace trainops::drift
