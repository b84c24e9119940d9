// The label budget inside the loop (`trainops cycle --label-budget N`): which N messages
// of the window agents should label next, chosen as `trainops select` chooses (drift/select.h:
// informative and diverse picks plus a uniform random share), with what each stands for in
// accuracy estimates once its label arrives with a later window:
//
// - a ranked pick was chosen for being hard: it stands for itself (weight 1), a census of
//   the ranked picks;
// - a random pick was drawn uniformly from the window before ranking: it stands for
//   (M - K) / R of the window's M rows, K ranked and R random picks.
//
// The monitor weighs feedback by these (drift/monitor.cc, WeightedAccuracy), so the hard
// picks do not read as an accuracy drop, and leaves ranked picks out of per-label recall.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drift/traffic_window.h"
#include "registry/registry.h"

namespace trainops {
class Model;
}

namespace trainops::drift {

// The key a window row keeps in the registry: its id, else a digest of its text and time
// (not its label, which is what is still to come).
std::string SelectionKey(const WindowRow& row);

struct CycleSelection {
  std::vector<SelectionRow> rows;  // in the order to label them
  std::vector<const WindowRow*> window_rows;  // parallel to rows
  std::vector<double> scores;
  std::vector<std::string> reasons;
  size_t candidates = 0;  // window rows it chose from (traffic without feedback, with text)
  size_t random_picks = 0;
};

CycleSelection SelectForNextWindow(const Model& model, const TrafficWindow& window, size_t budget,
                                   double random_share, uint64_t seed);

// id,time,text,score,reason,stratum: one row per pick, in the order to label them.
std::string SelectionCsv(const CycleSelection& selection);

// Marks the window's labelled rows that an earlier cycle selected (stratum and weight).
// Returns how many rows of each stratum it found: {"ranked": n, "random": m}.
nlohmann::json MarkSelectedFeedback(TrafficWindow& window, const std::map<std::string, SelectionRow>& selections);

}  // namespace trainops::drift
