// Behavioural tests of the release gate: the suite file formats and their errors, the
// seeded perturbations, and running suites against a small model trained in-process.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "common/error.h"
#include "data/utf8.h"
#include "gate/behaviour_runner.h"
#include "gate/behaviour_suite.h"
#include "gate/perturbations.h"
#include "model/model_io.h"
#include "test_support.h"
#include "train/train_run.h"

namespace trainops {
namespace {

using testing::SyntheticIntentCsv;
using testing::TempDir;

bool HasDigitsEqualAt(const std::string& a, const std::string& b) {
  // The digit sequences of both texts, in order.
  std::string da, db;
  for (char c : a)
    if (c >= '0' && c <= '9') da += c;
  for (char c : b)
    if (c >= '0' && c <= '9') db += c;
  return da == db;
}

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

// ---------------------------------------------------------------------------------------
// Loading

constexpr const char* kYamlSuite = R"(# behaviour tests
products: ["Air Runner", "TrailMax"]
cases:
  - type: mft
    name: plain return
    text: I want to return my shoes
    label: returns
  - type: invariance
    text: Where is my Air Runner order 123456?
    perturbations: [typo, number, product]
    label: shipping
  - type: inv
    text: send back the shoes please
  - type: dir
    text: my order
    append: " delivery tracking"
    label: shipping
  - type: directional
    text: courier delivery
    prepend: "paypal "
    label: shipping
    expect: down
  - type: dir
    text: hello
    changed_text: hello tracking courier
    label: shipping
    expect: up
)";

TEST(BehaviourSuiteTest, LoadsYaml) {
  TempDir dir;
  BehaviourSuite suite = LoadBehaviourSuite(dir.Write("b.yaml", kYamlSuite));
  ASSERT_EQ(suite.cases.size(), 6u);
  EXPECT_EQ(suite.products, (std::vector<std::string>{"Air Runner", "TrailMax"}));
  EXPECT_EQ(suite.Count(BehaviourKind::kMft), 1u);
  EXPECT_EQ(suite.Count(BehaviourKind::kInv), 2u);
  EXPECT_EQ(suite.Count(BehaviourKind::kDir), 3u);
  const BehaviourCase& mft = suite.cases[0];
  EXPECT_EQ(mft.name, "plain return");
  EXPECT_EQ(mft.DisplayName(), "plain return");
  EXPECT_EQ(mft.label, "returns");
  EXPECT_TRUE(mft.where.ends_with("b.yaml:4")) << mft.where;
  EXPECT_TRUE(mft.label_where.ends_with("b.yaml:7")) << mft.label_where;
  const BehaviourCase& inv = suite.cases[1];
  EXPECT_EQ(inv.kind, BehaviourKind::kInv);
  EXPECT_EQ(inv.perturbations, (std::vector<PerturbationKind>{PerturbationKind::kTypo, PerturbationKind::kNumber,
                                                              PerturbationKind::kProduct}));
  EXPECT_TRUE(inv.DisplayName().ends_with("b.yaml:8"));
  EXPECT_TRUE(suite.cases[2].perturbations.empty());
  EXPECT_TRUE(suite.cases[2].label.empty());
  EXPECT_EQ(suite.cases[3].changed_text, "my order delivery tracking");
  EXPECT_EQ(suite.cases[3].expect, DirExpect::kTo);
  EXPECT_EQ(suite.cases[4].changed_text, "paypal courier delivery");
  EXPECT_EQ(suite.cases[4].expect, DirExpect::kDown);
  EXPECT_EQ(suite.cases[5].changed_text, "hello tracking courier");
  EXPECT_EQ(suite.cases[5].expect, DirExpect::kUp);
}

TEST(BehaviourSuiteTest, LoadsJsonl) {
  TempDir dir;
  auto path = dir.Write("b.jsonl",
                        "{\"products\": [\"Air Runner\", \"TrailMax\"]}\n"
                        "\n"
                        "{\"type\": \"mft\", \"text\": \"I want to return my shoes\", \"label\": \"returns\"}\r\n"
                        "{\"type\": \"inv\", \"text\": \"TrailMax order 55\", \"perturbations\": [\"product\"]}\n"
                        "{\"type\": \"dir\", \"name\": \"d\", \"text\": \"my order\", \"append\": \" tracking\", "
                        "\"label\": \"shipping\", \"expect\": \"up\"}\n");
  BehaviourSuite suite = LoadBehaviourSuite(path);
  ASSERT_EQ(suite.cases.size(), 3u);
  EXPECT_EQ(suite.products.size(), 2u);
  EXPECT_TRUE(suite.cases[0].where.ends_with("b.jsonl:3"));
  EXPECT_TRUE(suite.cases[1].where.ends_with("b.jsonl:4"));
  EXPECT_EQ(suite.cases[1].perturbations, std::vector<PerturbationKind>{PerturbationKind::kProduct});
  EXPECT_EQ(suite.cases[2].changed_text, "my order tracking");
  EXPECT_EQ(suite.cases[2].name, "d");
  // Without a known extension the first character decides.
  auto sniffed = dir.Write("b.txt", "{\"type\": \"mft\", \"text\": \"x\", \"label\": \"returns\"}\n");
  EXPECT_EQ(LoadBehaviourSuite(sniffed).cases.size(), 1u);
  auto yaml = dir.Write("c.txt", "cases:\n  - {type: mft, text: x, label: returns}\n");
  EXPECT_EQ(LoadBehaviourSuite(yaml).cases.size(), 1u);
}

struct BadFile {
  const char* name;
  const char* contents;
  std::vector<std::string> expected;  // substrings of the message
};

TEST(BehaviourSuiteTest, ErrorsNameFileLineFieldAndFix) {
  const std::vector<BadFile> cases = {
      {"unknown_field.yaml", "cases:\n  - type: mft\n    text: hi\n    lable: returns\n",
       {"unknown_field.yaml:4:", "field lable", "did you mean \"label\""}},
      {"missing_label.yaml", "cases:\n  - type: mft\n    text: hi\n",
       {"missing_label.yaml:2:", "field label", "required", "add label"}},
      {"missing_text.yaml", "cases:\n  - type: inv\n    label: x\n", {"missing_text.yaml:2:", "field text"}},
      {"missing_type.yaml", "cases:\n  - text: hi\n    label: x\n", {"missing_type.yaml:2:", "field type"}},
      {"unknown_type.yaml", "cases:\n  - type: mtf\n    text: hi\n    label: x\n",
       {"unknown_type.yaml:2:", "field type", "did you mean \"mft\""}},
      {"wrong_type.yaml", "cases:\n  - type: mft\n    text: [a, b]\n    label: x\n",
       {"wrong_type.yaml:3:", "field text", "expected a string, got a list"}},
      {"bad_perturbation.yaml", "cases:\n  - type: inv\n    text: hello there\n    perturbations: [typo, cse]\n",
       {"bad_perturbation.yaml:4:", "field perturbations", "did you mean \"case\"", "valid kinds"}},
      {"number_no_digits.yaml", "cases:\n  - type: inv\n    text: hello there\n    perturbations: [number]\n",
       {"number_no_digits.yaml:4:", "no digits"}},
      {"product_no_list.yaml", "cases:\n  - type: inv\n    text: my TrailMax\n    perturbations: [product]\n",
       {"product_no_list.yaml:4:", "products list"}},
      {"field_of_other_kind.yaml", "cases:\n  - type: mft\n    text: hi\n    label: x\n    expect: up\n",
       {"field_of_other_kind.yaml:5:", "field expect", "does not apply to a mft case"}},
      {"dir_no_change.yaml", "cases:\n  - type: dir\n    text: hi\n    label: x\n",
       {"dir_no_change.yaml:2:", "changed_text", "append or prepend"}},
      {"dir_bad_expect.yaml", "cases:\n  - type: dir\n    text: hi\n    append: \" x\"\n    label: x\n    expect: upp\n",
       {"dir_bad_expect.yaml:6:", "field expect", "did you mean \"up\""}},
      {"dir_both.yaml",
       "cases:\n  - type: dir\n    text: hi\n    append: \" x\"\n    changed_text: hi x\n    label: x\n",
       {"dir_both.yaml:5:", "cannot be combined"}},
      {"empty_text.yaml", "cases:\n  - type: mft\n    text: \"  \"\n    label: x\n",
       {"empty_text.yaml:3:", "field text", "must not be empty"}},
      {"top_level.yaml", "products: [a, b]\ncase:\n  - type: mft\n", {"top_level.yaml:2:", "did you mean \"cases\""}},
      {"no_cases.yaml", "products: [a, b]\n", {"no_cases.yaml:1:", "field cases", "missing or empty"}},
      {"not_mapping.yaml", "- type: mft\n", {"not_mapping.yaml:1:", "mapping"}},
      {"case_not_mapping.yaml", "cases:\n  - just text\n", {"case_not_mapping.yaml:2:", "case 1"}},
      {"bad_products.yaml", "products: Air Runner\ncases:\n  - {type: mft, text: hi, label: x}\n",
       {"bad_products.yaml:1:", "field products", "list"}},
      {"comment_cut.yaml", "cases:\n  - type: mft\n    text: where is order #AS-123?\n    label: x  # fine here\n",
       {"comment_cut.yaml:3:", "field text", "cut at \" #\"", "text: \"where is order #AS-123?\""}},
      {"twice.yaml", "cases:\n  - type: mft\n    text: hi\n    label: x\n    text: again\n",
       {"twice.yaml:5:", "field text", "given twice"}},
      {"broken.yaml", "cases: [\n  {type: mft, text: hi\n", {"broken.yaml:", "not valid YAML"}},
      {"bad_json.jsonl", "{\"type\": \"mft\", \"text\": \"hi\", \"label\": \"x\"}\n{\"type\": mft}\n",
       {"bad_json.jsonl:2:", "not valid JSON"}},
      {"json_wrong_type.jsonl", "\n{\"type\": \"mft\", \"text\": 5, \"label\": \"x\"}\n",
       {"json_wrong_type.jsonl:2:", "field text", "got a number"}},
      {"json_unknown.jsonl", "{\"type\": \"inv\", \"txt\": \"hi\"}\n",
       {"json_unknown.jsonl:1:", "field txt", "did you mean \"text\""}},
      {"json_array.jsonl", "[1, 2]\n", {"json_array.jsonl:1:", "JSON object"}},
      {"json_empty.jsonl", "\n\n", {"json_empty.jsonl:1:", "no cases"}},
      {"json_products_twice.jsonl",
       "{\"products\": [\"a\", \"b\"]}\n{\"products\": [\"c\"]}\n{\"type\": \"mft\", \"text\": \"x\", \"label\": \"y\"}\n",
       {"json_products_twice.jsonl:2:", "given twice"}},
  };
  TempDir dir;
  for (const BadFile& bad : cases) {
    auto path = dir.Write(bad.name, bad.contents);
    std::string message = ErrorOf([&] { LoadBehaviourSuite(path); });
    for (const std::string& want : bad.expected) EXPECT_CONTAINS(message, want) << " (file " << bad.name << ")";
  }
  EXPECT_CONTAINS(ErrorOf([&] { LoadBehaviourSuite(dir / "missing.yaml"); }), "cannot open");
  // Quoted, a text may hold " #"; a comment after a label is fine.
  BehaviourSuite quoted =
      ParseBehaviourYaml("cases:\n  - type: mft\n    text: \"where is order #AS-123?\"  # ok\n    label: x  # ok\n",
                         "q.yaml");
  EXPECT_EQ(quoted.cases[0].text, "where is order #AS-123?");
  EXPECT_EQ(quoted.cases[0].label, "x");
}

// Found by fuzz/behaviour_suite_fuzz.cc: YAML lets a key be a list or a mapping; such a
// key escaped as YAML::BadConversion (no InputError, no line) instead of a file:line error.
TEST(BehaviourSuiteTest, AKeyThatIsNotANameIsAnInputErrorWithItsLine) {
  const std::vector<BadFile> cases = {
      // The fuzzer's input: JSON Lines read as YAML, its first line a mapping keyed by a list.
      {"fuzz_found.yaml", "{ [\"Air Runner\", \"TrailMax\"]}\n{\"type\": \"typo\"}\n",
       {"fuzz_found.yaml:1:", "field name must be a plain word", "not a list"}},
      {"top_key_map.yaml", "products: [a]\n? {x: 1}\n: y\ncases:\n  - {type: mft, text: hi, label: x}\n",
       {"top_key_map.yaml:2:", "field name", "not a mapping"}},
      {"case_key_list.yaml", "cases:\n  - type: mft\n    text: hi\n    ? [label]\n    : x\n",
       {"case_key_list.yaml:4:", "field name", "not a list"}},
  };
  for (const BadFile& bad : cases) {
    std::string message;
    try {
      ParseBehaviourYaml(bad.contents, bad.name);
      message = "(accepted)";
    } catch (const InputError& e) {
      message = e.what();
    }
    for (const std::string& want : bad.expected) EXPECT_CONTAINS(message, want) << " (file " << bad.name << ")";
  }
}

// The class of bug fuzz/jsonl_reader_fuzz.cc found in the data reader, here too: a number
// beyond double's range escaped as nlohmann's out_of_range instead of a file:line error.
TEST(BehaviourSuiteTest, ANumberTooLargeForADoubleIsInvalidJsonWithItsLine) {
  std::string message = "(accepted)";
  try {
    ParseBehaviourJsonl("{\"type\": \"mft\", \"text\": \"hi\", \"label\": \"x\"}\n"
                        "{\"type\": \"mft\", \"text\": \"hi\", \"label\": \"x\", \"n\": 1e999}\n",
                        "big.jsonl");
  } catch (const InputError& e) {
    message = e.what();
  }
  EXPECT_CONTAINS(message, "big.jsonl:2: not valid JSON");
  EXPECT_CONTAINS(message, "number overflow");
}

TEST(BehaviourSuiteTest, LabelsAreCheckedAgainstTheModel) {
  TempDir dir;
  BehaviourSuite suite = LoadBehaviourSuite(dir.Write("b.yaml",
                                                      "cases:\n"
                                                      "  - type: mft\n    text: hi\n    label: returns\n"
                                                      "  - type: mft\n    text: hi\n    label: oos\n"
                                                      "  - type: mft\n    text: hi\n    label: retruns\n"));
  std::vector<std::string> labels = {"returns", "shipping"};
  std::string message = ErrorOf([&] { CheckSuiteLabels(suite, labels, "oos"); });
  EXPECT_CONTAINS(message, "b.yaml:10: field label");
  EXPECT_CONTAINS(message, "did you mean \"returns\"");
  suite.cases.pop_back();
  EXPECT_NO_THROW(CheckSuiteLabels(suite, labels, "oos"));
  // Without an out-of-scope label, "oos" is unknown.
  EXPECT_CONTAINS(ErrorOf([&] { CheckSuiteLabels(suite, labels, ""); }), "b.yaml:7: field label");
  // up/down need a probability, which the out-of-scope label does not have.
  BehaviourSuite dir_suite = LoadBehaviourSuite(
      dir.Write("d.yaml", "cases:\n  - type: dir\n    text: hi\n    append: \" x\"\n    label: oos\n    expect: up\n"));
  EXPECT_CONTAINS(ErrorOf([&] { CheckSuiteLabels(dir_suite, labels, "oos"); }), "no probability");
}

// Label-set expectations: what loads, the mistakes refused with file:line, and the label
// checks that depend on the model (a single-label model cannot meet expect_all of two).
TEST(BehaviourSuiteTest, LabelSetExpectationsLoadAndTheirMistakesAreRefused) {
  BehaviourSuite suite = ParseBehaviourYaml(
      "cases:\n"
      "  - type: mft\n    text: too small, refund please\n    expect_all: [sizing, refunds]\n"
      "    expect_none: shipping\n"
      "  - type: inv\n    text: hello\n    expect_any: [sizing, returns]\n"
      "  - type: dir\n    text: too small\n    append: \" and refund me\"\n    expect_all: [refunds]\n",
      "s.yaml");
  ASSERT_EQ(suite.cases.size(), 3u);
  EXPECT_EQ(suite.cases[0].expect_all.labels, (std::vector<std::string>{"sizing", "refunds"}));
  EXPECT_EQ(suite.cases[0].expect_none.labels, (std::vector<std::string>{"shipping"}));  // one label as a string
  EXPECT_EQ(suite.cases[0].expect_all.where, "s.yaml:4");
  EXPECT_TRUE(suite.cases[0].label.empty());
  EXPECT_EQ(suite.cases[1].expect_any.labels.size(), 2u);
  EXPECT_EQ(suite.cases[2].expect, DirExpect::kTo);

  const std::vector<BadFile> cases = {
      {"empty_list.yaml", "cases:\n  - type: mft\n    text: hi\n    expect_all: []\n",
       {"empty_list.yaml:4:", "field expect_all", "is empty"}},
      {"twice_in_list.yaml", "cases:\n  - type: mft\n    text: hi\n    expect_any: [a, a]\n",
       {"twice_in_list.yaml:4:", "field expect_any", "lists \"a\" twice"}},
      {"not_labels.yaml", "cases:\n  - type: mft\n    text: hi\n    expect_none: {a: 1}\n",
       {"not_labels.yaml:4:", "field expect_none", "list of labels"}},
      {"contradiction.yaml", "cases:\n  - type: mft\n    text: hi\n    expect_all: [a, b]\n    expect_none: [b]\n",
       {"contradiction.yaml:5:", "field expect_none", "\"b\" is also required (expect_all)", "never pass"}},
      {"any_all_forbidden.yaml", "cases:\n  - type: mft\n    text: hi\n    expect_any: [a]\n    expect_none: [a]\n",
       {"any_all_forbidden.yaml:", "never pass"}},
      {"dir_up_without_label.yaml",
       "cases:\n  - type: dir\n    text: hi\n    append: \" x\"\n    expect_all: [a]\n    expect: up\n",
       {"dir_up_without_label.yaml:2:", "field label", "one label's probability"}},
      {"mft_nothing.yaml", "cases:\n  - type: mft\n    text: hi\n",
       {"mft_nothing.yaml:2:", "field label", "expect_all, expect_any or expect_none"}},
      {"json_number.jsonl", "{\"type\": \"mft\", \"text\": \"hi\", \"expect_all\": [1]}\n",
       {"json_number.jsonl:1:", "field expect_all", "non-string"}},
  };
  TempDir dir;
  for (const BadFile& bad : cases) {
    auto path = dir.Write(bad.name, bad.contents);
    std::string message = ErrorOf([&] { LoadBehaviourSuite(path); });
    for (const std::string& want : bad.expected) EXPECT_CONTAINS(message, want) << " (file " << bad.name << ")";
  }

  const std::vector<std::string> labels = {"sizing", "refunds", "returns", "shipping"};
  EXPECT_NO_THROW(CheckSuiteLabels(suite, labels, "", /*multi_label=*/true));
  // Single-label: one label of a set can never be all of two.
  EXPECT_CONTAINS(ErrorOf([&] { CheckSuiteLabels(suite, labels, "", false); }),
                  "s.yaml:4: field expect_all: the model is single-label");
  // Unknown labels in any of the lists name that list's line.
  BehaviourSuite unknown = ParseBehaviourYaml(
      "cases:\n  - type: mft\n    text: hi\n    expect_any: [sizing]\n    expect_none: [shiping]\n", "u.yaml");
  const std::string message = ErrorOf([&] { CheckSuiteLabels(unknown, labels, "", true); });
  EXPECT_CONTAINS(message, "u.yaml:5: field expect_none: the model has no label \"shiping\"");
  EXPECT_CONTAINS(message, "did you mean \"shipping\"");
}

// ---------------------------------------------------------------------------------------
// Perturbations

const std::vector<std::string> kProducts = {"Air Runner", "TrailMax", "CloudRunner 3"};
constexpr const char* kText = "Hi, where's my Air Runner order #AS-123456? It's been 12 days, thanks";

TEST(PerturbationTest, SameSeedSameVariantsOtherSeedOthers) {
  for (PerturbationKind kind : AllPerturbationKinds()) {
    auto a = Perturb(kText, kind, 2, PerturbationSeed(7, kText, kind), kProducts);
    auto b = Perturb(kText, kind, 2, PerturbationSeed(7, kText, kind), kProducts);
    EXPECT_EQ(a, b) << PerturbationKindName(kind);
    EXPECT_EQ(a.size(), 2u) << PerturbationKindName(kind);
    for (const auto& v : a) EXPECT_NE(v, kText) << PerturbationKindName(kind);
    if (a.size() == 2) {
      EXPECT_NE(a[0], a[1]);
    }
  }
  // A different seed changes the random kinds' variants (over a few seeds, to be robust).
  for (PerturbationKind kind : {PerturbationKind::kTypo, PerturbationKind::kNumber, PerturbationKind::kPolite}) {
    auto base = Perturb(kText, kind, 2, PerturbationSeed(7, kText, kind), kProducts);
    bool differs = false;
    for (uint64_t seed = 8; seed < 12; ++seed) {
      differs |= Perturb(kText, kind, 2, PerturbationSeed(seed, kText, kind), kProducts) != base;
    }
    EXPECT_TRUE(differs) << PerturbationKindName(kind);
  }
  EXPECT_NE(PerturbationSeed(1, "a", PerturbationKind::kTypo), PerturbationSeed(1, "a", PerturbationKind::kCase));
  EXPECT_NE(PerturbationSeed(1, "a", PerturbationKind::kTypo), PerturbationSeed(1, "b", PerturbationKind::kTypo));
  EXPECT_NE(PerturbationSeed(1, "a", PerturbationKind::kTypo), PerturbationSeed(2, "a", PerturbationKind::kTypo));
}

TEST(PerturbationTest, TypoKeepsDigitsAndChangesOneWord) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    for (const std::string& v : Perturb(kText, PerturbationKind::kTypo, 3, seed)) {
      EXPECT_TRUE(HasDigitsEqualAt(v, kText)) << v;
      EXPECT_LE(v.size() > std::string(kText).size() ? v.size() - std::string(kText).size()
                                                      : std::string(kText).size() - v.size(),
                1u);
      // The first letter of every word stays put, so short words and numbers are untouched.
      EXPECT_TRUE(v.starts_with("Hi, w")) << v;
    }
  }
  EXPECT_TRUE(Perturb("ok 123 abc", PerturbationKind::kTypo, 2, 1).empty());
  EXPECT_FALSE(PerturbationApplies("ok 123 abc", PerturbationKind::kTypo));
  // Letters glued to digits (order codes) are not words to misspell.
  EXPECT_TRUE(Perturb("AS12abcd", PerturbationKind::kTypo, 2, 1).empty());
}

TEST(PerturbationTest, CaseVariants) {
  auto v = Perturb("Where's my order? don't WAIT", PerturbationKind::kCase, 3, 5);
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<std::string>{"WHERE'S MY ORDER? DON'T WAIT", "Where's My Order? Don't Wait",
                                         "where's my order? don't wait"}));
  EXPECT_EQ(Perturb("Hello", PerturbationKind::kCase, 5, 1).size(), 2u);  // title == original
  EXPECT_TRUE(Perturb("123 !", PerturbationKind::kCase, 2, 1).empty());
}

TEST(PerturbationTest, PunctuationAndPolite) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    for (const std::string& v : Perturb("Hi, where's my order?", PerturbationKind::kPunctuation, 3, seed)) {
      // Only punctuation changes: the letters are the same.
      std::string a, b;
      for (char c : v)
        if (std::isalnum(static_cast<unsigned char>(c))) a += c;
      for (char c : std::string("Hi, where's my order?"))
        if (std::isalnum(static_cast<unsigned char>(c))) b += c;
      EXPECT_EQ(a, b) << v;
    }
    for (const std::string& v : Perturb("where is my order", PerturbationKind::kPolite, 2, seed)) {
      EXPECT_NE(v.find("where is my order"), std::string::npos) << v;
      EXPECT_GT(v.size(), std::string("where is my order").size());
    }
  }
  auto p = Perturb("Hi, where's my order?", PerturbationKind::kPunctuation, 10, 3);
  EXPECT_NE(std::find(p.begin(), p.end(), "Hi, where's my order"), p.end());
  EXPECT_NE(std::find(p.begin(), p.end(), "Hi where's my order?"), p.end());
  EXPECT_NE(std::find(p.begin(), p.end(), "Hi, wheres my order?"), p.end());
}

TEST(PerturbationTest, NumberKeepsLengthAndLeadingNonZero) {
  const std::string text = "order 123456 and 0042, size 9.5";
  for (uint64_t seed = 0; seed < 200; ++seed) {
    for (const std::string& v : Perturb(text, PerturbationKind::kNumber, 2, seed)) {
      ASSERT_EQ(v.size(), text.size());
      EXPECT_NE(v, text);
      for (size_t i = 0; i < text.size(); ++i) {
        bool digit = std::isdigit(static_cast<unsigned char>(text[i]));
        EXPECT_EQ(digit, static_cast<bool>(std::isdigit(static_cast<unsigned char>(v[i])))) << v;
        if (!digit) {
          EXPECT_EQ(v[i], text[i]);
        }
      }
      EXPECT_NE(v[6], '0') << v;   // 123456 starts non-zero
      EXPECT_NE(v[28], '0') << v;  // 9
    }
  }
  EXPECT_FALSE(PerturbationApplies("no digits", PerturbationKind::kNumber));
}

TEST(PerturbationTest, ProductSwapsAListedName) {
  const std::string text = "Is the air runner back? I loved my Air Runner. Not the TrailMaxi.";
  for (uint64_t seed = 0; seed < 100; ++seed) {
    auto variants = Perturb(text, PerturbationKind::kProduct, 2, seed, kProducts);
    ASSERT_EQ(variants.size(), 2u);
    for (const std::string& v : variants) {
      // Both mentions of "Air Runner" (any case) become the same other product.
      bool trail = v == "Is the TrailMax back? I loved my TrailMax. Not the TrailMaxi.";
      bool cloud = v == "Is the CloudRunner 3 back? I loved my CloudRunner 3. Not the TrailMaxi.";
      EXPECT_TRUE(trail || cloud) << v;
    }
  }
  EXPECT_TRUE(PerturbationApplies(text, PerturbationKind::kProduct, kProducts));
  EXPECT_FALSE(PerturbationApplies("a TrailMaxi", PerturbationKind::kProduct, kProducts));
  EXPECT_FALSE(PerturbationApplies("my TrailMax", PerturbationKind::kProduct, {"TrailMax"}));
  EXPECT_TRUE(Perturb("my TrailMax", PerturbationKind::kProduct, 2, 1, {"TrailMax", "trailmax"}).empty());
}

TEST(PerturbationTest, Utf8StaysValid) {
  const std::string text = "¿Dónde está mi pedido 12345? Ça vaaa – café’s “TrailMax” 😩 größe ÄÖÜ, naïve";
  ASSERT_FALSE(FindInvalidUtf8(text).has_value());
  for (uint64_t seed = 0; seed < 300; ++seed) {
    for (PerturbationKind kind : AllPerturbationKinds()) {
      for (const std::string& v : Perturb(text, kind, 3, seed, kProducts)) {
        EXPECT_FALSE(FindInvalidUtf8(v).has_value()) << PerturbationKindName(kind) << ": " << v;
        EXPECT_NE(v, text);
      }
    }
  }
  // Case changes only ASCII letters: the accented ones stay as they are.
  for (const std::string& v : Perturb(text, PerturbationKind::kCase, 3, 1)) {
    EXPECT_NE(v.find("ÄÖÜ"), std::string::npos) << v;
    EXPECT_NE(v.find("ó"), std::string::npos) << v;
  }
}

// ---------------------------------------------------------------------------------------
// Running against a model

class BehaviourRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    TaskSpec spec;
    spec.data.train = dir_->Write("train.csv", SyntheticIntentCsv(800, 1));
    spec.data.validation = dir_->Write("valid.csv", SyntheticIntentCsv(200, 2));
    spec.data.text_column = "text";
    spec.data.label_column = "intent";
    spec.training.epochs = 8;
    spec.checkpoints.patience = 0;
    spec.threads = 1;
    TrainOutcome outcome = RunTraining(spec, dir_->path() / "run", {});
    model_ = new Model(LoadModel(outcome.model_path));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }

  BehaviourSuite Suite(const std::string& yaml) const { return ParseBehaviourYaml(yaml, "suite.yaml"); }

  static TempDir* dir_;
  static Model* model_;
};

TempDir* BehaviourRunnerTest::dir_ = nullptr;
Model* BehaviourRunnerTest::model_ = nullptr;

TEST_F(BehaviourRunnerTest, MinimumFunctionalityPassAndFail) {
  BehaviourSuite suite = Suite(R"(
cases:
  - {type: mft, text: "where is my delivery tracking courier", label: shipping}
  - {type: mft, text: "charged twice on my card paypal invoice", label: payment}
  - {type: mft, name: wrong on purpose, text: "charged twice on my card paypal invoice", label: returns}
)");
  BehaviourResult r = RunBehaviourTests(*model_, suite);
  EXPECT_EQ(r.mft.cases, 3u);
  EXPECT_EQ(r.mft.passed, 2u);
  EXPECT_NEAR(r.mft.pass_rate(), 2.0 / 3, 1e-12);
  ASSERT_EQ(r.mft.failures.size(), 1u);
  const BehaviourFailure& f = r.mft.failures[0];
  EXPECT_EQ(f.name, "wrong on purpose");
  EXPECT_EQ(f.where, "suite.yaml:5");
  EXPECT_EQ(f.expected, "returns");
  EXPECT_EQ(f.got, "payment");
  EXPECT_GT(f.confidence, 0.0);
  // Kinds without cases pass, and say so.
  EXPECT_TRUE(r.inv.empty());
  EXPECT_EQ(r.inv.pass_rate(), 1.0);
  EXPECT_EQ(r.predictions, 3u);
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["mft"]["cases"], 3);
  EXPECT_EQ(j["mft"]["failures"][0]["got"], "payment");
  EXPECT_EQ(j["inv"]["no_cases"], true);
  EXPECT_EQ(j["inv"]["pass_rate"], 1.0);
}

// A single-label model's answer is a set of one: expect_any / expect_none work on it too.
TEST_F(BehaviourRunnerTest, SetExpectationsOnASingleLabelModel) {
  BehaviourSuite suite = Suite(R"(
cases:
  - {type: mft, text: "where is my delivery tracking courier", expect_any: [shipping, returns]}
  - {type: mft, text: "where is my delivery tracking courier", expect_none: [payment, returns]}
  - {type: mft, name: forbidden, text: "where is my delivery tracking courier", expect_none: [shipping]}
  - {type: mft, name: none of these, text: "where is my delivery tracking courier", expect_any: [payment, returns]}
  - {type: mft, text: "where is my delivery tracking courier", label: shipping, expect_all: [shipping]}
)");
  BehaviourResult r = RunBehaviourTests(*model_, suite);
  EXPECT_EQ(r.mft.cases, 5u);
  EXPECT_EQ(r.mft.passed, 3u);
  ASSERT_EQ(r.mft.failures.size(), 2u);
  EXPECT_EQ(r.mft.failures[0].name, "forbidden");
  EXPECT_EQ(r.mft.failures[0].expected, "none of {shipping} (got shipping)");
  EXPECT_EQ(r.mft.failures[0].got, "shipping");
  EXPECT_EQ(r.mft.failures[1].expected, "any of {payment, returns}");
}

TEST_F(BehaviourRunnerTest, RejectionPredictsTheOutOfScopeLabel) {
  Model model = *model_;
  model.info.oos_label = "out_of_scope";
  model.info.reject_threshold = 1.01f;  // every prediction is rejected
  BehaviourSuite suite = Suite(R"(
cases:
  - {type: mft, text: "what is the weather like", label: out_of_scope}
  - {type: mft, text: "where is my delivery tracking courier", label: shipping}
)");
  BehaviourResult r = RunBehaviourTests(model, suite);
  EXPECT_EQ(r.mft.passed, 1u);
  ASSERT_EQ(r.mft.failures.size(), 1u);
  EXPECT_EQ(r.mft.failures[0].got, "out_of_scope");
  // The same suite against a model without that label is an input error.
  EXPECT_CONTAINS(ErrorOf([&] { RunBehaviourTests(*model_, suite); }), "suite.yaml:3: field label");
}

TEST_F(BehaviourRunnerTest, InvariancePassAndFail) {
  // Case changes cannot change a prediction (the tokenizer folds case). Swapping the
  // "product" paypal for "delivery" turns a payment message into a shipping one.
  BehaviourSuite suite = Suite(R"(
products: [paypal, delivery]
cases:
  - {type: inv, text: "Charged on my card paypal invoice", perturbations: [case], label: payment}
  - {type: inv, name: swap, text: "paypal", perturbations: [product]}
  - {type: inv, name: wrong original, text: "courier tracking delivery arrive", perturbations: [case], label: payment}
  - {type: inv, text: "I was charged twice on my card, invoice 1234!"}
)");
  BehaviourOptions options;
  options.per_kind = 2;
  BehaviourResult r = RunBehaviourTests(*model_, suite, options);
  EXPECT_EQ(r.inv.cases, 4u);
  ASSERT_EQ(r.inv.failures.size(), 2u + (r.inv.passed == 1 ? 1u : 0u));
  EXPECT_EQ(r.inv.failures[0].name, "swap");
  EXPECT_EQ(r.inv.failures[0].perturbation, "product");
  EXPECT_EQ(r.inv.failures[0].changed_text, "delivery");
  EXPECT_EQ(r.inv.failures[0].expected, "payment");
  EXPECT_EQ(r.inv.failures[0].got, "shipping");
  EXPECT_EQ(r.inv.failures[1].name, "wrong original");
  EXPECT_EQ(r.inv.failures[1].perturbation, "");
  EXPECT_EQ(r.inv.failures[1].expected, "payment");
  EXPECT_EQ(r.inv.failures[1].got, "shipping");
  // Per perturbation kind: case never breaks, product always does.
  EXPECT_EQ(r.perturbations.at("case").cases_broken, 0u);
  EXPECT_GE(r.perturbations.at("case").cases, 3u);
  EXPECT_EQ(r.perturbations.at("product").cases, 1u);
  EXPECT_EQ(r.perturbations.at("product").cases_broken, 1u);
  EXPECT_EQ(r.perturbations.at("product").variants, 1u);  // only one other product
  // The default case got every kind that applies: no product (none named), but number.
  EXPECT_EQ(r.perturbations.count("number"), 1u);
  EXPECT_EQ(r.perturbations.at("number").cases, 1u);
  EXPECT_EQ(r.perturbations.at("typo").cases, 1u);
  EXPECT_EQ(r.perturbations.at("typo").variants, 2u);
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["perturbations"]["product"]["broken_rate"], 1.0);
}

TEST_F(BehaviourRunnerTest, DirectionalToUpDown) {
  BehaviourSuite suite = Suite(R"(
cases:
  - {type: dir, name: to pass, text: "hello my order", append: " delivery tracking courier", label: shipping}
  - {type: dir, name: to fail, text: "hello my order", append: " paypal card charged invoice", label: shipping}
  - {type: dir, name: up pass, text: "please help with my order", append: " courier delivery", label: shipping, expect: up}
  - {type: dir, name: up fail, text: "courier delivery", prepend: "paypal card charged ", label: shipping, expect: up}
  - {type: dir, name: down pass, text: "courier delivery", append: " paypal card charged", label: shipping, expect: down}
  - {type: dir, name: down fail, text: "please help with my order", changed_text: "please help with my order courier delivery tracking", label: shipping, expect: down}
)");
  BehaviourResult r = RunBehaviourTests(*model_, suite);
  EXPECT_EQ(r.dir.cases, 6u);
  EXPECT_EQ(r.dir.passed, 3u);
  ASSERT_EQ(r.dir.failures.size(), 3u);
  EXPECT_EQ(r.dir.failures[0].name, "to fail");
  EXPECT_EQ(r.dir.failures[0].got, "payment");
  EXPECT_EQ(r.dir.failures[0].changed_text, "hello my order paypal card charged invoice");
  EXPECT_EQ(r.dir.failures[1].name, "up fail");
  EXPECT_CONTAINS(r.dir.failures[1].expected, "p(shipping) >= ");
  EXPECT_EQ(r.dir.failures[2].name, "down fail");
  EXPECT_CONTAINS(r.dir.failures[2].expected, "p(shipping) <= ");
  EXPECT_DOUBLE_EQ(r.dir.pass_rate(), 0.5);
}

TEST_F(BehaviourRunnerTest, FailureExamplesAreCappedAndResultsDeterministic) {
  std::string yaml = "cases:\n";
  for (int i = 0; i < 20; ++i) yaml += "  - {type: mft, text: \"paypal card charged " + std::to_string(i) + "\", label: returns}\n";
  BehaviourSuite suite = Suite(yaml);
  BehaviourOptions options;
  options.max_failure_examples = 3;
  BehaviourResult r = RunBehaviourTests(*model_, suite, options);
  EXPECT_EQ(r.mft.cases, 20u);
  EXPECT_EQ(r.mft.passed, 0u);
  ASSERT_EQ(r.mft.failures.size(), 3u);
  EXPECT_EQ(r.mft.failures[0].where, "suite.yaml:2");  // file order
}

// 1,000 cases in the shape of a real suite: a sanity check that a gate can afford them
// (printed, not asserted: timings on a shared machine are noisy).
TEST_F(BehaviourRunnerTest, ThousandCasesRunQuicklyAndDeterministically) {
  std::string yaml = "products: [Air Runner, TrailMax, CloudRunner 3]\ncases:\n";
  const char* texts[] = {"where is my delivery tracking for order 123456", "I was charged twice on my card paypal",
                         "can I send back the Air Runner, unwanted", "is the TrailMax size 9 too tight or narrow"};
  const char* labels[] = {"shipping", "payment", "returns", "sizing"};
  for (int i = 0; i < 1000; ++i) {
    std::string text = std::string(texts[i % 4]) + " please " + std::to_string(i);
    if (i % 3 == 0) {
      yaml += "  - {type: mft, text: \"" + text + "\", label: " + labels[i % 4] + "}\n";
    } else if (i % 3 == 1) {
      yaml += "  - {type: inv, text: \"" + text + "\"}\n";
    } else {
      yaml += "  - {type: dir, text: \"" + text + "\", append: \" thanks\", label: " + labels[i % 4] + ", expect: to}\n";
    }
  }
  BehaviourSuite suite = Suite(yaml);
  BehaviourOptions options;
  options.threads = 2;
  auto start = std::chrono::steady_clock::now();
  BehaviourResult a = RunBehaviourTests(*model_, suite, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "1000 behavioural cases: " << a.predictions << " predictions in " << seconds << " s\n";
  EXPECT_EQ(a.mft.cases + a.inv.cases + a.dir.cases, 1000u);
  EXPECT_GT(a.predictions, 4000u);
  options.threads = 1;
  BehaviourResult b = RunBehaviourTests(*model_, suite, options);
  nlohmann::json ja = a.ToJson(), jb = b.ToJson();
  ja.erase("seconds");
  jb.erase("seconds");
  EXPECT_EQ(ja, jb);  // same results with any thread count
}

}  // namespace
}  // namespace trainops
