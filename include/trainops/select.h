// trainops/select.h: which messages of a window of traffic a support team should label
// first (`trainops select`, docs/select.md).
//
// SelectForLabeling scores every message of the window with a model (the task's
// production model from its registry, or a model file) and picks `budget` of them:
// uncertain ones (low top-two margin of the calibrated probabilities), ones from drifted
// regions (low feature coverage, words training never saw, rejected as out of scope),
// diverse (each pick discounted by its similarity to the picks before it; a duplicated
// text is picked at most once), plus a uniform random share of the budget so accuracy
// measured on the labelled rows stays unbiased. Deterministic for a given seed.
//
// Ownership: the result owns copies of the picked rows; nothing refers back to the files.
// Thread-safety: reentrant; concurrent calls are safe (the registry is only read). Output
// files are written atomically, and never over the traffic file.
//
// Errors: trainops::InputError naming the file, line and field and the fix (a missing
// text column, a budget below 1, a random share outside [0, 1], no production model and
// no model file, an output path that is the traffic file).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trainops/workflows.h>

namespace trainops {

struct SelectOptions {
  std::string task;     // task spec (required): text column, seed, registry
  std::string traffic;  // the window: CSV, TSV or JSONL with the text column
  // Or, without `traffic`, a window of the server's traffic log (ISO-8601 UTC; since
  // inclusive, until exclusive); its columns are those of `trainops traffic export`.
  std::string since, until;
  std::string traffic_log;  // "" = traffic.db next to the registry
  std::string model;    // a model file or registered id; "" = the task's production model in its registry
  std::string registry;  // "" = the spec's registry (ResolveRegistryPath)
  int64_t budget = 0;   // how many messages to pick (at least 1)
  std::optional<double> random_share;  // share of the budget drawn uniformly (default 0.1)
  std::optional<uint64_t> seed;        // default: the spec's seed
  std::string text_column;  // "" = the spec's data.text_column
  std::string format;       // csv, tsv or jsonl; "" = by extension
  std::string output;       // when set (not "-"), the CSV is written there atomically
};

struct SelectResult {
  // The traffic file's columns, in order (an id column included when there is one).
  std::vector<std::string> header;
  // The picked rows, in the order to label them: each row's values for `header` (a value
  // the row lacked is ""), and in the same order their score, reason and file line.
  std::vector<std::vector<std::string>> rows;
  std::vector<double> scores;        // informativeness in [0, 1], discounted by similarity to earlier picks
  std::vector<std::string> reasons;  // "uncertain: margin 0.03", "drifted: 45% unseen words",
                                     // "rejected as out-of-scope", "random (unbiased sample)"
  std::vector<uint64_t> lines;       // physical line of each picked row in the traffic file
  std::string model_id, model_path;  // the model that scored the window
  uint64_t window_rows = 0;          // rows read
  uint64_t empty_rows = 0;           // rows without text (skipped)
  uint64_t duplicate_rows = 0;       // rows repeating an earlier text (never picked)
  uint64_t random_picks = 0;
  std::vector<std::string> notes;    // for people: skipped rows, a budget larger than the window
};

SelectResult SelectForLabeling(const SelectOptions& options, const Messages& messages = {});

// The result as CSV: the header's columns then `score` and `reason` (named `select_score`
// and `select_reason` when the traffic already has such columns), one row per pick.
std::string SelectionCsv(const SelectResult& result);

}  // namespace trainops
