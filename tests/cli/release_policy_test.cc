// The release policy through the real binary, path by path (issue 11, item 3): when a task
// has a production model, no command makes a model production without a passing
// regression check against that very model, unless --force with a reason. Each test
// tries one way a new user could get a worse model into production and checks that it is
// refused, that production is unchanged, and that the history's forced flags are right.
//
// The models: "good" (800 training rows) and "worse" (its first 60 rows), which passes
// every threshold gate of the spec but is blocked by the regression gate against good
// (about 5 points of accuracy, significant); "worst" (20 rows) is worse than both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <latch>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "registry/registry.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::CliResult;
using testing::ReadAll;
using testing::RunCli;
using testing::SyntheticIntentCsv;
using testing::TempDir;

constexpr const char* kTask = "gated";

std::string Spec(const std::string& gates) {
  return "name: gated\n"
         "data: {train: train.csv, test: test.csv, text_column: text, label_column: intent,\n"
         "       segment_columns: [channel]}\n"
         "seed: 3\n"
         "threads: 2\n"
         "training: {epochs: 8}\n" +
         gates;
}

const std::string kGates =
    "gates:\n"
    "  metrics: [\"accuracy >= 0.6\", \"recall[*] >= 0.3\", \"ece <= 0.3\"]\n"
    "  budgets: {latency_p99_us: 100000, model_size_mb: 100}\n";

// The header and the first `rows` rows of a CSV.
std::string FirstRows(const std::string& csv, size_t rows) {
  size_t at = 0;
  for (size_t line = 0; line <= rows && at != std::string::npos; ++line) {
    at = csv.find('\n', at);
    if (at != std::string::npos) ++at;
  }
  return csv.substr(0, at);
}

// Replays the history: every promotion is unforced and names a passing report whose
// regression gate compared the model with the production model it replaced ("" = none).
void ExpectEveryPromotionRestsOnAComparisonWithTheModelItReplaced(const Registry& r) {
  std::string production;
  for (const auto& h : r.History(kTask)) {
    EXPECT_FALSE(h.forced) << "history row " << h.id;
    if (h.to_status != "production") continue;
    auto report = r.GetGateReport(h.gate_report_id);
    ASSERT_TRUE(report) << "history row " << h.id << " names no gate report";
    EXPECT_EQ(report->model_id, h.model_id);
    EXPECT_TRUE(report->passed) << "history row " << h.id;
    EXPECT_TRUE(report->compared_with_production) << "history row " << h.id;
    EXPECT_EQ(report->production_at_gate, production) << "history row " << h.id;
    production = h.model_id;
  }
}

class ReleasePolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string train = SyntheticIntentCsv(800, 21);
    dir_.Write("train.csv", train);
    dir_.Write("test.csv", SyntheticIntentCsv(400, 22));
    dir_.Write("worse.csv", FirstRows(train, 60));
    dir_.Write("worst.csv", FirstRows(train, 20));
    dir_.Write("task.yaml", Spec(kGates));
    for (const auto& [out, data] : std::vector<std::pair<std::string, std::string>>{
             {"good", "train.csv"}, {"worse", "worse.csv"}, {"worst", "worst.csv"}}) {
      auto r = RunCli({"train", "--task", P("task.yaml"), "--data", P(data), "--out", P(out), "--allow-data-errors",
                       "--quiet"});
      ASSERT_EQ(r.exit_code, 0) << out << ": " << r.err;
    }
    good_ = ModelContentHash(dir_ / "good/model.bin");
    worse_ = ModelContentHash(dir_ / "worse/model.bin");
    worst_ = ModelContentHash(dir_ / "worst/model.bin");
  }

  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  // The spec's registry, or the PostgreSQL one in that run of the suite.
  std::filesystem::path Db() const { return testing::DefaultTestRegistry(dir_ / ".trainops/registry.db"); }

  std::optional<std::string> Production(const std::filesystem::path& db) const {
    auto r = Registry::Open(db);
    auto m = r.Production(kTask);
    return m ? std::optional<std::string>(m->id) : std::nullopt;
  }
  std::optional<std::string> Production() const { return Production(Db()); }
  std::vector<StatusChange> History(const std::filesystem::path& db) const {
    return Registry::Open(db).History(kTask);
  }
  std::vector<StatusChange> History() const { return History(Db()); }

  // Makes `good` production through the normal path.
  void ReleaseGood() {
    auto first = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("good/model.bin")});
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    ASSERT_EQ(Production(), good_);
  }
  void ReleaseGoodAndCheckWorseIsBlockedOnlyByRegression() {
    ReleaseGood();
    CheckWorseIsBlockedOnlyByRegression("task.yaml");
  }
  // The premise of every test: `worse` passes every gate but the regression gate against
  // good. Its report (a failing one against production) would itself refuse a promotion,
  // so tests of comparison reports check it only after trying them.
  void CheckWorseIsBlockedOnlyByRegression(const std::string& spec) {
    ASSERT_EQ(Production(), good_);
    auto gate = RunCli({"gate", "--task", P(spec), "--candidate", P("worse/model.bin"), "--json", "-"});
    ASSERT_EQ(gate.exit_code, 1) << gate.out << gate.err;
    const auto j = nlohmann::json::parse(gate.out);
    EXPECT_EQ(j["production_at_gate"], good_);
    EXPECT_EQ(j["compared_with_production"], true);
    for (const auto& g : j["gates"]) {
      if (g["kind"] == "regression") {
        continue;
      }
      ASSERT_NE(g["status"], "FAIL") << "worse must pass every gate but the regression gate: " << g.dump();
    }
    bool regression_failed = false;
    for (const auto& g : j["gates"]) regression_failed |= g["kind"] == "regression" && g["status"] == "FAIL";
    ASSERT_TRUE(regression_failed) << j.dump(2);
  }

  // Production is still good and nothing but good's first release is in the history.
  void ExpectGoodStillProductionUnforced() {
    EXPECT_EQ(Production(), good_);
    auto history = History();
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].model_id, good_);
    EXPECT_FALSE(history[0].forced);
  }

  CliResult Promote(const std::string& model, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"promote", model, "--reason", "looks fine to me", "--task", P("task.yaml")};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  }

  TempDir dir_;
  std::string good_, worse_, worst_;
};

TEST_F(ReleasePolicyTest, ReleaseWithBaselineNoneRunsTheGatesButPromotesNothing) {
  ReleaseGoodAndCheckWorseIsBlockedOnlyByRegression();
  auto r = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("worse/model.bin"), "--baseline", "none",
                   "--json", P("none.json")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("release blocked"));
  EXPECT_THAT(r.err, HasSubstr("kept for comparison"));
  EXPECT_THAT(r.err, HasSubstr("--baseline production"));
  EXPECT_THAT(r.out, Not(HasSubstr("promoted")));
  const auto j = nlohmann::json::parse(ReadAll(dir_ / "none.json"));
  EXPECT_EQ(j["verdict"], "PASS");  // the gates passed: only the policy stops it
  EXPECT_EQ(j["compared_with_production"], false);
  ExpectGoodStillProductionUnforced();
  EXPECT_EQ(Registry::Open(Db()).GetModel(worse_).status, ModelStatus::kCandidate);
}

TEST_F(ReleasePolicyTest, GateWithBaselineNoneThenPromoteIsRefusedUnlessForced) {
  ReleaseGood();
  auto gate = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("worse/model.bin"), "--baseline", "none"});
  EXPECT_EQ(gate.exit_code, 0) << gate.out << gate.err;
  EXPECT_THAT(gate.err, HasSubstr("cannot promote"));
  auto promote = Promote(worse_);
  EXPECT_EQ(promote.exit_code, 1) << promote.out << promote.err;
  EXPECT_THAT(promote.err, HasSubstr("not compared with the production model"));
  EXPECT_THAT(promote.err, HasSubstr("--force --reason"));
  // Without --task, the spec recorded with the run decides: refused all the same.
  auto by_registry = RunCli({"promote", worse_.substr(0, 10), "--reason", "x", "--registry", Db().string()});
  EXPECT_EQ(by_registry.exit_code, 1) << by_registry.out << by_registry.err;
  EXPECT_THAT(by_registry.err, HasSubstr("not compared with the production model"));
  ExpectGoodStillProductionUnforced();
  CheckWorseIsBlockedOnlyByRegression("task.yaml");

  auto forced = Promote(worse_, {"--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_THAT(forced.out, HasSubstr("FORCED"));
  auto history = History();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_FALSE(history[0].forced);
  EXPECT_TRUE(history[1].forced);  // good archived by the forced promotion
  EXPECT_EQ(history[2].model_id, worse_);
  EXPECT_TRUE(history[2].forced);
}

TEST_F(ReleasePolicyTest, ABaselineOtherThanProductionOnlyCompares) {
  ReleaseGood();
  // Against a model that is worse still, worse passes every gate, regression included...
  auto gate = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("worse/model.bin"), "--baseline",
                      P("worst/model.bin"), "--json", "-"});
  ASSERT_EQ(gate.exit_code, 0) << gate.out << gate.err;
  EXPECT_EQ(nlohmann::json::parse(gate.out)["compared_with_production"], false);
  // ...but that report cannot promote, by promote or by release.
  auto promote = Promote(worse_);
  EXPECT_EQ(promote.exit_code, 1) << promote.out << promote.err;
  EXPECT_THAT(promote.err, HasSubstr("not compared with the production model"));
  auto release = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("worse/model.bin"), "--baseline",
                         P("worst/model.bin")});
  EXPECT_EQ(release.exit_code, 1) << release.out << release.err;
  EXPECT_THAT(release.err, HasSubstr("release blocked"));
  EXPECT_THAT(release.err, HasSubstr("compared the candidate with"));
  // The same by registered id.
  auto by_id = RunCli({"release", "--task", P("task.yaml"), "--candidate", worse_, "--baseline", worst_});
  EXPECT_EQ(by_id.exit_code, 1) << by_id.out << by_id.err;
  ExpectGoodStillProductionUnforced();
  CheckWorseIsBlockedOnlyByRegression("task.yaml");

  // A baseline that is the production model (its file in the run folder: same bytes)
  // is a comparison with production: a model that passes it is released.
  ASSERT_EQ(RunCli({"train", "--task", P("task.yaml"), "--out", P("reseeded"), "--seed", "9", "--allow-data-errors",
                    "--quiet"})
                .exit_code,
            0);
  auto same = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("reseeded/model.bin"), "--baseline",
                      P("good/model.bin")});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_EQ(Production(), ModelContentHash(dir_ / "reseeded/model.bin"));
  for (const auto& h : History()) EXPECT_FALSE(h.forced) << "history row " << h.id;
}

// A passing report counts only while the production model it was compared with is still
// production: filed when there was none, or against a production model since replaced, it
// must be gated again, and then the regression gate against the new production decides.
TEST_F(ReleasePolicyTest, APassFiledWhenThereWasNoProductionModelDoesNotPromoteLater) {
  auto early = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("worse/model.bin")});
  ASSERT_EQ(early.exit_code, 0) << early.out << early.err;  // nothing to regress against yet
  auto good = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("good/model.bin")});
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  auto promote = Promote(worse_);
  EXPECT_EQ(promote.exit_code, 1) << promote.out << promote.err;
  EXPECT_THAT(promote.err, HasSubstr("compared it with no production model"));
  EXPECT_THAT(promote.err, HasSubstr("is now " + good_.substr(0, 12)));
  ExpectGoodStillProductionUnforced();
  CheckWorseIsBlockedOnlyByRegression("task.yaml");
  EXPECT_EQ(Promote(worse_).exit_code, 1);  // and now its newest report failed
  ExpectGoodStillProductionUnforced();
}

TEST_F(ReleasePolicyTest, APassAgainstAnEarlierProductionModelDoesNotPromoteLater) {
  auto first = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("worst/model.bin")});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  auto gate = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("worse/model.bin")});
  ASSERT_EQ(gate.exit_code, 0) << gate.out << gate.err;  // better than worst
  auto good = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("good/model.bin")});
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  ASSERT_EQ(Production(), good_);
  auto promote = Promote(worse_);
  EXPECT_EQ(promote.exit_code, 1) << promote.out << promote.err;
  EXPECT_THAT(promote.err, HasSubstr("compared it with production model " + worst_.substr(0, 12)));
  EXPECT_THAT(promote.err, HasSubstr("is now " + good_.substr(0, 12)));
  EXPECT_EQ(Production(), good_);
  auto history = History();
  ASSERT_EQ(history.size(), 3u);  // worst; worst archived, good
  for (const auto& h : history) EXPECT_FALSE(h.forced) << "history row " << h.id;
  CheckWorseIsBlockedOnlyByRegression("task.yaml");
}

// Without a gates: section (or with the regression gate turned off) the default regression
// check against production still applies, and --baseline none still only compares.
TEST_F(ReleasePolicyTest, ASpecWithoutGatesStillRegressesAgainstProduction) {
  dir_.Write("nogates.yaml", Spec(""));
  dir_.Write("noregression.yaml", Spec(kGates + "  regression: {enabled: false}\n"));
  ReleaseGoodAndCheckWorseIsBlockedOnlyByRegression();
  // First the comparison reports, so that no report against production for this spec
  // exists that could be what refuses them.
  auto gate = RunCli({"gate", "--task", P("nogates.yaml"), "--candidate", P("worse/model.bin"), "--baseline", "none"});
  EXPECT_EQ(gate.exit_code, 0) << gate.out << gate.err;
  auto promote = RunCli({"promote", worse_, "--reason", "x", "--task", P("nogates.yaml")});
  EXPECT_EQ(promote.exit_code, 1) << promote.out << promote.err;
  EXPECT_THAT(promote.err, HasSubstr("not compared with the production model"));
  auto none = RunCli({"release", "--task", P("nogates.yaml"), "--candidate", P("worse/model.bin"), "--baseline",
                      "none"});
  EXPECT_EQ(none.exit_code, 1) << none.out << none.err;
  EXPECT_THAT(none.err, HasSubstr("kept for comparison"));
  ExpectGoodStillProductionUnforced();
  // With the default baseline the regression gate runs and blocks it.
  CheckWorseIsBlockedOnlyByRegression("nogates.yaml");
  auto release = RunCli({"release", "--task", P("nogates.yaml"), "--candidate", P("worse/model.bin")});
  EXPECT_EQ(release.exit_code, 1) << release.out << release.err;
  EXPECT_THAT(release.err, HasSubstr("a gate failed"));
  ExpectGoodStillProductionUnforced();

  // The regression gate switched off: the report passes, but cannot promote over good.
  auto off = RunCli({"release", "--task", P("noregression.yaml"), "--candidate", P("worse/model.bin")});
  EXPECT_EQ(off.exit_code, 1) << off.out << off.err;
  EXPECT_THAT(off.err, HasSubstr("gates.regression.enabled: false"));
  EXPECT_EQ(RunCli({"promote", worse_, "--reason", "x", "--task", P("noregression.yaml")}).exit_code, 1);
  ExpectGoodStillProductionUnforced();
}

// Two `release` processes started together on an empty registry, several times. Whichever
// promotes first, the other must not replace it without a regression check against it:
// its report was filed when there was no production model, so its promotion is refused
// (or, if it started late enough to see the first as production, its gates compare with
// it). Released again, the better model ends in production every time.
TEST_F(ReleasePolicyTest, TwoReleasesAtOnceOnAnEmptyRegistry) {
  int races = 0;
  for (int round = 0; round < 4; ++round) {
    const std::filesystem::path db = dir_ / ("round" + std::to_string(round)) / "registry.db";
    const std::vector<std::string> candidates = {"good", "worse"};
    std::vector<CliResult> results(2);
    std::latch start(2);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        results[i] = RunCli({"release", "--task", P("task.yaml"), "--candidate", P(candidates[i] + "/model.bin"),
                             "--registry", db.string()});
      });
    }
    for (auto& t : threads) t.join();
    const CliResult& good = results[0];
    const CliResult& worse = results[1];
    ASSERT_TRUE((good.exit_code == 0 || good.exit_code == 1) && (worse.exit_code == 0 || worse.exit_code == 1))
        << "round " << round << ": " << good.err << worse.err;

    // Never a promotion that did not rest on a passing report against the model it replaced.
    auto r = Registry::Open(db);
    const auto history = r.History(kTask);
    ExpectEveryPromotionRestsOnAComparisonWithTheModelItReplaced(r);
    const bool both_promoted = good.exit_code == 0 && worse.exit_code == 0;
    const auto production = r.Production(kTask);
    ASSERT_TRUE(production) << "round " << round;
    if (both_promoted) {
      // Only possible when the second started after the first was production and was
      // compared with it: then only good can have come second.
      EXPECT_EQ(production->id, good_) << "round " << round;
      ASSERT_EQ(history.size(), 3u);
    } else {
      ASSERT_EQ(history.size(), 1u) << "round " << round;
      const CliResult& loser = good.exit_code == 0 ? worse : good;
      // Refused because production changed under it, or (worse, late) blocked by the gate.
      if (loser.err.find("compared it with no production model") != std::string::npos) ++races;
      EXPECT_THAT(loser.err, HasSubstr("release blocked"));
    }
    // The loser released again is compared with the winner: good ends in production.
    for (const std::string& name : candidates) {
      RunCli({"release", "--task", P("task.yaml"), "--candidate", P(name + "/model.bin"), "--registry", db.string()});
    }
    EXPECT_EQ(r.Production(kTask)->id, good_) << "round " << round;
    ExpectEveryPromotionRestsOnAComparisonWithTheModelItReplaced(r);
  }
  // The test is about the race: at least one round must have had both gate runs see no
  // production model (they take far longer than starting two processes).
  EXPECT_GE(races, 1);
}

// Issue 26, item 1: the bytes gated are the bytes registered and promoted. The candidate
// file is replaced by a much worse model while the gates run (after they read it); the
// release must promote the model it judged, never the replacement.
TEST_F(ReleasePolicyTest, TheFileGatedIsTheFilePromotedEvenIfReplacedMeanwhile) {
  ReleaseGood();
  // A candidate as good as production, but not the same bytes: retrain good with another seed.
  auto retrain = RunCli({"train", "--task", P("task.yaml"), "--seed", "4", "--out", P("good2"), "--quiet",
                         "--allow-data-errors", "--no-registry"});
  ASSERT_EQ(retrain.exit_code, 0) << retrain.err;
  const std::string good2 = ModelContentHash(dir_ / "good2/model.bin");
  std::filesystem::copy_file(dir_ / "good2/model.bin", dir_ / "cand.bin",
                             std::filesystem::copy_options::overwrite_existing);
  ::setenv("TRAINOPS_FAULT_DELAY_AFTER_GATES_MS", "1500", 1);
  // A temp folder of its own: a gate of another test running at the same time makes its
  // copy in the shared one, and seeing that copy here swapped the file too early.
  const auto own_tmp = dir_ / "tmp";
  std::filesystem::create_directories(own_tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved_tmpdir = old_tmpdir ? old_tmpdir : "";
  ::setenv("TMPDIR", own_tmp.c_str(), 1);
  CliResult release;
  std::thread runner([&] { release = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("cand.bin")}); });
  // Wait until the release has read the candidate (its private copy exists), then swap.
  bool swapped = false;
  for (int i = 0; i < 600 && !swapped; ++i) {
    for (const auto& e : std::filesystem::directory_iterator(own_tmp)) {
      if (e.path().filename().string().starts_with("trainops-gate-")) swapped = true;
    }
    if (!swapped) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (swapped) {
    std::filesystem::copy_file(dir_ / "worst/model.bin", dir_ / "cand.bin",
                               std::filesystem::copy_options::overwrite_existing);
  }
  runner.join();
  ::unsetenv("TRAINOPS_FAULT_DELAY_AFTER_GATES_MS");
  if (old_tmpdir) {
    ::setenv("TMPDIR", saved_tmpdir.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  ASSERT_TRUE(swapped) << "the release never made its copy";
  ASSERT_EQ(release.exit_code, 0) << release.out << release.err;
  EXPECT_EQ(Production(), good2) << "the model promoted is the one the gates judged";
  EXPECT_NE(Production(), worst_);
}

// Issue 26, item 2: gate settings that switch the regression gate off are refused.
TEST_F(ReleasePolicyTest, RegressionSettingsOutsideTheirRangeAreRefused) {
  for (const char* bad : {"alpha: 1e-300", "alpha: 0.5", "tolerance: 0.5", "label_tolerance: 0.9",
                                 "min_label_support: 1"}) {
    dir_.Write("weak.yaml", Spec(kGates + "  regression: {" + bad + "}\n"));
    auto r = RunCli({"release", "--task", P("weak.yaml"), "--candidate", P("worse/model.bin")});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("must be in")) << bad;
  }
}

// Issue 26, item 3: the production model's stored file is verified before it serves as
// the regression baseline; a swapped file is refused instead of lowering the bar.
TEST_F(ReleasePolicyTest, ASwappedProductionFileIsRefusedAsTheBaseline) {
  if (testing::OnPostgresRegistry()) {
    GTEST_SKIP() << "swaps the SQLite store's file; on PostgreSQL the bytes live in the database and a host's "
                    "cache is verified and fetched again (tests/registry/)";
  }
  ReleaseGood();
  const auto stored = dir_ / ".trainops/models" / (good_ + ".bin");
  ASSERT_TRUE(std::filesystem::exists(stored)) << stored;
  std::filesystem::copy_file(dir_ / "worst/model.bin", stored, std::filesystem::copy_options::overwrite_existing);
  auto gate = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("worse/model.bin")});
  EXPECT_EQ(gate.exit_code, 2) << gate.out << gate.err;
  EXPECT_THAT(gate.err, HasSubstr("differs from the registry's"));
  EXPECT_EQ(Production(), good_);
}

// Issue 26, item 2: a gate report records the settings it was judged under.
TEST_F(ReleasePolicyTest, AGateReportRecordsItsSettings) {
  auto gate = RunCli({"gate", "--task", P("task.yaml"), "--candidate", P("good/model.bin"), "--json", "-"});
  ASSERT_EQ(gate.exit_code, 0) << gate.err;
  const auto j = nlohmann::json::parse(gate.out);
  ASSERT_TRUE(j.contains("settings")) << j.dump(2);
  EXPECT_EQ(j["settings"]["regression"]["alpha"], 0.05);
  EXPECT_EQ(j["settings"]["regression"]["min_label_support"], 10);
  EXPECT_EQ(j["settings"]["metrics"][0], "accuracy >= 0.6");
}

// Issue 26, item 2: the first release registers the gate settings it passed under as the
// task's gate policy; a report made under a spec whose gates were loosened (a lower
// threshold, a smaller alpha) cannot promote, through `release` or `promote`, until the
// settings are restored, or `--new-policy --reason` registers them knowingly. `models
// show` and the history show the policy.
TEST_F(ReleasePolicyTest, AReportUnderLoosenedGatesCannotPromote) {
  ReleaseGood();
  auto again = RunCli({"train", "--task", P("task.yaml"), "--seed", "9", "--out", P("good2"), "--allow-data-errors",
                       "--quiet"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  dir_.Write("task.yaml", Spec("gates:\n"
                               "  metrics: [\"accuracy >= 0.3\", \"recall[*] >= 0.3\", \"ece <= 0.3\"]\n"
                               "  budgets: {latency_p99_us: 100000, model_size_mb: 100}\n"
                               "  regression: {alpha: 0.001}\n"));
  auto weak = RunCli({"release", "--task", P("task.yaml"), "--candidate", P("good2/model.bin")});
  EXPECT_EQ(weak.exit_code, 1) << weak.out << weak.err;
  EXPECT_THAT(weak.err, HasSubstr("weaker than task \"gated\"'s registered gate policy"));
  EXPECT_THAT(weak.err, HasSubstr("gates.regression.alpha is 0.001, the registered policy has 0.05"));
  EXPECT_THAT(weak.err, HasSubstr("gates.metrics has \"accuracy >= 0.3\" where the registered policy has "
                                  "\"accuracy >= 0.6\""));
  EXPECT_EQ(Production(), good_);
  auto promote = Promote(P("good2/model.bin"));
  EXPECT_EQ(promote.exit_code, 1) << promote.err;
  EXPECT_THAT(promote.err, HasSubstr("registered gate policy"));
  EXPECT_EQ(Production(), good_);

  // models show names the task's policy and the promotion that registered it.
  auto show = RunCli({"models", "show", good_.substr(0, 10), "--task", P("task.yaml")});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("registered gate policy"));
  EXPECT_THAT(show.out, HasSubstr("first promotion through the gates"));
  auto show_json = RunCli({"models", "show", good_.substr(0, 10), "--task", P("task.yaml"), "--json"});
  ASSERT_EQ(show_json.exit_code, 0) << show_json.err;
  const auto policy = nlohmann::json::parse(show_json.out)["task_gate_policy"];
  EXPECT_EQ(policy["settings"]["regression"]["alpha"], 0.05);

  // Knowingly: --new-policy with a reason promotes and registers the looser settings.
  auto knowingly = Promote(P("good2/model.bin"), {"--new-policy", "--json"});
  ASSERT_EQ(knowingly.exit_code, 0) << knowingly.err;
  const auto change = nlohmann::json::parse(knowingly.out);
  EXPECT_EQ(change["gate_policy"]["change"], "new policy: looks fine to me");
  EXPECT_EQ(Production(), ModelContentHash(dir_ / "good2/model.bin"));
  const auto history = History();
  ASSERT_EQ(history.size(), 3u);  // good, then good archived and good2 promoted
  EXPECT_EQ(history.back().policy_change, "new policy: looks fine to me");
  EXPECT_FALSE(history.back().forced);
}

}  // namespace
}  // namespace trainops
