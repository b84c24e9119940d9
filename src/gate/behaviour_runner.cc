#include "gate/behaviour_runner.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "common/error.h"
#include "common/parallel.h"
#include "common/strings.h"
#include "model/inference.h"
#include "gate/perturbations.h"

namespace trainops {
namespace {

constexpr double kDirEpsilon = 1e-6;

// What the model answers for one text: a single-label model's label after its rejection
// (the out-of-scope label when rejected), or a multi-label model's chosen labels.
struct Predicted {
  std::string label;              // single-label: the answer; multi-label: the most probable chosen label
  std::vector<std::string> set;   // the answer as a set: {label} (empty when "" ), or the chosen labels
  double confidence = 0;          // of `label`
  bool operator==(const Predicted& other) const { return set == other.set; }
};

// A set for reports: "{returns, refunds}", "{} (no label)".
std::string Describe(const std::vector<std::string>& set) {
  return set.empty() ? "{} (no label)" : "{" + Join(set, ", ") + "}";
}

// One worker's view of the model: its own scratch and buffers.
class Predictor {
 public:
  explicit Predictor(const Model& model) : model_(model) {}

  Predicted Predict(std::string_view text) {
    ++count;
    const Decision d = Classify(model_, text, scratch_);
    Predicted p;
    p.confidence = d.confidence;
    if (model_.info.multi_label) {
      ChosenLabels(model_, scratch_.probs, -1, d.empty, chosen_);
      for (uint32_t k : chosen_) p.set.push_back(model_.info.labels[k]);
      if (!d.rejected) p.label = LabelName(model_, d.label);
    } else {
      p.label = LabelName(model_, d.label);
      if (!p.label.empty()) p.set.push_back(p.label);
    }
    return p;
  }

  // The prediction and the probability of `label` from one forward pass.
  Predicted PredictWithProbability(std::string_view text, size_t label, double& probability) {
    Predicted p = Predict(text);
    probability = scratch_.probs[label];
    return p;
  }

  size_t count = 0;

 private:
  const Model& model_;
  Model::Scratch scratch_;
  std::vector<uint32_t> chosen_;
};

bool Contains(const std::vector<std::string>& set, const std::string& label) {
  return std::find(set.begin(), set.end(), label) != set.end();
}

// The first of the case's expectations the prediction misses, as the report's "expected"
// text; "" when all hold. `label` means "exactly this label" for a single-label model and
// "among the chosen labels" for a multi-label one.
std::string Unmet(const BehaviourCase& c, const Predicted& p, bool multi_label) {
  if (!c.label.empty()) {
    const bool ok = multi_label ? Contains(p.set, c.label) : p.label == c.label;
    if (!ok) return multi_label ? fmt::format("{} among the labels", c.label) : c.label;
  }
  std::vector<std::string> missing;
  for (const std::string& l : c.expect_all.labels) {
    if (!Contains(p.set, l)) missing.push_back(l);
  }
  if (!missing.empty()) return fmt::format("all of {} (missing {})", Describe(c.expect_all.labels), Join(missing, ", "));
  if (!c.expect_any.empty()) {
    bool any = false;
    for (const std::string& l : c.expect_any.labels) any = any || Contains(p.set, l);
    if (!any) return fmt::format("any of {}", Describe(c.expect_any.labels));
  }
  std::vector<std::string> present;
  for (const std::string& l : c.expect_none.labels) {
    if (Contains(p.set, l)) present.push_back(l);
  }
  if (!present.empty()) {
    return fmt::format("none of {} (got {})", Describe(c.expect_none.labels), Join(present, ", "));
  }
  return "";
}

// What the report shows as "got": the label (single-label) or the set (multi-label).
std::string Shown(const Predicted& p, bool multi_label) { return multi_label ? Describe(p.set) : p.label; }

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

CaseOutcome RunMft(const BehaviourCase& c, bool multi_label, Predictor& predictor) {
  CaseOutcome out;
  Predicted p = predictor.Predict(c.text);
  std::string unmet = Unmet(c, p, multi_label);
  if (!unmet.empty()) {
    out.passed = false;
    BehaviourFailure f = FailureOf(c);
    f.expected = std::move(unmet);
    f.got = Shown(p, multi_label);
    f.confidence = p.confidence;
    out.failure = std::move(f);
  }
  return out;
}

CaseOutcome RunInv(const BehaviourCase& c, const BehaviourSuite& suite, const BehaviourOptions& options,
                   bool multi_label, Predictor& predictor) {
  CaseOutcome out;
  Predicted original = predictor.Predict(c.text);
  std::string unmet = Unmet(c, original, multi_label);
  if (!unmet.empty()) {
    out.passed = false;
    BehaviourFailure f = FailureOf(c);
    f.expected = std::move(unmet);
    f.got = Shown(original, multi_label);
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
      Predicted p = predictor.Predict(v);
      if (p == original) continue;
      ++k.variants_broken;
      k.broken = 1;
      if (out.passed) {
        out.passed = false;
        BehaviourFailure f = FailureOf(c);
        f.changed_text = v;
        f.perturbation = PerturbationKindName(kind);
        f.expected = Shown(original, multi_label);
        f.got = Shown(p, multi_label);
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
  const bool multi_label = model.info.multi_label;
  BehaviourFailure f = FailureOf(c);
  f.changed_text = c.changed_text;
  if (c.expect == DirExpect::kTo) {
    Predicted p = predictor.Predict(c.changed_text);
    std::string unmet = Unmet(c, p, multi_label);
    if (!unmet.empty()) {
      out.passed = false;
      f.expected = std::move(unmet);
      f.got = Shown(p, multi_label);
      f.confidence = p.confidence;
      out.failure = std::move(f);
    }
    return out;
  }
  const auto& labels = model.info.labels;
  const size_t label = static_cast<size_t>(std::find(labels.begin(), labels.end(), c.label) - labels.begin());
  double before = 0, after = 0;
  predictor.PredictWithProbability(c.text, label, before);
  Predicted p = predictor.PredictWithProbability(c.changed_text, label, after);
  const bool up = c.expect == DirExpect::kUp;
  bool ok = up ? after >= before - kDirEpsilon : after <= before + kDirEpsilon;
  // Set expectations on an up/down case are about the changed text's answer, as for `to`.
  std::string unmet;
  if (ok && c.HasSetExpectations()) {
    BehaviourCase set_only = c;
    set_only.label.clear();
    unmet = Unmet(set_only, p, multi_label);
    ok = unmet.empty();
  }
  if (!ok) {
    out.passed = false;
    f.expected = unmet.empty() ? fmt::format("p({}) {} {:.4f}", c.label, up ? ">=" : "<=", before) : unmet;
    f.got = unmet.empty() ? fmt::format("p({}) = {:.4f} (predicted {})", c.label, after, Shown(p, multi_label))
                          : Shown(p, multi_label);
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
  CheckSuiteLabels(suite, model.info.labels, model.info.oos_label, model.info.multi_label);

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
          outcomes[i] = RunMft(c, model.info.multi_label, predictor);
          break;
        case BehaviourKind::kInv:
          outcomes[i] = RunInv(c, suite, options, model.info.multi_label, predictor);
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
