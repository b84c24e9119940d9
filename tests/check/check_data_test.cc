// Tests of `trainops check-data`: each check with planted problems, clean data reporting
// nothing, the JSON form, --write-clean, the spec- and flag-driven CLI forms, and train
// refusing data with errors unless --allow-data-errors.
#include <algorithm>
#include <random>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "check/check_data.h"
#include "check/near_duplicates.h"
#include "check/pre_train_gate.h"
#include "check/text_key.h"
#include "check/timestamp.h"
#include "check/write_clean.h"
#include "common/error.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCli;
using testing::TempDir;

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

// A clean, learnable dataset: each label has its own vocabulary, every text is unique
// (a running token makes it so) and dated within the last 60 days.
struct Row {
  std::string text, label, channel, time;
};
std::vector<Row> CleanRows(size_t per_label, uint64_t seed, size_t offset = 0) {
  static const std::vector<std::vector<std::string>> kWords = {
      {"return", "send", "back", "label", "parcel", "unwanted", "policy", "drop", "box", "prepaid"},
      {"delivery", "tracking", "courier", "arrive", "late", "shipped", "dispatch", "van", "doorstep", "transit"},
      {"size", "fit", "tight", "narrow", "wide", "half", "toe", "heel", "measure", "length"},
      {"card", "charged", "invoice", "paypal", "billing", "declined", "visa", "payment", "klarna", "checkout"}};
  static const std::vector<std::string> kLabels = {"returns", "shipping", "sizing", "payment"};
  static const std::vector<std::string> kFiller = {"hello", "please", "thanks", "could", "you", "help"};
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  for (size_t i = 0; i < per_label; ++i) {
    for (size_t l = 0; l < kLabels.size(); ++l) {
      std::string text = kFiller[rng() % kFiller.size()];
      for (int w = 0; w < 6; ++w) text += " " + kWords[l][rng() % kWords[l].size()];
      text += " ref" + std::string(1, static_cast<char>('a' + (i + offset) % 26)) +
              std::string(1, static_cast<char>('a' + (i + offset) / 26 % 26)) + kLabels[l].substr(0, 2);
      rows.push_back({text, kLabels[l], i % 2 ? "email" : "chat",
                      "2025-12-" + std::to_string(10 + i % 20) + "T10:00:00Z"});
    }
  }
  return rows;
}

std::string ToCsv(const std::vector<Row>& rows) {
  std::string csv = "text,intent,channel,created_at\n";
  for (const auto& r : rows) csv += "\"" + r.text + "\"," + r.label + "," + r.channel + "," + r.time + "\n";
  return csv;
}

TaskSpec Spec(const TempDir& dir, bool with_test = true) {
  TaskSpec spec;
  spec.data.train = dir / "train.csv";
  if (with_test) spec.data.test = dir / "test.csv";
  spec.data.text_column = "text";
  spec.data.label_column = "intent";
  spec.data.segment_columns = {"channel"};
  spec.data.time_column = "created_at";
  spec.threads = 2;
  spec.checks.min_segment_examples = 5;
  return spec;
}

std::vector<const Finding*> Of(const CheckReport& report, const std::string& check) {
  std::vector<const Finding*> out;
  for (const auto& f : report.findings)
    if (f.check == check) out.push_back(&f);
  return out;
}

CheckReport Check(const TaskSpec& spec) {
  CheckOptions options;
  options.now = kNow;
  return RunCheckData(spec, options);
}

TEST(TextKey, MasksCasePunctuationSpacingAndOrderNumbers) {
  EXPECT_EQ(DuplicateKey("Where is order #AS-482913 ??"), DuplicateKey("where  is ORDER 482913"));
  EXPECT_EQ(DuplicateKey("hello, world!"), DuplicateKey("Hello ,world"));
  EXPECT_EQ(DuplicateKey("Ｒｅｆｕｎｄ please"), DuplicateKey("refund PLEASE"));  // NFKC
  EXPECT_NE(DuplicateKey("refund please"), DuplicateKey("return please"));
  EXPECT_EQ(ShingleText("Size 10.5cm, please!"), "size 0 please");
  EXPECT_EQ(DuplicateKey("?!..."), "");
}

TEST(Timestamp, ParsesIso8601Forms) {
  EXPECT_EQ(ParseIsoTimestamp("2026-01-01"), kNow);
  EXPECT_EQ(ParseIsoTimestamp("2026-01-01T00:00:00Z"), kNow);
  EXPECT_EQ(ParseIsoTimestamp("2026-01-01 01:00:00+01:00"), kNow);
  EXPECT_EQ(ParseIsoTimestamp("2025-12-31T19:00:00.250-0500"), kNow);
  EXPECT_EQ(ParseIsoTimestamp("2024-02-29T12:00Z"), 1709208000);
  EXPECT_FALSE(ParseIsoTimestamp("2025-02-29"));
  EXPECT_FALSE(ParseIsoTimestamp("yesterday"));
  EXPECT_FALSE(ParseIsoTimestamp("2025-13-01"));
  EXPECT_FALSE(ParseIsoTimestamp("2025-01-01T25:00:00Z"));
  EXPECT_FALSE(ParseIsoTimestamp("2025-01-01T10:00:00Zjunk"));
}

TEST(Duration, ParsesUnitsAndRejectsJunk) {
  EXPECT_EQ(ParseDurationSeconds("365d"), 365 * 86400);
  EXPECT_EQ(ParseDurationSeconds("2w"), 14 * 86400);
  EXPECT_EQ(ParseDurationSeconds("1y"), 365 * 86400);
  try {
    ParseDurationSeconds("a year");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("365d"));
  }
  EXPECT_THROW(ParseDurationSeconds("0d"), InputError);
}

TEST(NearDuplicates, FindsCloseTextsOnlyAndIsDeterministic) {
  std::vector<std::string> refs = {"i would like to cancel my order please it never shipped",
                                   "how do i change the delivery address for my parcel",
                                   "the shoes are too narrow and i need a wider size"};
  std::vector<std::string> queries = {"i would like to cancel my order please it never shipped!",  // near
                                      "what is your returns policy for sale items",               // unrelated
                                      "how do i change the delivery address for my parcel"};      // identical
  std::vector<std::string_view> q(queries.begin(), queries.end()), r(refs.begin(), refs.end());
  NearDuplicateOptions options;
  options.threads = 2;
  auto pairs = FindNearDuplicates(q, r, options);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].query, 0u);
  EXPECT_EQ(pairs[0].reference, 0u);
  EXPECT_GE(pairs[0].jaccard, 0.9);
  EXPECT_EQ(pairs[1].query, 2u);
  EXPECT_DOUBLE_EQ(pairs[1].jaccard, 1.0);
  auto again = FindNearDuplicates(q, r, options);
  ASSERT_EQ(again.size(), pairs.size());
  EXPECT_DOUBLE_EQ(ShingleJaccard(refs[0], refs[0]), 1.0);
  EXPECT_LT(ShingleJaccard(refs[0], refs[1]), 0.2);
  LshShape shape = ChooseLshShape(0.9);
  EXPECT_LE(shape.bands * shape.rows, 128);
  EXPECT_GE(shape.rows, 8);  // selective: a pair at Jaccard 0.5 is rarely a candidate
}

TEST(CheckData, CleanDataReportsNothing) {
  TempDir dir;
  dir.Write("train.csv", ToCsv(CleanRows(30, 1)));
  dir.Write("test.csv", ToCsv(CleanRows(10, 2, 500)));
  CheckReport report = Check(Spec(dir));
  for (const auto& f : report.findings) {
    if (f.check == "staleness" && f.severity == Severity::kInfo) continue;  // the age distribution
    ADD_FAILURE() << f.check << ": " << f.message;
  }
  EXPECT_FALSE(report.HasErrors());
  EXPECT_EQ(report.summary["files"][0]["rows_loaded"], 120);
  EXPECT_TRUE(report.summary["checks_skipped"].empty());
}

TEST(CheckData, BrokenRowsAreErrorsWithFileAndLine) {
  TempDir dir;
  std::string csv = ToCsv(CleanRows(15, 1));
  csv += "\"   \",returns,chat,2025-12-01T00:00:00Z\n";     // line 62: empty text
  csv += "\"where is it\",,chat,2025-12-01T00:00:00Z\n";     // line 63: empty label
  dir.Write("train.csv", csv);
  TaskSpec spec = Spec(dir, false);
  CheckReport report = Check(spec);
  auto broken = Of(report, "broken_rows");
  ASSERT_EQ(broken.size(), 2u);
  EXPECT_EQ(broken[0]->severity, Severity::kError);
  EXPECT_EQ(broken[0]->rows[0].line, 62u);
  EXPECT_THAT(broken[0]->message, HasSubstr("train.csv:62"));
  EXPECT_EQ(broken[1]->rows[0].line, 63u);
  EXPECT_THAT(broken[1]->message, HasSubstr("intent"));
  spec.data.on_bad_row = BadRowPolicy::kSkip;
  EXPECT_EQ(Of(Check(spec), "broken_rows")[0]->severity, Severity::kWarning);
}

TEST(CheckData, DuplicatesAndConflictingLabels) {
  TempDir dir;
  auto rows = CleanRows(15, 1);
  rows.push_back({"Where is my order #AS-123456?", "shipping", "chat", "2025-12-01T00:00:00Z"});  // line 62
  rows.push_back({"where is my ORDER 998877", "shipping", "email", "2025-12-01T00:00:00Z"});      // 63: normalized
  rows.push_back({rows[0].text, rows[0].label, "chat", rows[0].time});                            // 64: exact copy of 2
  rows.push_back({"I want my money back now", "returns", "chat", "2025-12-01T00:00:00Z"});       // 65
  rows.push_back({"i want my money back, now!", "payment", "chat", "2025-12-01T00:00:00Z"});     // 66: conflict
  dir.Write("train.csv", ToCsv(rows));
  CheckReport report = Check(Spec(dir, false));
  auto dups = Of(report, "duplicates");
  ASSERT_EQ(dups.size(), 2u);
  EXPECT_EQ(dups[0]->details["kind"], "exact");
  EXPECT_EQ(dups[0]->rows, (std::vector<RowRef>{{(dir / "train.csv").string(), 2}, {(dir / "train.csv").string(), 64}}));
  EXPECT_EQ(dups[1]->details["kind"], "normalized");
  EXPECT_EQ(dups[1]->details["count"], 2);
  auto conflicts = Of(report, "conflicting_labels");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0]->severity, Severity::kError);
  EXPECT_EQ(conflicts[0]->rows.size(), 2u);
  EXPECT_EQ(conflicts[0]->rows[1].line, 66u);
  EXPECT_THAT(conflicts[0]->message, HasSubstr("\"payment\" x1"));
  EXPECT_TRUE(report.HasErrors());
}

// The gate before training: one conflicting pair in a large file is tolerated label noise;
// the same pair in a small file, or any broken row, blocks.
TEST(PreTrainGate, ToleratesAFewConflictsInALargeFileOnly) {
  auto with_conflict = [](size_t per_label) {
    auto rows = CleanRows(per_label, 1);
    rows.push_back({"I want my money back now", "returns", "chat", "2025-12-01T00:00:00Z"});
    rows.push_back({"i want my money back, now!", "payment", "chat", "2025-12-01T00:00:00Z"});
    return rows;
  };
  CheckOptions options;
  options.now = kNow;
  TempDir large;
  large.Write("train.csv", ToCsv(with_conflict(600)));  // 2 of 2,402 rows: under 0.1%
  TaskSpec spec = Spec(large, false);
  spec.checks.label_error_folds = 5;  // ignored by the gate: never blocking, costly
  PreTrainVerdict verdict = CheckBeforeTraining(spec, options);
  EXPECT_EQ(verdict.train_rows, 2402u);
  EXPECT_EQ(verdict.tolerated_conflict_rows, 2u);
  EXPECT_FALSE(verdict.blocks());
  EXPECT_TRUE(Of(verdict.report, "label_errors").empty());
  nlohmann::json summary = PreTrainSummary(verdict, false);
  EXPECT_EQ(summary["tolerated_conflicting_rows"], 2);
  EXPECT_EQ(summary["allowed_errors"], false);

  TempDir small;
  small.Write("train.csv", ToCsv(with_conflict(15)));  // 2 of 62 rows
  verdict = CheckBeforeTraining(Spec(small, false), options);
  EXPECT_EQ(verdict.tolerated_conflict_rows, 0u);
  EXPECT_EQ(verdict.blocking_errors, 1u);
  EXPECT_EQ(PreTrainSummary(verdict, true)["allowed_errors"], true);

  std::string csv = ToCsv(with_conflict(600));
  csv += "\"   \",returns,chat,2025-12-01T00:00:00Z\n";  // an empty text blocks whatever the size
  large.Write("train.csv", csv);
  verdict = CheckBeforeTraining(Spec(large, false), options);
  EXPECT_EQ(verdict.tolerated_conflict_rows, 2u);
  EXPECT_EQ(verdict.blocking_errors, 1u);
}

TEST(CheckData, LeakageNormalizedAndNearDuplicate) {
  TempDir dir;
  auto train = CleanRows(15, 1);
  train.push_back({"Can I send back boots bought in the summer sale for a full refund?", "returns", "chat",
                   "2025-12-01T00:00:00Z"});  // line 62
  train.push_back({"my parcel tracking page has said in transit for eleven days now, any news", "shipping",
                   "chat", "2025-12-01T00:00:00Z"});  // line 63
  auto test = CleanRows(6, 2, 500);
  test.push_back({"can i SEND BACK boots bought in the summer sale, for a full refund", "returns", "chat",
                  "2025-12-01T00:00:00Z"});  // line 26: normalized copy
  test.push_back({"my parcel tracking page has said in transit for eleven days now, any news?? thanks", "shipping",
                  "chat", "2025-12-01T00:00:00Z"});  // line 27: near duplicate
  dir.Write("train.csv", ToCsv(train));
  dir.Write("test.csv", ToCsv(test));
  CheckReport report = Check(Spec(dir));
  auto leaks = Of(report, "leakage");
  ASSERT_EQ(leaks.size(), 2u);
  EXPECT_EQ(leaks[0]->details["kind"], "normalized");
  EXPECT_EQ(leaks[0]->rows[0].line, 26u);
  EXPECT_EQ(leaks[0]->rows[1].line, 62u);
  EXPECT_EQ(leaks[1]->details["kind"], "near_duplicate");
  EXPECT_EQ(leaks[1]->rows[0].line, 27u);
  EXPECT_EQ(leaks[1]->rows[1].line, 63u);
  EXPECT_GE(leaks[1]->details["jaccard"].get<double>(), 0.8);
  EXPECT_LT(leaks[1]->details["jaccard"].get<double>(), 1.0);
  EXPECT_THAT(leaks[0]->message, HasSubstr("test.csv:26"));
  // A stricter threshold drops the near duplicate but keeps the normalized copy.
  TaskSpec strict = Spec(dir);
  strict.checks.near_duplicate_threshold = 0.99;
  EXPECT_EQ(Of(Check(strict), "leakage").size(), 1u);
}

// Test rows repeated in validation: checkpoint selection and calibration saw them. Found
// exactly and nearly, and --write-clean takes the validation copies out.
TEST(CheckData, LeakageBetweenValidationAndTest) {
  TempDir dir;
  auto validation = CleanRows(4, 3, 300);
  validation.push_back({"Can I send back boots bought in the summer sale for a full refund?", "returns", "chat",
                        "2025-12-01T00:00:00Z"});  // line 18
  validation.push_back({"my parcel tracking page has said in transit for eleven days now, any news", "shipping",
                        "chat", "2025-12-01T00:00:00Z"});  // line 19
  auto test = CleanRows(6, 2, 500);
  test.push_back({"can i SEND BACK boots bought in the summer sale, for a full refund", "returns", "chat",
                  "2025-12-01T00:00:00Z"});  // line 26
  test.push_back({"my parcel tracking page has said in transit for eleven days now, any news?? thanks", "shipping",
                  "chat", "2025-12-01T00:00:00Z"});  // line 27
  dir.Write("train.csv", ToCsv(CleanRows(15, 1)));
  dir.Write("valid.csv", ToCsv(validation));
  dir.Write("test.csv", ToCsv(test));
  TaskSpec spec = Spec(dir);
  spec.data.validation = dir / "valid.csv";
  CheckReport report = Check(spec);
  auto leaks = Of(report, "leakage");
  ASSERT_EQ(leaks.size(), 2u);
  for (const Finding* leak : leaks) {
    EXPECT_EQ(leak->details["split"], "test");
    EXPECT_EQ(leak->details["against"], "validation");
    EXPECT_THAT(leak->message, HasSubstr("validation"));
  }
  EXPECT_EQ(leaks[0]->details["kind"], "normalized");
  EXPECT_EQ(leaks[0]->rows[1], (RowRef{(dir / "valid.csv").string(), 18}));
  EXPECT_EQ(leaks[1]->details["kind"], "near_duplicate");
  EXPECT_EQ(leaks[1]->rows[1].line, 19u);
  EXPECT_EQ(report.summary["leakage"]["test_vs_validation"]["normalized"], 1);
  EXPECT_EQ(report.summary["leakage"]["test_vs_validation"]["near_duplicate"], 1);
  EXPECT_EQ(report.summary["leakage"]["test"]["normalized"], 0);

  TempDir out;
  WriteCleanCopies(spec, report, out.path(), false);
  EXPECT_EQ(ReadAll(out / "test.csv"), ReadAll(dir / "test.csv"));  // held-out rows stay
  const std::string cleaned = ReadAll(out / "valid.csv");
  EXPECT_EQ(cleaned.find("summer sale"), std::string::npos);
  EXPECT_EQ(cleaned.find("eleven days"), std::string::npos);
  const std::string removed = ReadAll(out / "removed.csv");
  EXPECT_THAT(removed, HasSubstr(",18,leaks into test"));
  EXPECT_THAT(removed, HasSubstr(",19,near-duplicate (similarity "));
}

TEST(CheckData, LabelHealth) {
  TempDir dir;
  auto train = CleanRows(30, 1);
  std::vector<Row> kept;
  int payments = 0;
  for (const auto& r : train)
    if (r.label != "payment" || ++payments <= 2) kept.push_back(r);
  train = kept;
  auto test = CleanRows(10, 2, 500);
  test.erase(std::remove_if(test.begin(), test.end(), [](const Row& r) { return r.label == "sizing"; }), test.end());
  test.push_back({"please cancel the whole order before it ships", "cancel", "chat", "2025-12-01T00:00:00Z"});
  dir.Write("train.csv", ToCsv(train));
  dir.Write("test.csv", ToCsv(test));
  CheckReport report = Check(Spec(dir));
  std::map<std::string, const Finding*> by_kind;
  for (const Finding* f : Of(report, "label_health")) by_kind[f->details["kind"]] = f;
  ASSERT_TRUE(by_kind.count("too_few_examples"));
  EXPECT_EQ(by_kind["too_few_examples"]->severity, Severity::kError);
  EXPECT_EQ(by_kind["too_few_examples"]->details["label"], "payment");
  EXPECT_EQ(by_kind["too_few_examples"]->rows.size(), 2u);
  ASSERT_TRUE(by_kind.count("imbalance"));
  EXPECT_DOUBLE_EQ(by_kind["imbalance"]->details["ratio"].get<double>(), 15.0);
  ASSERT_TRUE(by_kind.count("labels_missing_from_train"));
  EXPECT_EQ(by_kind["labels_missing_from_train"]->details["label"], "cancel");
  ASSERT_TRUE(by_kind.count("labels_missing_from_test"));
  EXPECT_THAT(by_kind["labels_missing_from_test"]->message, HasSubstr("sizing"));
}

TEST(CheckData, Staleness) {
  TempDir dir;
  auto train = CleanRows(15, 1);
  for (auto& r : train)
    if (r.label == "payment") r.time = "2024-03-01T00:00:00Z";  // a stale label
  train[0].time = "2027-01-01T00:00:00Z";                       // line 2: future
  train[1].time = "01/02/2025";                                  // line 3: unparseable
  dir.Write("train.csv", ToCsv(train));
  TaskSpec spec = Spec(dir, false);
  spec.checks.max_age = "365d";
  spec.checks.max_age_seconds = 365 * 86400;
  CheckReport report = Check(spec);
  std::map<std::string, const Finding*> by_kind;
  for (const Finding* f : Of(report, "staleness")) by_kind[f->details["kind"]] = f;
  ASSERT_TRUE(by_kind.count("future_time"));
  EXPECT_EQ(by_kind["future_time"]->rows[0].line, 2u);
  ASSERT_TRUE(by_kind.count("unparseable_time"));
  EXPECT_EQ(by_kind["unparseable_time"]->rows[0].line, 3u);
  ASSERT_TRUE(by_kind.count("older_than_max_age"));
  EXPECT_EQ(by_kind["older_than_max_age"]->details["count"], 15);
  ASSERT_TRUE(by_kind.count("stale_label"));
  EXPECT_EQ(by_kind["stale_label"]->details["label"], "payment");
  ASSERT_TRUE(by_kind.count("age_distribution"));
  EXPECT_EQ(report.summary["staleness"]["train"]["rows_with_time"], 58);
  spec.data.time_column.clear();
  EXPECT_TRUE(Of(Check(spec), "staleness").empty());
}

TEST(CheckData, LabelErrorsRankFlippedRowsFirst) {
  TempDir dir;
  auto train = CleanRows(40, 1);
  const std::set<size_t> flipped = {5, 50, 97, 130};
  std::set<uint64_t> flipped_lines;
  for (size_t i : flipped) {
    train[i].label = train[i].label == "returns" ? "payment" : "returns";
    flipped_lines.insert(i + 2);
  }
  dir.Write("train.csv", ToCsv(train));
  CheckReport report = Check(Spec(dir, false));
  auto suspects = Of(report, "label_errors");
  ASSERT_GE(suspects.size(), flipped.size());
  for (size_t r = 0; r < flipped.size(); ++r) {
    EXPECT_TRUE(flipped_lines.count(suspects[r]->rows[0].line)) << suspects[r]->message;
    EXPECT_EQ(suspects[r]->details["rank"], r + 1);
    EXPECT_NE(suspects[r]->details["given_label"], suspects[r]->details["suggested_label"]);
  }
  // Ranked by self-confidence: the given label's out-of-fold probability, lowest first.
  EXPECT_EQ(report.summary["label_errors"]["ranking"], "self_confidence");
  for (size_t r = 0; r < suspects.size(); ++r) {
    const double given = suspects[r]->details["given_probability"].get<double>();
    EXPECT_NEAR(suspects[r]->details["score"].get<double>(), 1.0 - given, 1e-6);
    if (r > 0) {
      EXPECT_LE(suspects[r - 1]->details["given_probability"].get<double>(), given);
    }
  }
  // Deterministic across runs and thread counts.
  for (int threads : {1, 2, 3}) {
    TaskSpec spec = Spec(dir, false);
    spec.threads = threads;
    const CheckReport second = Check(spec);
    auto again = Of(second, "label_errors");
    ASSERT_EQ(again.size(), suspects.size()) << threads << " threads";
    for (size_t r = 0; r < again.size(); ++r) {
      EXPECT_EQ(again[r]->rows, suspects[r]->rows) << threads << " threads";
      EXPECT_EQ(again[r]->details["score"], suspects[r]->details["score"]) << threads << " threads";
    }
  }
}

// Five percent of the rows flipped, with labels that share part of their vocabulary (as
// real intents do): the flips fill the top of the ranking.
TEST(CheckData, LabelErrorsFindPlantedFlipsAmongOverlappingLabels) {
  TempDir dir;
  auto train = CleanRows(60, 9);
  std::mt19937_64 rng(5);
  // Blur the labels: a third of the rows borrow two words from the next label.
  static const std::vector<std::string> kLabels = {"returns", "shipping", "sizing", "payment"};
  for (size_t i = 0; i < train.size(); i += 3) {
    const Row& donor = train[(i + 1) % train.size()];
    const size_t cut = donor.text.find(' ', donor.text.find(' ') + 1);
    train[i].text += donor.text.substr(donor.text.find(' '), cut - donor.text.find(' '));
  }
  std::set<uint64_t> flipped_lines;
  while (flipped_lines.size() < train.size() / 20) {
    const size_t i = rng() % train.size();
    if (flipped_lines.count(i + 2)) continue;
    const auto it = std::find(kLabels.begin(), kLabels.end(), train[i].label);
    train[i].label = kLabels[(static_cast<size_t>(it - kLabels.begin()) + 1 + rng() % 3) % 4];
    flipped_lines.insert(i + 2);
  }
  dir.Write("train.csv", ToCsv(train));
  const CheckReport report = Check(Spec(dir, false));
  auto suspects = Of(report, "label_errors");
  ASSERT_GE(suspects.size(), flipped_lines.size());
  size_t hits = 0;
  for (size_t r = 0; r < flipped_lines.size(); ++r) hits += flipped_lines.count(suspects[r]->rows[0].line);
  EXPECT_EQ(hits, flipped_lines.size());
}

TEST(CheckData, OutliersFlagTextsUnlikeTheirLabel) {
  TempDir dir;
  auto train = CleanRows(30, 1);
  train.push_back({"zebra quantum violin marmalade", "sizing", "chat", "2025-12-01T00:00:00Z"});  // line 122
  dir.Write("train.csv", ToCsv(train));
  const CheckReport report = Check(Spec(dir, false));
  auto outliers = Of(report, "outliers");
  ASSERT_FALSE(outliers.empty());
  EXPECT_EQ(outliers[0]->rows[0].line, 122u);
  EXPECT_EQ(outliers[0]->severity, Severity::kInfo);
}

TEST(CheckData, ThinSegments) {
  TempDir dir;
  auto train = CleanRows(15, 1);
  train.push_back({"size fit toe heel narrow wide ref sms", "sizing", "sms", "2025-12-01T00:00:00Z"});  // 62
  dir.Write("train.csv", ToCsv(train));
  const CheckReport report = Check(Spec(dir, false));
  auto thin = Of(report, "thin_segments");
  ASSERT_EQ(thin.size(), 1u);
  EXPECT_EQ(thin[0]->details["value"], "sms");
  EXPECT_EQ(thin[0]->details["label"], "sizing");
  EXPECT_EQ(thin[0]->rows[0].line, 62u);
  EXPECT_THAT(thin[0]->message, HasSubstr("channel = \"sms\""));
}

TEST(CheckData, UnreadableInputThrows) {
  TempDir dir;
  TaskSpec spec = Spec(dir, false);
  EXPECT_THROW(Check(spec), InputError);
  dir.Write("train.csv", "message,intent\nhi,returns\n");
  try {
    Check(spec);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("text"));
  }
}

TEST(WriteClean, DropsDuplicatesAndLeaksKeepsBytesAndRefusesOriginalsFolder) {
  TempDir dir;
  auto train = CleanRows(15, 1);
  train.push_back({"multi\nline, \"quoted\" text about a refund parcel", "returns", "chat",
                   "2025-12-01T00:00:00Z"});                                                // lines 62-63
  train.push_back({train[0].text, train[0].label, train[0].channel, train[0].time});        // 64: exact dup
  train.push_back({"I want my money back now", "returns", "chat", "2025-12-01T00:00:00Z"});  // 65
  train.push_back({"i want my money back, now!", "payment", "chat", "2025-12-01T00:00:00Z"}); // 66
  train.push_back({"Leaked question about boots", "returns", "chat", "2025-12-01T00:00:00Z"}); // 67
  train.push_back({"my parcel tracking page has said in transit for eleven days now, any news", "shipping",
                   "chat", "2025-12-01T00:00:00Z"});  // 68: near duplicate of a test row
  auto test = CleanRows(5, 2, 500);
  test.push_back({"leaked question about BOOTS!", "returns", "chat", "2025-12-01T00:00:00Z"});
  test.push_back({"my parcel tracking page has said in transit for eleven days now, any news?? thanks", "shipping",
                  "chat", "2025-12-01T00:00:00Z"});
  std::string train_csv = ToCsv(train);
  // Quote the multi-line field's inner quotes properly.
  const std::string bad = "\"multi\nline, \"quoted\" text about a refund parcel\"";
  train_csv.replace(train_csv.find(bad), bad.size(), "\"multi\nline, \"\"quoted\"\" text about a refund parcel\"");
  dir.Write("train.csv", train_csv);
  dir.Write("test.csv", ToCsv(test));
  TaskSpec spec = Spec(dir);
  CheckReport report = Check(spec);
  EXPECT_THROW(WriteCleanCopies(spec, report, dir.path(), false), InputError);
  TempDir out;
  nlohmann::json result = WriteCleanCopies(spec, report, out / "clean", false);
  const std::string cleaned = ReadAll(out / "clean" / "train.csv");
  // Exact duplicate and the leaked train rows (normalized and near copies) go; the
  // conflict stays without --drop-conflicts.
  std::string expected = train_csv;
  auto drop_line = [&](const std::string& line) { expected.erase(expected.find(line), line.size()); };
  const size_t header = std::string("text,intent,channel,created_at\n").size();
  drop_line(ToCsv({train[train.size() - 2]}).substr(header));
  drop_line(ToCsv({train[train.size() - 1]}).substr(header));
  const std::string dup = "\"" + train[0].text + "\"," + train[0].label + "," + train[0].channel + "," + train[0].time + "\n";
  expected.erase(expected.rfind(dup), dup.size());
  EXPECT_EQ(cleaned, expected);
  EXPECT_EQ(ReadAll(out / "clean" / "test.csv"), ReadAll(dir / "test.csv"));
  const std::string removed = ReadAll(out / "clean" / "removed.csv");
  EXPECT_THAT(removed, HasSubstr("file,line,reason\n"));
  EXPECT_THAT(removed, HasSubstr(",64,exact duplicate of "));
  EXPECT_THAT(removed, HasSubstr(",67,leaks into test"));
  EXPECT_THAT(removed, HasSubstr(",68,near-duplicate (similarity "));
  EXPECT_EQ(ReadAll(dir / "train.csv"), train_csv);  // original untouched
  WriteCleanCopies(spec, report, out / "clean2", true);
  EXPECT_THAT(ReadAll(out / "clean2" / "removed.csv"), HasSubstr(",66,\"conflicting labels"));
  EXPECT_EQ(result["files"][0]["rows_removed"], 3);
}

TEST(CheckDataCli, FlagFormJsonAndExitCodes) {
  TempDir dir;
  auto train = CleanRows(15, 1);
  train.push_back({"I want my money back now", "returns", "chat", "2025-12-01T00:00:00Z"});
  train.push_back({"i want my money back, now!", "payment", "chat", "2025-12-01T00:00:00Z"});
  dir.Write("train.csv", ToCsv(train));
  dir.Write("clean.csv", ToCsv(CleanRows(15, 1)));
  auto r = RunCli({"check-data", "--data", (dir / "train.csv").string(), "--text-column", "text",
                   "--label-column", "intent", "--json", (dir / "r.json").string(), "--markdown",
                   (dir / "r.md").string(), "--now", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("conflicting_labels (1 error)"));
  EXPECT_THAT(r.out, HasSubstr("train.csv:62"));
  auto j = nlohmann::json::parse(ReadAll(dir / "r.json"));
  EXPECT_EQ(j["summary"]["errors"], 1);
  ASSERT_TRUE(j["findings"].is_array());
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["check"], "conflicting_labels");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["rows"][0]["line"], 62);
  EXPECT_THAT(ReadAll(dir / "r.md"), HasSubstr("## conflicting_labels"));
  auto clean = RunCli({"check-data", "--data", (dir / "clean.csv").string(), "--text-column", "text",
                       "--label-column", "intent"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  auto usage = RunCli({"check-data", "--data", (dir / "clean.csv").string()});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, HasSubstr("--text-column"));
  auto missing = RunCli({"check-data", "--data", (dir / "nope.csv").string(), "--text-column", "text",
                         "--label-column", "intent"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("nope.csv"));
}

TEST(CheckDataCli, SpecFormAndTrainRefusesErrors) {
  TempDir dir;
  auto train = CleanRows(20, 1);
  train.push_back({"I want my money back now", "returns", "chat", "2025-12-01T00:00:00Z"});
  train.push_back({"i want my money back, now!", "payment", "chat", "2025-12-01T00:00:00Z"});
  dir.Write("train.csv", ToCsv(train));
  dir.Write("validation.csv", ToCsv(CleanRows(6, 3, 300)));
  dir.Write("task.yaml",
            "name: t\ndata:\n  train: train.csv\n  validation: validation.csv\n  text_column: text\n"
            "  label_column: intent\n  time_column: created_at\nchecks:\n  max_age: 30d\n"
            "  label_error_folds: 3\nthreads: 1\n");
  auto r = RunCli({"check-data", "--task", (dir / "task.yaml").string(), "--now", "2026-06-01T00:00:00Z",
                   "--json", "-"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["settings"]["max_age"], "30d");
  EXPECT_EQ(j["summary"]["label_errors"]["folds"], 3);
  EXPECT_GT(j["summary"]["by_check"]["staleness"]["warning"].get<int>(), 0);

  auto refused = RunCli({"train", "--task", (dir / "task.yaml").string(), "--out", (dir / "run").string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("--allow-data-errors"));
  EXPECT_THAT(refused.err, HasSubstr("conflicting_labels"));
  EXPECT_FALSE(std::filesystem::exists(dir / "run" / "model.bin"));
  auto allowed = RunCli({"train", "--task", (dir / "task.yaml").string(), "--out", (dir / "run").string(),
                         "--allow-data-errors", "--epochs", "2"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  auto run = nlohmann::json::parse(ReadAll(dir / "run" / "run.json"));
  EXPECT_EQ(run["check_data"]["errors"], 1);
  EXPECT_EQ(run["check_data"]["allowed_errors"], true);

  dir.Write("bad.yaml", "name: t\ndata:\n  train: train.csv\n  text_column: text\n  label_column: intent\n"
                        "checks:\n  max_ages: 30d\n");
  auto bad = RunCli({"check-data", "--task", (dir / "bad.yaml").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("max_age"));
}

TEST(CheckDataShared, BitextLoadsAndRunsWithoutErrors) {
  TRAINOPS_REQUIRE_SHARED_DATA(shared);
  TaskSpec spec;
  spec.data.train = shared / "bitext" / "train.csv";
  spec.data.text_column = "instruction";
  spec.data.label_column = "intent";
  spec.checks.label_error_folds = 0;
  spec.threads = 2;
  CheckReport report = Check(spec);
  EXPECT_EQ(report.summary["files"][0]["rows_loaded"], 3612);
  EXPECT_TRUE(Of(report, "broken_rows").empty());
}

}  // namespace
}  // namespace trainops

namespace trainops {
namespace {

TEST(CheckData, AFileBeyondMaxRowsIsCheckedOnASampleAndSaysSo) {
  TempDir dir;
  // 4 labels x 600 rows, "sizing" made rare (20 rows): a sample of 1000 would count it ~8
  // times and call it under the minimum of 10; the exact counts must not.
  std::vector<Row> rows;
  size_t sizing_seen = 0;
  for (const Row& r : CleanRows(600, 1)) {
    if (r.label == "sizing" && sizing_seen++ % 30 != 0) continue;
    rows.push_back(r);
  }
  dir.Write("train.csv", ToCsv(rows));
  TaskSpec spec = Spec(dir, false);
  spec.checks.max_rows = 1000;
  spec.checks.label_error_folds = 0;
  std::vector<std::string> said;
  CheckOptions options;
  options.now = kNow;
  options.info = [&](const std::string& m) { said.push_back(m); };
  CheckReport report = RunCheckData(spec, options);
  const auto& file = report.summary["files"][0];
  EXPECT_EQ(file["rows_loaded"], 1000);
  EXPECT_EQ(file["rows_read"], rows.size());
  ASSERT_TRUE(file.contains("sampled")) << file.dump();
  EXPECT_EQ(file["sampled"]["rows_in_file"], rows.size());
  uint64_t sizing = 0;
  for (const Row& r : rows) sizing += r.label == "sizing";
  EXPECT_EQ(report.summary["label_health"]["label_counts"]["train"]["sizing"], sizing);
  for (const auto* f : Of(report, "label_health")) {
    EXPECT_NE(f->details.value("kind", ""), "too_few_examples") << f->message;
  }
  EXPECT_THAT(report.ToMarkdown(), HasSubstr("uniform sample of 1000"));
  bool told = false;
  for (const auto& m : said) told |= m.find("checking a uniform sample of 1000") != std::string::npos;
  EXPECT_TRUE(told);
  // Seeded: the same sample twice.
  CheckReport again = RunCheckData(spec, options);
  EXPECT_EQ(again.ToJson()["findings"].dump(), report.ToJson()["findings"].dump());
}

TEST(CheckData, MaxRowsFlagSamplesAndTheTextSaysSo) {
  TempDir dir;
  dir.Write("train.csv", ToCsv(CleanRows(400, 1)));
  auto r = RunCli({"check-data", "--data", (dir / "train.csv").string(), "--text-column", "text", "--label-column",
                   "intent", "--max-rows", "1000", "--label-error-folds", "0"});
  EXPECT_THAT(r.out, HasSubstr("1600 rows read, 1000 loaded"));
  EXPECT_THAT(r.out, HasSubstr("checked a uniform sample of 1000"));
}

TEST(CheckData, MaxRowsBelowAThousandIsASpecError) {
  TempDir dir;
  const auto path = dir.Write("task.yaml", "data:\n  train: train.csv\n  text_column: text\n  label_column: intent\nchecks:\n  max_rows: 10\n");
  dir.Write("train.csv", ToCsv(CleanRows(5, 1)));
  try {
    LoadTaskSpec(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("checks.max_rows"));
  }
}

}  // namespace
}  // namespace trainops
