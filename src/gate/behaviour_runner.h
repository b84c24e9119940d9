// Runs a behavioural suite (behaviour_suite.h) against a model: per kind (mft, inv, dir)
// how many cases passed, a few failing examples, and for invariance how often each
// perturbation kind changed the prediction ("typos break 12% of cases").
// A prediction is Classify (model/inference.h) with the model's own rejection: below its
// threshold, and for a text with no features, the predicted label is info.oos_label. A
// multi-label model's prediction is its set of chosen labels (ChosenLabels, each label's
// stored threshold): invariance compares sets, and `label` means "among the chosen labels".
// Thread-safe: the model is only read; each worker thread has its own Model::Scratch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gate/behaviour_suite.h"
#include "model/model.h"

namespace trainops {

struct BehaviourOptions {
  uint64_t seed = 42;            // perturbation seed
  int per_kind = 2;              // variants per perturbation kind and invariance case
  int max_failure_examples = 5;  // per behaviour kind
  int threads = 1;               // <= 0: all hardware threads
};

struct BehaviourFailure {
  std::string name;          // the case's name, or its file:line
  std::string where;         // file:line
  std::string text;          // the case's text
  std::string changed_text;  // inv: the perturbed text ("" when the original failed); dir: the changed text
  std::string perturbation;  // inv: the kind that broke it ("" when the original failed)
  std::string expected;      // a label, "all of {a, b} (missing b)", or for dir up/down "p(label) >= 0.4312"
  std::string got;           // the predicted label or, multi-label, set "{a, c}" (dir up/down: "p(label) = 0.2100")
  double confidence = 0;     // of the predicted label
  nlohmann::json ToJson() const;
};

struct BehaviourKindResult {
  size_t cases = 0;
  size_t passed = 0;
  std::vector<BehaviourFailure> failures;  // the first max_failure_examples, in file order
  bool empty() const { return cases == 0; }
  double pass_rate() const { return cases == 0 ? 1.0 : static_cast<double>(passed) / cases; }
  nlohmann::json ToJson() const;
};

// Invariance results of one perturbation kind over the cases it applied to.
struct PerturbationStats {
  size_t cases = 0;         // invariance cases with at least one variant of this kind
  size_t cases_broken = 0;  // of those, cases where some variant changed the prediction
  size_t variants = 0;
  size_t variants_broken = 0;
  double broken_rate() const { return cases == 0 ? 0.0 : static_cast<double>(cases_broken) / cases; }
  nlohmann::json ToJson() const;
};

struct BehaviourResult {
  BehaviourKindResult mft, inv, dir;
  std::map<std::string, PerturbationStats> perturbations;  // by PerturbationKindName
  size_t predictions = 0;
  double seconds = 0;
  uint64_t seed = 0;
  int per_kind = 0;

  const BehaviourKindResult& Of(BehaviourKind kind) const;
  // {"mft": {"cases", "passed", "pass_rate", "no_cases", "failures": [...]}, "inv": ...,
  //  "dir": ..., "perturbations": {"typo": {...}}, "predictions", "seconds", "seed", "per_kind"}
  nlohmann::json ToJson() const;
};

// Checks the suite's labels against the model first (CheckSuiteLabels; InputError).
BehaviourResult RunBehaviourTests(const Model& model, const BehaviourSuite& suite,
                                  const BehaviourOptions& options = {});

}  // namespace trainops
