// Behavioural test suites for the release gate, in the style of CheckList (Ribeiro et al.
// 2020): minimum-functionality cases (this text must get this label), invariance cases
// (the prediction must not change under generated perturbations) and directional cases
// (a change to the text must move the prediction a given way). Loaded from YAML or JSON
// Lines (docs/behaviour_tests.md) with errors that name the file, line, field and fix.
// Plain data; loading is thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainops {

enum class BehaviourKind { kMft, kInv, kDir };
std::string BehaviourKindName(BehaviourKind kind);  // "mft" | "inv" | "dir"
const std::vector<BehaviourKind>& AllBehaviourKinds();

// What an invariance case perturbs (see perturbations.h for what each does).
enum class PerturbationKind { kTypo, kCase, kPunctuation, kPolite, kNumber, kProduct };
std::string PerturbationKindName(PerturbationKind kind);  // "typo", "case", ...
const std::vector<PerturbationKind>& AllPerturbationKinds();
std::optional<PerturbationKind> ParsePerturbationKind(std::string_view name);

// Directional expectation: `to` = the changed text is predicted as the label; `up` = the
// label's probability does not decrease; `down` = it does not increase.
enum class DirExpect { kTo, kUp, kDown };
std::string DirExpectName(DirExpect expect);

struct BehaviourCase {
  BehaviourKind kind = BehaviourKind::kMft;
  std::string name;   // "" when the file gives none
  std::string text;
  std::string label;  // mft: expected; inv: optional expected label of the original; dir: target
  // inv: the kinds asked for; empty = every kind that applies to the text.
  std::vector<PerturbationKind> perturbations;
  std::string changed_text;  // dir: the changed text (explicit, or text with prepend/append)
  DirExpect expect = DirExpect::kTo;
  // Label-set expectations (for multi-label models, and usable with single-label ones): the
  // prediction (mft, inv's original, dir's changed text) must contain every label of
  // expect_all, at least one of expect_any and none of expect_none. Empty = not asked.
  struct ExpectedLabels {
    std::vector<std::string> labels;
    std::string where;  // "file:line" of the field (for run-time label checks)
    bool empty() const { return labels.empty(); }
  };
  ExpectedLabels expect_all, expect_any, expect_none;
  std::string where;        // "file:line" of the case
  std::string label_where;  // "file:line" of its label field (for run-time label checks)

  bool HasSetExpectations() const { return !expect_all.empty() || !expect_any.empty() || !expect_none.empty(); }

  // The case's name, or its file:line when it has none (for reports).
  std::string DisplayName() const { return name.empty() ? where : name; }
};

struct BehaviourSuite {
  std::filesystem::path file;
  std::vector<std::string> products;  // names swapped by the product perturbation
  std::vector<BehaviourCase> cases;
  size_t Count(BehaviourKind kind) const;
};

// Reads a suite; the format follows the extension (.jsonl, .ndjson, .json: JSON Lines;
// .yaml, .yml: YAML; otherwise a first non-blank character '{' means JSON Lines).
// Throws InputError naming file:line, the field and how to fix it.
BehaviourSuite LoadBehaviourSuite(const std::filesystem::path& path);
// The same from text already in memory; `file` is used in messages only.
BehaviourSuite ParseBehaviourYaml(const std::string& text, const std::filesystem::path& file);
BehaviourSuite ParseBehaviourJsonl(const std::string& text, const std::filesystem::path& file);

// Checks every case's labels (label and expect_*) against a model's labels (plus its
// out-of-scope label, when it has one). Throws InputError "file:line: field label: unknown
// label ..., did you mean ...". `up`/`down` cases need a label with a probability, so the
// out-of-scope label is refused there; a single-label model predicts one label, so an
// expect_all of two labels (which could never pass) is refused for it.
void CheckSuiteLabels(const BehaviourSuite& suite, const std::vector<std::string>& labels,
                      const std::string& oos_label, bool multi_label = false);

}  // namespace trainops
