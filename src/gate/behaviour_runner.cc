#include "gate/behaviour_runner.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "common/error.h"
#include "common/parallel.h"
#include "model/inference.h"
#include "gate/perturbations.h"

namespace trainops {
namespace {

constexpr double kDirEpsilon = 1e-6;

struct Predicted {
  std::string label;
  double confidence = 0;
};

// One worker's view of the model: its own scratch and buffers.
class Predictor {
 public:
  explicit Predictor(const Model& model) : model_(model) {}

  Predicted Top(std::string_view text) {
    ++count;
    const Decision d = Classify(model_, text, scratch_);
    return {LabelName(model_, d.label), d.confidence};
  }

  // Top prediction (with the model's rejection) and the probability of `label` from one
  // forward pass.
  Predicted TopAndProbability(std::string_view text, size_t label, double& probability) {
    ++count;
    const Decision d = Classify(model_, text, scratch_);
    probability = scratch_.probs[label];
    return {LabelName(model_, d.label), d.confidence};
  }

  size_t count = 0;

 private:
  const Model& model_;
  Model::Scratch scratch_;
};

struct KindOutcome {
  size_t cases = 0, broken = 0, variants = 0, variants_broken = 0;
};

struct CaseOutcome {
  bool passed = true;
  std::optional<BehaviourFailure> failure;  // the first thing that failed
  std::vector<std::pair<PerturbationKind, KindOutcome>> kinds;  // inv only
};

BehaviourFailure FailureOf(const BehaviourCase& c) {
  BehaviourFailure f;
  f.name = c.DisplayName();
  f.where = c.where;
  f.text = c.text;
  return f;
}

CaseOutcome RunMft(const BehaviourCase& c, Predictor& predictor) {
  CaseOutcome out;
  Predicted p = predictor.Top(c.text);
  if (p.label != c.label) {
    out.passed = false;
    BehaviourFailure f = FailureOf(c);
    f.expected = c.label;
    f.got = p.label;
    f.confidence = p.confidence;
    out.failure = std::move(f);
  }
  return out;
}

CaseOutcome RunInv(const BehaviourCase& c, const BehaviourSuite& suite, const BehaviourOptions& options,
                   Predictor& predictor) {
  CaseOutcome out;
  Predicted original = predictor.Top(c.text);
  if (!c.label.empty() && original.label != c.label) {
    out.passed = false;
    BehaviourFailure f = FailureOf(c);
    f.expected = c.label;
    f.got = original.label;
    f.confidence = original.confidence;
    out.failure = std::move(f);
  }
  const std::vector<PerturbationKind>& kinds = c.perturbations.empty() ? AllPerturbationKinds() : c.perturbations;
  for (PerturbationKind kind : kinds) {
    if (c.perturbations.empty() && !PerturbationApplies(c.text, kind, suite.products)) continue;
    std::vector<std::string> variants =
        Perturb(c.text, kind, options.per_kind, PerturbationSeed(options.seed, c.text, kind), suite.products);
    if (variants.empty()) continue;
    KindOutcome k;
    k.cases = 1;
    for (const std::string& v : variants) {
      ++k.variants;
      Predicted p = predictor.Top(v);
      if (p.label == original.label) continue;
      ++k.variants_broken;
      k.broken = 1;
      if (out.passed) {
        out.passed = false;
        BehaviourFailure f = FailureOf(c);
        f.changed_text = v;
        f.perturbation = PerturbationKindName(kind);
        f.expected = original.label;
        f.got = p.label;
        f.confidence = p.confidence;
        out.failure = std::move(f);
      }
    }
    out.kinds.emplace_back(kind, k);
  }
  return out;
}

CaseOutcome RunDir(const BehaviourCase& c, const Model& model, Predictor& predictor) {
  CaseOutcome out;
  BehaviourFailure f = FailureOf(c);
  f.changed_text = c.changed_text;
  if (c.expect == DirExpect::kTo) {
    Predicted p = predictor.Top(c.changed_text);
    if (p.label != c.label) {
      out.passed = false;
      f.expected = c.label;
      f.got = p.label;
      f.confidence = p.confidence;
      out.failure = std::move(f);
    }
    return out;
  }
  const auto& labels = model.info.labels;
  const size_t label = static_cast<size_t>(std::find(labels.begin(), labels.end(), c.label) - labels.begin());
  double before = 0, after = 0;
  predictor.TopAndProbability(c.text, label, before);
  Predicted p = predictor.TopAndProbability(c.changed_text, label, after);
  const bool up = c.expect == DirExpect::kUp;
  const bool ok = up ? after >= before - kDirEpsilon : after <= before + kDirEpsilon;
  if (!ok) {
    out.passed = false;
    f.expected = fmt::format("p({}) {} {:.4f}", c.label, up ? ">=" : "<=", before);
    f.got = fmt::format("p({}) = {:.4f} (predicted {})", c.label, after, p.label);
    f.confidence = p.confidence;
    out.failure = std::move(f);
  }
  return out;
}

}  // namespace

nlohmann::json BehaviourFailure::ToJson() const {
  nlohmann::json j = {{"name", name}, {"where", where}, {"text", text}, {"expected", expected},
                      {"got", got},   {"confidence", confidence}};
  if (!changed_text.empty()) j["changed_text"] = changed_text;
  if (!perturbation.empty()) j["perturbation"] = perturbation;
  return j;
}

nlohmann::json BehaviourKindResult::ToJson() const {
  nlohmann::json failing = nlohmann::json::array();
  for (const BehaviourFailure& f : failures) failing.push_back(f.ToJson());
  return {{"cases", cases}, {"passed", passed}, {"failed", cases - passed}, {"pass_rate", pass_rate()},
          {"no_cases", empty()}, {"failures", failing}};
}

nlohmann::json PerturbationStats::ToJson() const {
  return {{"cases", cases},
          {"cases_broken", cases_broken},
          {"broken_rate", broken_rate()},
          {"variants", variants},
          {"variants_broken", variants_broken}};
}

const BehaviourKindResult& BehaviourResult::Of(BehaviourKind kind) const {
  switch (kind) {
    case BehaviourKind::kMft:
      return mft;
    case BehaviourKind::kInv:
      return inv;
    case BehaviourKind::kDir:
      return dir;
  }
  return mft;
}

nlohmann::json BehaviourResult::ToJson() const {
  nlohmann::json by_kind = nlohmann::json::object();
  for (const auto& [name, stats] : perturbations) by_kind[name] = stats.ToJson();
  return {{"mft", mft.ToJson()},
          {"inv", inv.ToJson()},
          {"dir", dir.ToJson()},
          {"perturbations", by_kind},
          {"predictions", predictions},
          {"seconds", seconds},
          {"seed", seed},
          {"per_kind", per_kind}};
}

BehaviourResult RunBehaviourTests(const Model& model, const BehaviourSuite& suite, const BehaviourOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (model.num_labels() == 0) throw InputError("the model has no labels; it cannot run behavioural tests");
  CheckSuiteLabels(suite, model.info.labels, model.info.oos_label);

  const size_t n = suite.cases.size();
  std::vector<CaseOutcome> outcomes(n);
  const int threads = std::max(1, std::min(ResolveThreads(options.threads), static_cast<int>(n / 64) + 1));
  std::vector<size_t> counts(static_cast<size_t>(threads), 0);
  ParallelFor(n, threads, [&](size_t worker, size_t begin, size_t end) {
    Predictor predictor(model);
    for (size_t i = begin; i < end; ++i) {
      const BehaviourCase& c = suite.cases[i];
      switch (c.kind) {
        case BehaviourKind::kMft:
          outcomes[i] = RunMft(c, predictor);
          break;
        case BehaviourKind::kInv:
          outcomes[i] = RunInv(c, suite, options, predictor);
          break;
        case BehaviourKind::kDir:
          outcomes[i] = RunDir(c, model, predictor);
          break;
      }
    }
    counts[worker] = predictor.count;
  });

  BehaviourResult result;
  result.seed = options.seed;
  result.per_kind = options.per_kind;
  for (size_t i = 0; i < n; ++i) {
    const BehaviourCase& c = suite.cases[i];
    CaseOutcome& o = outcomes[i];
    BehaviourKindResult& r = c.kind == BehaviourKind::kMft   ? result.mft
                             : c.kind == BehaviourKind::kInv ? result.inv
                                                             : result.dir;
    ++r.cases;
    if (o.passed) {
      ++r.passed;
    } else if (o.failure && static_cast<int>(r.failures.size()) < options.max_failure_examples) {
      r.failures.push_back(std::move(*o.failure));
    }
    for (const auto& [kind, k] : o.kinds) {
      PerturbationStats& s = result.perturbations[PerturbationKindName(kind)];
      s.cases += k.cases;
      s.cases_broken += k.broken;
      s.variants += k.variants;
      s.variants_broken += k.variants_broken;
    }
  }
  for (size_t c : counts) result.predictions += c;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace trainops
