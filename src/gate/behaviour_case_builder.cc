// The checks of one behaviour case (its fields, its type, what applies to its kind), the
// same for both file formats; the readers in behaviour_suite.cc only say where fields are.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"
#include "gate/behaviour_suite.h"
#include "gate/behaviour_suite_internal.h"
#include "gate/perturbations.h"

namespace trainops::behaviour_internal {
namespace {

const std::vector<std::string>& CaseFields() {
  static const std::vector<std::string> fields = {"type",       "name",       "text",        "label",
                                                  "expect_all", "expect_any", "expect_none", "perturbations",
                                                  "changed_text", "append",   "prepend",     "expect"};
  return fields;
}

const std::vector<std::string>& FieldsOf(BehaviourKind kind) {
  static const std::vector<std::string> mft = {"type", "name", "text", "label", "expect_all", "expect_any",
                                               "expect_none"};
  static const std::vector<std::string> inv = {"type",       "name",       "text",        "label",
                                               "expect_all", "expect_any", "expect_none", "perturbations"};
  static const std::vector<std::string> dir = {"type",        "name",         "text",   "label",
                                               "expect_all",  "expect_any",   "expect_none", "changed_text",
                                               "append",      "prepend",      "expect"};
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

std::vector<std::string> PerturbationNames() {
  std::vector<std::string> names;
  for (PerturbationKind k : AllPerturbationKinds()) names.push_back(PerturbationKindName(k));
  return names;
}

class CaseBuilder {
 public:
  CaseBuilder(const std::filesystem::path& file, const std::vector<std::string>& products)
      : file_(file), products_(products) {}

  BehaviourCase Build(const RawCase& raw, size_t index) const {
    const std::string where = fmt::format("{}:{}", file_.string(), raw.line);
    const std::string which = fmt::format("case {}", index + 1);
    // Unknown fields first: a typo in a field name explains most other errors.
    for (const auto& [key, value] : raw.fields) {
      if (std::find(CaseFields().begin(), CaseFields().end(), key) == CaseFields().end()) {
        Fail(value.line, key,
             fmt::format("unknown field in {}{}; valid fields: {}", which, DidYouMean(key, CaseFields()),
                         Join(CaseFields(), ", ")));
      }
    }
    for (size_t i = 0; i < raw.fields.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (raw.fields[i].first == raw.fields[j].first) {
          Fail(raw.fields[i].second.line, raw.fields[i].first,
               fmt::format("given twice in {} (first on line {}); keep one", which, raw.fields[j].second.line));
        }
      }
    }
    BehaviourCase c;
    c.where = where;
    const RawField* type = raw.Find("type");
    if (!type) FailMissing(raw.line, "type", which, "add type: mft, inv or dir");
    std::string type_name = String(*type, "type");
    static const std::vector<std::string> kTypes = {"mft", "inv", "dir", "minimum_functionality", "invariance",
                                                    "directional"};
    if (type_name == "mft" || type_name == "minimum_functionality") {
      c.kind = BehaviourKind::kMft;
    } else if (type_name == "inv" || type_name == "invariance") {
      c.kind = BehaviourKind::kInv;
    } else if (type_name == "dir" || type_name == "directional") {
      c.kind = BehaviourKind::kDir;
    } else {
      Fail(type->line, "type",
           fmt::format("unknown case type {}{}; use mft (minimum functionality), inv (invariance) or dir "
                       "(directional)",
                       Quoted(type_name), DidYouMean(type_name, kTypes)));
    }
    const std::string kind = BehaviourKindName(c.kind);
    for (const auto& [key, value] : raw.fields) {
      const auto& allowed = FieldsOf(c.kind);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Fail(value.line, key,
             fmt::format("does not apply to a {} case; remove it (fields of {} cases: {})", kind, kind,
                         Join(allowed, ", ")));
      }
    }
    if (const RawField* name = raw.Find("name")) c.name = String(*name, "name");
    const RawField* text = raw.Find("text");
    if (!text) FailMissing(raw.line, "text", which, "add text: the message to classify");
    c.text = NonEmpty(*text, "text");
    const RawField* label = raw.Find("label");
    if (label) {
      c.label = NonEmpty(*label, "label");
      c.label_where = fmt::format("{}:{}", file_.string(), label->line);
    }
    ReadExpectedLabels(raw, "expect_all", c.expect_all);
    ReadExpectedLabels(raw, "expect_any", c.expect_any);
    ReadExpectedLabels(raw, "expect_none", c.expect_none);
    CheckExpectationsAgree(c);
    if (!label && !c.HasSetExpectations() && c.kind != BehaviourKind::kInv) {
      FailMissing(raw.line, "label", which,
                  c.kind == BehaviourKind::kMft
                      ? "add label: the label this text must get (or, for label sets, expect_all, expect_any "
                        "or expect_none)"
                      : "add label: the label the change should move towards or away from (or expect_all, "
                        "expect_any or expect_none for the changed text's labels)");
    }
    if (c.kind == BehaviourKind::kInv) ReadPerturbations(raw, c);
    if (c.kind == BehaviourKind::kDir) ReadDirectional(raw, c, which);
    if (c.kind == BehaviourKind::kDir && c.expect != DirExpect::kTo && !label) {
      FailMissing(raw.line, "label", which,
                  fmt::format("expect: {} is about one label's probability; add label: the label it is about",
                              DirExpectName(c.expect)));
    }
    return c;
  }

 private:
  [[noreturn]] void Fail(int line, const std::string& field, const std::string& message) const {
    throw InputError(fmt::format("{}:{}: field {}: {}", file_.string(), line, field, message));
  }
  [[noreturn]] void FailMissing(int line, const std::string& field, const std::string& which,
                                const std::string& fix) const {
    Fail(line, field, fmt::format("is required but missing in {}; {}", which, fix));
  }

  std::string String(const RawField& f, const std::string& field) const {
    if (f.type != RawField::Type::kString) Fail(f.line, field, fmt::format("expected a string, got {}", f.got));
    return f.text;
  }
  std::string NonEmpty(const RawField& f, const std::string& field) const {
    std::string s = String(f, field);
    if (Trim(s).empty()) Fail(f.line, field, "must not be empty");
    return s;
  }

  // expect_all / expect_any / expect_none: one label or a list of distinct, non-blank labels.
  void ReadExpectedLabels(const RawCase& raw, const std::string& field, BehaviourCase::ExpectedLabels& out) const {
    const RawField* f = raw.Find(field);
    if (!f) return;
    out.where = fmt::format("{}:{}", file_.string(), f->line);
    if (f->type == RawField::Type::kString) {
      out.labels.push_back(f->text);
    } else if (f->type == RawField::Type::kList) {
      out.labels = f->list;
    } else {
      Fail(f->line, field, fmt::format("expected a list of labels like [returns, refunds], got {}", f->got));
    }
    if (out.labels.empty()) Fail(f->line, field, "is empty; list at least one label or remove the field");
    for (size_t i = 0; i < out.labels.size(); ++i) {
      if (Trim(out.labels[i]).empty()) Fail(f->line, field, "holds a blank label; remove it");
      for (size_t j = 0; j < i; ++j) {
        if (out.labels[i] == out.labels[j]) {
          Fail(f->line, field, fmt::format("lists {} twice; keep one", Quoted(out.labels[i])));
        }
      }
    }
  }

  // A label both required and forbidden can never pass: a mistake in the file.
  void CheckExpectationsAgree(const BehaviourCase& c) const {
    for (const std::string& none : c.expect_none.labels) {
      const bool in_all =
          std::find(c.expect_all.labels.begin(), c.expect_all.labels.end(), none) != c.expect_all.labels.end();
      if (in_all || none == c.label) {
        throw InputError(fmt::format("{}: field expect_none: {} is also required ({}), so the case can never pass; "
                                     "remove it from one of them",
                                     c.expect_none.where, Quoted(none), in_all ? "expect_all" : "label"));
      }
    }
    if (!c.expect_any.empty()) {
      bool all_forbidden = true;
      for (const std::string& any : c.expect_any.labels) {
        if (std::find(c.expect_none.labels.begin(), c.expect_none.labels.end(), any) == c.expect_none.labels.end()) {
          all_forbidden = false;
        }
      }
      if (all_forbidden) {
        throw InputError(fmt::format("{}: field expect_any: every label is also in expect_none, so the case can "
                                     "never pass; remove them from one of the fields",
                                     c.expect_any.where));
      }
    }
  }

  void ReadPerturbations(const RawCase& raw, BehaviourCase& c) const {
    const RawField* f = raw.Find("perturbations");
    if (!f) return;
    std::vector<std::string> names;
    if (f->type == RawField::Type::kString) {
      names.push_back(f->text);
    } else if (f->type == RawField::Type::kList) {
      names = f->list;
    } else {
      Fail(f->line, "perturbations",
           fmt::format("expected a list like [typo, case], got {}", f->got));
    }
    if (names.empty()) {
      Fail(f->line, "perturbations",
           "is empty; list the kinds to test or remove the field to test every kind that applies");
    }
    for (const std::string& name : names) {
      std::optional<PerturbationKind> kind = ParsePerturbationKind(name);
      if (!kind) {
        Fail(f->line, "perturbations",
             fmt::format("unknown perturbation {}{}; valid kinds: {}", Quoted(name),
                         DidYouMean(name, PerturbationNames()), Join(PerturbationNames(), ", ")));
      }
      if (std::find(c.perturbations.begin(), c.perturbations.end(), *kind) != c.perturbations.end()) continue;
      if (!PerturbationApplies(c.text, *kind, products_)) {
        std::string why;
        switch (*kind) {
          case PerturbationKind::kNumber:
            why = "the text has no digits to change; remove number from the list";
            break;
          case PerturbationKind::kProduct:
            why = products_.size() < 2
                      ? "needs at least two names in the suite's products list; add them"
                      : "the text names none of the suite's products; add the product to products or "
                        "remove product from the list";
            break;
          case PerturbationKind::kTypo:
            why = "the text has no word of 4 or more ASCII letters to misspell; remove typo from the list";
            break;
          default:
            why = "it cannot change this text; remove it from the list";
            break;
        }
        Fail(f->line, "perturbations", fmt::format("perturbation {} does not apply: {}", name, why));
      }
      c.perturbations.push_back(*kind);
    }
  }

  void ReadDirectional(const RawCase& raw, BehaviourCase& c, const std::string& which) const {
    const RawField* changed = raw.Find("changed_text");
    const RawField* append = raw.Find("append");
    const RawField* prepend = raw.Find("prepend");
    if (changed && (append || prepend)) {
      Fail(changed->line, "changed_text",
           "cannot be combined with append or prepend; give either the whole changed text or the part "
           "to add");
    }
    if (changed) {
      c.changed_text = NonEmpty(*changed, "changed_text");
    } else if (append || prepend) {
      c.changed_text = c.text;
      if (prepend) c.changed_text = NonEmpty(*prepend, "prepend") + c.changed_text;
      if (append) c.changed_text += NonEmpty(*append, "append");
    } else {
      FailMissing(raw.line, "changed_text", which,
                  "a dir case needs the change: changed_text (the whole changed text), append or prepend");
    }
    if (c.changed_text == c.text) {
      Fail(changed ? changed->line : raw.line, "changed_text",
           "is the same as text; a directional case needs a change");
    }
    if (const RawField* expect = raw.Find("expect")) {
      std::string e = String(*expect, "expect");
      static const std::vector<std::string> kExpect = {"to", "up", "down"};
      if (e == "to") {
        c.expect = DirExpect::kTo;
      } else if (e == "up") {
        c.expect = DirExpect::kUp;
      } else if (e == "down") {
        c.expect = DirExpect::kDown;
      } else {
        Fail(expect->line, "expect",
             fmt::format("unknown expectation {}{}; use to (predicted as label), up (p(label) does not "
                         "decrease) or down (p(label) does not increase)",
                         Quoted(e), DidYouMean(e, kExpect)));
      }
    }
  }

  const std::filesystem::path& file_;
  const std::vector<std::string>& products_;
};

}  // namespace

BehaviourSuite Finish(const std::filesystem::path& file, std::vector<std::string> products,
                      const std::vector<RawCase>& raw_cases) {
  BehaviourSuite suite;
  suite.file = file;
  suite.products = std::move(products);
  CaseBuilder builder(file, suite.products);
  suite.cases.reserve(raw_cases.size());
  for (size_t i = 0; i < raw_cases.size(); ++i) suite.cases.push_back(builder.Build(raw_cases[i], i));
  return suite;
}

}  // namespace trainops::behaviour_internal
