// Tests of the model registry (src/registry): the store, runs and models, the promotion
// policy, rollback, schema migration and refusal, and the concurrency and crash guarantees
// (forked processes that promote at once or are SIGKILLed at the fault points).
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fault_injection.h"
#include "postgres_server.h"
#include "registry/postgres_db.h"
#include "registry/registry_location.h"
#include "registry/registry.h"
#include "test_support.h"

namespace trainops {
namespace {

using ::testing::HasSubstr;
using testing::ReadAll;
using testing::TempDir;

constexpr const char* kSpec = "xxh3:00000000000000aa";

// A registry in a fresh folder plus helpers to make distinct model files.
class RegistryTest : public ::testing::Test {
 protected:
  std::filesystem::path DbPath() const { return dir_ / ".trainops/registry.db"; }
  // Where OpenRegistry() opens: the SQLite file, or (RegistryBackendTest) a PostgreSQL database.
  std::string Location() const { return location_.empty() ? DbPath().string() : location_; }
  Registry OpenRegistry() const { return Registry::Open(Location()); }
  std::filesystem::path ModelFile(const std::string& name) const {
    return dir_.Write(name + ".bin", "model bytes of " + name + "\n" + std::string(1000, 'x'));
  }
  ModelRecord Register(Registry& r, const std::string& name, const std::string& task = "intents") const {
    return r.RegisterModel(ModelFile(name), task, "run-" + name, {{"validation_metric", 0.9}});
  }
  // A report whose regression gate compared the model with the task's production model as
  // it is now (or regressed against production when there is none), as `trainops gate` files it.
  static int64_t PassGate(Registry& r, const std::string& model_id, bool passed = true,
                          const std::string& spec = kSpec, const nlohmann::json& settings = nullptr) {
    GateReportRecord g;
    g.model_id = model_id;
    g.spec_hash = spec;
    g.passed = passed;
    g.report = {{"verdict", passed ? "pass" : "fail"}};
    if (!settings.is_null()) g.report["settings"] = settings;
    const auto production = r.Production(r.GetModel(model_id).task);
    g.production_at_gate = production ? production->id : "";
    g.baseline_model_id = g.production_at_gate;
    g.compared_with_production = true;
    return r.RecordGateReport(g);
  }
  // A report against another baseline ("" = --baseline none): a comparison.
  static int64_t ComparisonGate(Registry& r, const std::string& model_id, const std::string& baseline_id,
                                bool passed = true) {
    GateReportRecord g;
    g.model_id = model_id;
    g.spec_hash = kSpec;
    g.passed = passed;
    g.report = {{"verdict", passed ? "pass" : "fail"}};
    const auto production = r.Production(r.GetModel(model_id).task);
    g.production_at_gate = production ? production->id : "";
    g.baseline_model_id = baseline_id;
    g.compared_with_production = false;
    return r.RecordGateReport(g);
  }
  static StatusChange ForcePromote(Registry& r, const std::string& id, const std::string& reason = "first release") {
    return r.Promote({id, reason, kSpec, /*force=*/true});
  }
  TempDir dir_;
  std::string location_;  // "" = DbPath()
};

// The tests every backend must pass alike: run on SQLite and on a real PostgreSQL server
// (tests/postgres_server.h; skipped with the reason when none can start here).
class RegistryBackendTest : public RegistryTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      std::string why;
      server_ = testing::PostgresServer::Get(&why);
      if (!server_) GTEST_SKIP() << "no PostgreSQL server for this test: " << why;
      location_ = server_->NewDatabase();
      // This host's model cache, per test, so that a test sees what a fresh host sees.
      ::setenv("TRAINOPS_MODEL_CACHE", (dir_ / "model-cache").c_str(), 1);
    }
  }
  void TearDown() override { ::unsetenv("TRAINOPS_MODEL_CACHE"); }
  bool postgres() const { return GetParam() == "postgresql"; }
  // A registry location nobody has opened yet: a new folder's file, or a new database.
  std::string FreshLocation(const TempDir& dir) const {
    return postgres() ? server_->NewDatabase() : (dir.path() / ".trainops/registry.db").string();
  }
  testing::PostgresServer* server_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Backends, RegistryBackendTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// Replays the history from "candidate" and checks it ends where the table is: no status
// change happened without its history row, and every row starts where the last one ended.
void ExpectHistoryConsistent(const Registry& r) {
  std::map<std::string, std::string> replayed;
  for (const auto& c : r.History()) {
    auto it = replayed.try_emplace(c.model_id, "candidate").first;
    EXPECT_EQ(it->second, c.from_status) << "history row " << c.id;
    it->second = c.to_status;
  }
  std::map<std::string, int> production_per_task;
  for (const auto& m : r.ListModels()) {
    auto it = replayed.find(m.id);
    EXPECT_EQ(it == replayed.end() ? "candidate" : it->second, ModelStatusName(m.status)) << m.id;
    if (m.status == ModelStatus::kProduction) ++production_per_task[m.task];
  }
  for (const auto& [task, n] : production_per_task) EXPECT_EQ(n, 1) << task;
}

// Forks; the child runs `body` and exits with its return value (never returning into the
// test framework). Returns the child's pid.
pid_t ForkChild(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 3;
    try {
      code = body();
    } catch (const CheckFailedError&) {
      code = 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), e.what());  // for the failure message
      code = 2;
    }
    ::_exit(code);
  }
  return pid;
}

int WaitStatus(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// Raw SQLite access, to build old or foreign databases and to go around the library.
void RawExec(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::string RawQuery(const std::filesystem::path& path, const std::string& sql, int* rc_out = nullptr) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  std::string result;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0)) result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (rc_out) *rc_out = rc;
  return result;
}

TEST_F(RegistryTest, OpenCreatesAWalDatabaseAtTheCurrentSchema) {
  auto r = OpenRegistry();
  EXPECT_TRUE(std::filesystem::exists(DbPath()));
  EXPECT_TRUE(std::filesystem::is_directory(r.models_dir()));
  EXPECT_EQ(r.root(), DbPath().parent_path());
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), "6");
}

TEST_P(RegistryBackendTest, RegisterStoresAContentAddressedCopyAndIsIdempotent) {
  auto r = OpenRegistry();
  auto file = ModelFile("a");
  auto m = r.RegisterModel(file, "intents", "run-1", {{"validation_metric", 0.91}});
  EXPECT_EQ(m.id.size(), 32u);
  EXPECT_EQ(m.id, ModelContentHash(file));
  EXPECT_EQ(m.status, ModelStatus::kCandidate);
  EXPECT_EQ(m.path, r.models_dir() / (m.id + ".bin"));
  EXPECT_EQ(ReadAll(m.path), ReadAll(file));
  EXPECT_EQ(m.size_bytes, std::filesystem::file_size(file));
  EXPECT_DOUBLE_EQ(m.metrics["validation_metric"].get<double>(), 0.91);

  // The same bytes under another name, registered again: the same record, one row.
  auto copy = dir_ / "copy.bin";
  std::filesystem::copy_file(file, copy);
  auto again = r.RegisterModel(copy, "intents", "run-2", {});
  EXPECT_EQ(again.id, m.id);
  EXPECT_EQ(again.run_id, "run-1");
  EXPECT_EQ(r.ListModels().size(), 1u);
  ASSERT_TRUE(r.FindModelByFile(copy));
  EXPECT_EQ(r.FindModelByFile(copy)->id, m.id);

  // The store keeps its own copy: changing the original changes nothing registered.
  dir_.Write("a.bin", "something else");
  EXPECT_EQ(ReadAll(r.GetModel(m.id).path), ReadAll(copy));
  EXPECT_FALSE(r.FindModelByFile(file));
}

TEST_F(RegistryTest, ContentHashIsXxh3_128InCanonicalHex) {
  // XXH3-128 of the empty input, as published by xxHash.
  auto empty = dir_.Write("empty.bin", "");
  EXPECT_EQ(ModelContentHash(empty), "99aa06d3014798d86001c324468d497f");
  EXPECT_THROW(ModelContentHash(dir_ / "missing.bin"), InputError);
}

TEST_P(RegistryBackendTest, ModelsAndRunsByUniquePrefix) {
  auto r = OpenRegistry();
  std::map<char, std::vector<std::string>> by_first_char;
  for (int i = 0; i < 17; ++i) {  // 17 ids over 16 hex digits: two must share the first one.
    auto m = Register(r, fmt::format("m{}", i));
    by_first_char[m.id[0]].push_back(m.id);
  }
  EXPECT_EQ(r.ListModels().size(), 17u);
  EXPECT_TRUE(r.ListModels("other").empty());
  const auto shared = std::find_if(by_first_char.begin(), by_first_char.end(),
                                   [](const auto& kv) { return kv.second.size() > 1; });
  ASSERT_NE(shared, by_first_char.end());
  try {
    r.GetModel(std::string(1, shared->first));
    FAIL() << "an ambiguous prefix was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ambiguous"));
    EXPECT_THAT(e.what(), HasSubstr(shared->second[0]));
  }
  const std::string id = shared->second[0];
  EXPECT_EQ(r.GetModel(id.substr(0, 12)).id, id);
  EXPECT_EQ(r.GetModel(id).id, id);
  try {
    r.GetModel("zzzz");
    FAIL() << "an unknown id was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no model with id starting \"zzzz\""));
    EXPECT_THAT(e.what(), HasSubstr("trainops models list"));
  }
  EXPECT_THROW(r.GetModel(""), InputError);

  RunRecord run;
  run.id = "run-20260101T000000-ab12";
  run.task = "intents";
  run.spec_path = "/x/task.yaml";
  run.spec_hash = kSpec;
  run.run_dir = "/x/run";
  run.run = {{"hyperparameters", {{"epochs", 5}}}, {"check_data", {{"errors", 0}}}};
  run.checkpoints = nlohmann::json::array({{{"step", 10}, {"validation_metric", 0.5}}, {{"step", 20}}});
  run.model_id = id;
  r.RecordRun(run);
  run.id = "run-20260101T000000-ab13";
  run.task = "other";
  run.model_id = "";
  r.RecordRun(run);
  EXPECT_THROW(r.RecordRun(run), InputError);  // the same id twice
  run.id = "run-x";
  run.model_id = "ffffffffffffffffffffffffffffffff";
  EXPECT_THROW(r.RecordRun(run), InputError);  // a model the registry does not hold

  EXPECT_EQ(r.ListRuns().size(), 2u);
  ASSERT_EQ(r.ListRuns("intents").size(), 1u);
  EXPECT_THAT([&] { r.GetRun("run-2026"); }, ::testing::Throws<InputError>());
  EXPECT_THROW(r.GetRun("run-nope"), InputError);
  auto got = r.GetRun("run-20260101T000000-ab12");
  EXPECT_EQ(got.model_id, id);
  EXPECT_EQ(got.spec_hash, kSpec);
  EXPECT_EQ(got.checkpoints.size(), 2u);
  EXPECT_EQ(got.checkpoints[0]["step"], 10);
  EXPECT_EQ(got.run["check_data"]["errors"], 0);
  EXPECT_FALSE(got.created_at.empty());
  EXPECT_EQ(r.GetRun("run-20260101T000000-ab13").model_id, "");
}

TEST_P(RegistryBackendTest, PromoteWithoutGateReportIsRefused) {
  auto r = OpenRegistry();
  auto m = Register(r, "a");
  try {
    r.Promote({m.id, "ship it", kSpec, false});
    FAIL() << "promoted without a gate report";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no gate report"));
    EXPECT_THAT(e.what(), HasSubstr("trainops gate"));
    EXPECT_THAT(e.what(), HasSubstr("--force --reason"));
  }
  EXPECT_EQ(r.GetModel(m.id).status, ModelStatus::kCandidate);
  EXPECT_TRUE(r.History().empty());
  EXPECT_FALSE(r.Production("intents"));
}

TEST_P(RegistryBackendTest, PromoteWithPassingGateReport) {
  auto r = OpenRegistry();
  auto m = Register(r, "a");
  PassGate(r, m.id, /*passed=*/true, "xxh3:other-spec");
  // A pass for another version of the spec does not count.
  EXPECT_THROW(r.Promote({m.id, "ship", kSpec, false}), CheckFailedError);
  PassGate(r, m.id);
  auto report = r.LatestGateReport(m.id, kSpec);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->passed);
  EXPECT_EQ(report->task, "intents");
  auto change = r.Promote({m.id.substr(0, 8), "gates passed", kSpec, false});
  EXPECT_TRUE(change.changed);
  EXPECT_EQ(change.model_id, m.id);
  EXPECT_EQ(change.from_status, "candidate");
  EXPECT_EQ(change.to_status, "production");
  EXPECT_EQ(change.gate_report_id, report->id);
  EXPECT_FALSE(change.forced);
  ASSERT_TRUE(r.Production("intents"));
  EXPECT_EQ(r.Production("intents")->id, m.id);
  auto history = r.History("intents");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].reason, "gates passed");
  EXPECT_EQ(history[0].gate_report_id, report->id);
  EXPECT_FALSE(history[0].at.empty());
}

// Gate settings as a report records them (the defaults of the spec's gates: section).
nlohmann::json Settings(double alpha = 0.05, const std::string& accuracy = "accuracy >= 0.8") {
  return {{"metrics", {accuracy}},
          {"segments", {{"columns", nlohmann::json::array()}, {"min_accuracy", -1}, {"max_gap", -1}, {"min_support", 0}}},
          {"regression",
           {{"enabled", true}, {"baseline", "production"}, {"metrics", {"accuracy", "macro_f1"}}, {"tolerance", 0.01},
            {"label_tolerance", 0.05}, {"alpha", alpha}, {"min_label_support", 10}, {"resamples", 1000}}},
          {"behaviour", {{"file", ""}, {"min_pass_rate", {{"mft", 0.9}}}, {"per_kind", 2}}},
          {"budgets", {{"latency_p99_us", -1}, {"model_size_mb", -1}, {"latency_samples", 2000}}}};
}

// Issue 26 item 2: the first promotion through the gates registers the settings it
// passed under; a later report made under weaker settings cannot promote; stricter ones
// replace the policy; --new-policy loosens it knowingly; --force never touches it.
TEST_P(RegistryBackendTest, AReportUnderWeakerGateSettingsThanTheRegisteredPolicyCannotPromote) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  PassGate(r, a.id, true, kSpec, Settings());
  const StatusChange first = r.Promote({a.id, "first", kSpec, false});
  EXPECT_FALSE(first.policy_hash.empty());
  EXPECT_EQ(first.policy_change, "first promotion through the gates");
  auto policy = r.RegisteredPolicy("intents");
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->hash, first.policy_hash);
  EXPECT_EQ(policy->settings, Settings());

  // The spec now says alpha 0.001 and accuracy >= 0.5: a report made under it is refused.
  auto b = Register(r, "b");
  PassGate(r, b.id, true, kSpec, Settings(0.001, "accuracy >= 0.5"));
  try {
    r.Promote({b.id, "weaker", kSpec, false});
    FAIL() << "promoted under a weaker policy";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("weaker than task \"intents\"'s registered gate policy " + policy->hash));
    EXPECT_THAT(e.what(), HasSubstr("gates.regression.alpha is 0.001, the registered policy has 0.05"));
    EXPECT_THAT(e.what(), HasSubstr("gates.metrics has \"accuracy >= 0.5\" where the registered policy has "
                                    "\"accuracy >= 0.8\""));
    EXPECT_THAT(e.what(), HasSubstr("--new-policy --reason"));
  }
  EXPECT_EQ(r.Production("intents")->id, a.id);

  // Stricter settings promote and become the policy.
  auto c = Register(r, "c");
  PassGate(r, c.id, true, kSpec, Settings(0.1, "accuracy >= 0.85"));
  const StatusChange stricter = r.Promote({c.id, "stricter", kSpec, false});
  EXPECT_NE(stricter.policy_hash, first.policy_hash);
  EXPECT_THAT(stricter.policy_change, HasSubstr("none weaker than policy " + first.policy_hash));
  EXPECT_EQ(r.RegisteredPolicy("intents")->settings, Settings(0.1, "accuracy >= 0.85"));

  // The same settings again: no new policy row.
  auto d = Register(r, "d");
  PassGate(r, d.id, true, kSpec, Settings(0.1, "accuracy >= 0.85"));
  EXPECT_TRUE(r.Promote({d.id, "same", kSpec, false}).policy_hash.empty());

  // Forced: promotes, but the policy stays.
  auto e = Register(r, "e");
  PassGate(r, e.id, true, kSpec, Settings(0.001));
  EXPECT_TRUE(r.Promote({e.id, "hotfix", kSpec, /*force=*/true}).policy_hash.empty());
  EXPECT_EQ(r.RegisteredPolicy("intents")->hash, stricter.policy_hash);

  // --new-policy needs a reason and no --force; with one, the weaker settings register.
  auto f = Register(r, "f");
  PassGate(r, f.id, true, kSpec, Settings(0.01, "accuracy >= 0.7"));
  EXPECT_THROW(r.Promote({f.id, "", kSpec, false, /*new_policy=*/true}), InputError);
  EXPECT_THROW(r.Promote({f.id, "x", kSpec, true, /*new_policy=*/true}), InputError);
  const StatusChange loosened = r.Promote({f.id, "accuracy floor lowered for the holiday intents", kSpec, false, true});
  EXPECT_EQ(loosened.policy_change, "new policy: accuracy floor lowered for the holiday intents");
  EXPECT_EQ(r.RegisteredPolicy("intents")->settings, Settings(0.01, "accuracy >= 0.7"));
  EXPECT_EQ(r.PolicyHistory("intents").size(), 3u);

  // The history shows which promotions registered a policy.
  std::vector<std::string> registered;
  for (const auto& h : r.History("intents"))
    if (!h.policy_hash.empty()) registered.push_back(h.policy_change);
  EXPECT_EQ(registered.size(), 3u);
  // Another task has its own policy (none yet).
  EXPECT_FALSE(r.RegisteredPolicy("other"));
}

// Reports from before settings were recorded are not compared (there is nothing to compare).
TEST_P(RegistryBackendTest, AReportWithoutSettingsNeitherRegistersNorIsJudgedByThePolicy) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  PassGate(r, a.id);
  EXPECT_TRUE(r.Promote({a.id, "old report", kSpec, false}).policy_hash.empty());
  EXPECT_FALSE(r.RegisteredPolicy("intents"));
  auto b = Register(r, "b");
  PassGate(r, b.id);
  EXPECT_THROW(r.Promote({b.id, "x", kSpec, false, /*new_policy=*/true}), CheckFailedError);
}

TEST_P(RegistryBackendTest, PromoteWithFailingLatestGateReportIsRefused) {
  auto r = OpenRegistry();
  auto m = Register(r, "a");
  PassGate(r, m.id, true);
  PassGate(r, m.id, false);  // the latest verdict is what counts
  try {
    r.Promote({m.id, "ship", kSpec, false});
    FAIL() << "promoted on a failed gate report";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("failed"));
  }
  EXPECT_EQ(r.GetModel(m.id).status, ModelStatus::kCandidate);
  PassGate(r, m.id, true);
  EXPECT_NO_THROW(r.Promote({m.id, "fixed", kSpec, false}));
}

// `--baseline none` or another model, with or without a production model: the report is
// recorded and readable, but promote never takes it, whatever its verdict.
TEST_P(RegistryBackendTest, ReportsAgainstAnotherBaselineNeverPromote) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  auto b = Register(r, "b");
  auto worse = Register(r, "worse");
  // No production model yet: a pass against "none" is still a comparison.
  ComparisonGate(r, b.id, "");
  EXPECT_THROW(r.Promote({b.id, "first", kSpec, false}), CheckFailedError);
  EXPECT_FALSE(r.Production("intents"));

  ForcePromote(r, a.id);
  const int64_t against_none = ComparisonGate(r, b.id, "");
  try {
    r.Promote({b.id, "ship", kSpec, false});
    FAIL() << "promoted on a report against baseline none";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not compared with the production model"));
    EXPECT_THAT(e.what(), HasSubstr(fmt::format("#{}", against_none)));
    EXPECT_THAT(e.what(), HasSubstr("no regression comparison"));
    EXPECT_THAT(e.what(), HasSubstr("--force --reason"));
  }
  ComparisonGate(r, b.id, worse.id);  // a pass against a worse model proves nothing about a
  try {
    r.Promote({b.id, "ship", kSpec, false});
    FAIL() << "promoted on a report against another model";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("compared with model " + worse.id.substr(0, 12)));
  }
  EXPECT_EQ(r.Production("intents")->id, a.id);
  EXPECT_EQ(r.GetModel(b.id).status, ModelStatus::kCandidate);
  EXPECT_EQ(r.History().size(), 1u);
  EXPECT_FALSE(r.LatestProductionGateReport(b.id, kSpec));
  EXPECT_EQ(r.LatestGateReport(b.id, kSpec)->baseline_model_id, worse.id);
  EXPECT_EQ(r.LatestGateReport(b.id, kSpec)->production_at_gate, a.id);

  // Comparisons neither promote nor block: the verdict against production decides.
  const int64_t against_production = PassGate(r, b.id);
  ComparisonGate(r, b.id, worse.id, /*passed=*/false);
  auto change = r.Promote({b.id, "gated against a", kSpec, false});
  EXPECT_FALSE(change.forced);
  EXPECT_EQ(change.gate_report_id, against_production);
  ExpectHistoryConsistent(r);
}

// The report must have been compared with the model the promotion replaces: a pass
// against an older production model, or filed when there was none, no longer counts once
// production changed; gating again against the new production model does.
TEST_P(RegistryBackendTest, APassAgainstAnEarlierProductionModelIsRefused) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  auto b = Register(r, "b");
  auto c = Register(r, "c");
  PassGate(r, a.id);  // no production model: nothing to regress against
  PassGate(r, b.id);
  EXPECT_EQ(r.LatestProductionGateReport(b.id, kSpec)->production_at_gate, "");
  EXPECT_FALSE(r.Promote({a.id, "first release", kSpec, false}).forced);
  try {
    r.Promote({b.id, "also passed", kSpec, false});
    FAIL() << "promoted on a report filed when there was no production model";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("compared it with no production model"));
    EXPECT_THAT(e.what(), HasSubstr("is now " + a.id.substr(0, 12)));
    EXPECT_THAT(e.what(), HasSubstr("trainops gate"));
  }
  PassGate(r, b.id);  // against a
  PassGate(r, c.id);  // against a
  EXPECT_FALSE(r.Promote({c.id, "c beats a", kSpec, false}).forced);
  try {
    r.Promote({b.id, "b beats a", kSpec, false});
    FAIL() << "promoted on a report against the previous production model";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("compared it with production model " + a.id.substr(0, 12)));
    EXPECT_THAT(e.what(), HasSubstr("is now " + c.id.substr(0, 12)));
  }
  EXPECT_EQ(r.Production("intents")->id, c.id);
  // Against c, b fails: the latest verdict against production decides.
  PassGate(r, b.id, /*passed=*/false);
  EXPECT_THROW(r.Promote({b.id, "b beats a", kSpec, false}), CheckFailedError);
  // After a rollback to a, b's latest report (against c) no longer matches either.
  r.Rollback("intents", "c misroutes returns");
  EXPECT_THROW(r.Promote({b.id, "b beats a", kSpec, false}), CheckFailedError);
  PassGate(r, b.id);  // against a again
  auto change = r.Promote({b.id, "b beats a", kSpec, false});
  EXPECT_FALSE(change.forced);
  EXPECT_EQ(change.archived_model_id, a.id);
  for (const auto& h : r.History("intents")) EXPECT_FALSE(h.forced) << "history row " << h.id;
  ExpectHistoryConsistent(r);
}

TEST_P(RegistryBackendTest, AReportClaimingAComparisonItDidNotMakeIsRefused) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  auto b = Register(r, "b");
  auto worse = Register(r, "worse");
  ForcePromote(r, a.id);
  GateReportRecord g;
  g.model_id = b.id;
  g.spec_hash = kSpec;
  g.passed = true;
  g.production_at_gate = a.id;
  g.baseline_model_id = worse.id;
  g.compared_with_production = true;
  EXPECT_THROW(r.RecordGateReport(g), InputError);
  g.baseline_model_id = "";
  EXPECT_THROW(r.RecordGateReport(g), InputError);
  EXPECT_FALSE(r.LatestGateReport(b.id, kSpec));
}

// --force overrides every refusal above; the history says so and names the report it overrode.
TEST_P(RegistryBackendTest, ForceOverridesAComparisonReportAndIsRecorded) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  auto b = Register(r, "b");
  ForcePromote(r, a.id);
  const int64_t comparison = ComparisonGate(r, b.id, "");
  EXPECT_THROW(r.Promote({b.id, "", kSpec, true}), InputError);
  auto change = r.Promote({b.id, "hotfix approved by on-call", kSpec, true});
  EXPECT_TRUE(change.forced);
  EXPECT_EQ(change.gate_report_id, comparison);
  auto history = r.History("intents");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_TRUE(history.back().forced);
  EXPECT_EQ(history.back().model_id, b.id);
}

TEST_P(RegistryBackendTest, ForceNeedsAReasonAndIsRecorded) {
  auto r = OpenRegistry();
  auto m = Register(r, "a");
  EXPECT_THROW(r.Promote({m.id, "  ", kSpec, true}), InputError);
  EXPECT_TRUE(r.History().empty());
  PassGate(r, m.id, false);
  auto change = ForcePromote(r, m.id, "hotfix approved by on-call");
  EXPECT_TRUE(change.forced);
  auto history = r.History("", m.id);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(history[0].forced);
  EXPECT_EQ(history[0].reason, "hotfix approved by on-call");
  EXPECT_NE(history[0].gate_report_id, 0);  // the failed report it overrode
}

TEST_P(RegistryBackendTest, PromotingArchivesThePreviousProductionModel) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  auto b = Register(r, "b");
  auto other = Register(r, "c", "another-task");
  ForcePromote(r, a.id);
  ForcePromote(r, other.id);
  PassGate(r, b.id);
  auto change = r.Promote({b.id, "better", kSpec, false});
  EXPECT_EQ(change.archived_model_id, a.id);
  EXPECT_EQ(r.GetModel(a.id).status, ModelStatus::kArchived);
  EXPECT_EQ(r.GetModel(b.id).status, ModelStatus::kProduction);
  EXPECT_EQ(r.GetModel(other.id).status, ModelStatus::kProduction);  // other tasks are untouched
  auto history = r.History("intents");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[1].model_id, a.id);
  EXPECT_EQ(history[1].to_status, "archived");
  EXPECT_EQ(history[1].reason, "better");
  EXPECT_EQ(history[2].model_id, b.id);
  EXPECT_EQ(r.History("another-task").size(), 1u);
  ExpectHistoryConsistent(r);

  // Promoting the production model again changes nothing and says so.
  auto same = r.Promote({b.id, "again", kSpec, false});
  EXPECT_FALSE(same.changed);
  EXPECT_EQ(same.to_status, "production");
  EXPECT_EQ(r.History("intents").size(), 3u);
}

TEST_F(RegistryTest, TheDatabaseItselfAllowsOneProductionModelPerTask) {
  auto a_id = [&] {
    auto r = OpenRegistry();
    auto a = Register(r, "a");
    Register(r, "b");
    ForcePromote(r, a.id);
    return a.id;
  }();
  int rc = 0;
  RawQuery(DbPath(), "UPDATE models SET status = 'production' WHERE id != '" + a_id + "'", &rc);
  EXPECT_EQ(rc & 0xff, SQLITE_CONSTRAINT);
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM models WHERE status = 'production'"), "1");
}

TEST_P(RegistryBackendTest, RollbackRestoresThePreviousProductionModel) {
  auto r = OpenRegistry();
  auto a = Register(r, "a");
  auto b = Register(r, "b");
  auto c = Register(r, "c");
  ForcePromote(r, a.id);
  ForcePromote(r, b.id, "b is better");
  ForcePromote(r, c.id, "c is better");
  auto change = r.Rollback("intents", "c misroutes returns");
  EXPECT_EQ(change.model_id, b.id);
  EXPECT_EQ(change.from_status, "archived");
  EXPECT_EQ(change.to_status, "production");
  EXPECT_EQ(change.archived_model_id, c.id);
  EXPECT_EQ(change.reason, "c misroutes returns");
  EXPECT_EQ(r.Production("intents")->id, b.id);
  EXPECT_EQ(r.GetModel(c.id).status, ModelStatus::kArchived);
  auto history = r.History("intents");
  ASSERT_EQ(history.size(), 7u);  // a; a->archived, b; b->archived, c; c->archived, b
  EXPECT_EQ(history[5].model_id, c.id);
  EXPECT_EQ(history[5].reason, "c misroutes returns");
  ExpectHistoryConsistent(r);
}

TEST_P(RegistryBackendTest, RollbackWithNothingToRollBackIsRefused) {
  auto r = OpenRegistry();
  EXPECT_THROW(r.Rollback("intents", "why"), CheckFailedError);  // no production model
  auto a = Register(r, "a");
  ForcePromote(r, a.id);
  try {
    r.Rollback("intents", "why");
    FAIL() << "rolled back past the first production model";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no previous"));
  }
  EXPECT_EQ(r.Production("intents")->id, a.id);
  EXPECT_EQ(r.History().size(), 1u);
}

// The version-1 schema as trainops 0.1 wrote it, frozen here so the migration is tested
// against what old registries really contain, not against the current code's idea of them.
constexpr const char* kVersion1Ddl = R"sql(
CREATE TABLE models (
  id TEXT PRIMARY KEY, task TEXT NOT NULL, run_id TEXT NOT NULL DEFAULT '', file_name TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('candidate', 'production', 'archived')),
  metrics_json TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL);
CREATE UNIQUE INDEX models_one_production_per_task ON models(task) WHERE status = 'production';
CREATE TABLE runs (
  id TEXT PRIMARY KEY, task TEXT NOT NULL, spec_path TEXT NOT NULL DEFAULT '', spec_hash TEXT NOT NULL DEFAULT '',
  run_dir TEXT NOT NULL DEFAULT '', run_json TEXT NOT NULL DEFAULT '{}', checkpoints_json TEXT NOT NULL DEFAULT '[]',
  model_id TEXT REFERENCES models(id), created_at TEXT NOT NULL);
CREATE TABLE status_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_id TEXT NOT NULL REFERENCES models(id), task TEXT NOT NULL,
  from_status TEXT NOT NULL, to_status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
  forced INTEGER NOT NULL DEFAULT 0, at TEXT NOT NULL);
CREATE INDEX status_history_by_task ON status_history(task, id);
PRAGMA user_version = 1;
)sql";

TEST_F(RegistryTest, MigratesAVersion1RegistryKeepingItsRows) {
  std::filesystem::create_directories(DbPath().parent_path() / "models");
  auto file = ModelFile("old");
  const std::string id = ModelContentHash(file);
  std::filesystem::copy_file(file, DbPath().parent_path() / "models" / (id + ".bin"));
  RawExec(DbPath(), kVersion1Ddl);
  RawExec(DbPath(),
          "INSERT INTO models VALUES ('" + id + "', 'intents', 'run-old', '" + id +
              ".bin', 1016, 'production', '{\"macro_f1\": 0.8}', '2025-01-01T00:00:00Z');"
              "INSERT INTO runs VALUES ('run-old', 'intents', '/t.yaml', 'xxh3:1', '/r', '{}', '[{\"step\": 1}]', '" +
              id + "', '2025-01-01T00:00:00Z');"
                   "INSERT INTO status_history (model_id, task, from_status, to_status, reason, forced, at) VALUES ('" +
              id + "', 'intents', 'candidate', 'production', 'first', 1, '2025-01-01T00:00:01Z');");

  auto r = OpenRegistry();
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), "6");
  auto m = r.GetModel(id);
  EXPECT_EQ(m.status, ModelStatus::kProduction);
  EXPECT_DOUBLE_EQ(m.metrics["macro_f1"].get<double>(), 0.8);
  EXPECT_EQ(r.GetRun("run-old").checkpoints[0]["step"], 1);
  auto history = r.History();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].reason, "first");
  EXPECT_EQ(history[0].gate_report_id, 0);
  // What version 2 adds works on the migrated database.
  auto b = Register(r, "new");
  PassGate(r, b.id);
  auto change = r.Promote({b.id, "gated", kSpec, false});
  EXPECT_NE(change.gate_report_id, 0);
  EXPECT_EQ(r.GetModel(id).status, ModelStatus::kArchived);
  ExpectHistoryConsistent(r);
}

// What the version-2 step added, frozen like kVersion1Ddl: a version-2 registry is the
// version-1 tables plus these.
constexpr const char* kVersion2Ddl = R"sql(
CREATE TABLE gate_reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_id TEXT NOT NULL REFERENCES models(id), task TEXT NOT NULL,
  spec_hash TEXT NOT NULL, baseline_model_id TEXT NOT NULL DEFAULT '', passed INTEGER NOT NULL,
  report_json TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL);
CREATE INDEX gate_reports_by_model ON gate_reports(model_id, spec_hash, id);
ALTER TABLE status_history ADD COLUMN gate_report_id INTEGER REFERENCES gate_reports(id);
PRAGMA user_version = 2;
)sql";

// A version-2 report does not say which production model it was compared with, so after
// the migration it is kept (and shown) but cannot promote until the gates run again.
TEST_F(RegistryTest, MigratesAVersion2RegistryAndItsReportsNoLongerPromote) {
  std::filesystem::create_directories(DbPath().parent_path() / "models");
  std::vector<std::string> ids;
  for (const std::string name : {"prod", "cand"}) {
    auto file = ModelFile(name);
    ids.push_back(ModelContentHash(file));
    std::filesystem::copy_file(file, DbPath().parent_path() / "models" / (ids.back() + ".bin"));
  }
  const std::string& prod = ids[0];
  const std::string& cand = ids[1];
  RawExec(DbPath(), std::string(kVersion1Ddl) + kVersion2Ddl);
  RawExec(DbPath(), fmt::format(
      "INSERT INTO models VALUES ('{0}', 'intents', '', '{0}.bin', 1016, 'production', '{{}}', '2025-01-01T00:00:00Z');"
      "INSERT INTO models VALUES ('{1}', 'intents', '', '{1}.bin', 1016, 'candidate', '{{}}', '2025-01-02T00:00:00Z');"
      "INSERT INTO gate_reports (model_id, task, spec_hash, baseline_model_id, passed, report_json, created_at) "
      "VALUES ('{0}', 'intents', '{2}', '', 1, '{{\"verdict\": \"PASS\"}}', '2025-01-01T00:00:00Z');"
      "INSERT INTO gate_reports (model_id, task, spec_hash, baseline_model_id, passed, report_json, created_at) "
      "VALUES ('{1}', 'intents', '{2}', '{0}', 1, '{{\"verdict\": \"PASS\"}}', '2025-01-02T00:00:00Z');"
      "INSERT INTO status_history (model_id, task, from_status, to_status, reason, forced, at, gate_report_id) "
      "VALUES ('{0}', 'intents', 'candidate', 'production', 'first', 0, '2025-01-01T00:00:01Z', 1);",
      prod, cand, kSpec));

  auto r = OpenRegistry();
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), "6");
  EXPECT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM gate_reports WHERE production_at_gate IS NULL AND "
                               "compared_with_production = 0"),
            "2");
  auto old_report = r.LatestGateReport(cand, kSpec);
  ASSERT_TRUE(old_report);
  EXPECT_TRUE(old_report->passed);
  EXPECT_EQ(old_report->baseline_model_id, prod);
  EXPECT_FALSE(old_report->compared_with_production);
  EXPECT_EQ(old_report->production_at_gate, "");
  EXPECT_FALSE(r.LatestProductionGateReport(cand, kSpec));
  ASSERT_EQ(r.History().size(), 1u);
  EXPECT_EQ(r.History()[0].gate_report_id, 1);
  try {
    r.Promote({cand, "gated in 2025", kSpec, false});
    FAIL() << "a version-2 report promoted";
  } catch (const CheckFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not compared with the production model"));
    EXPECT_THAT(e.what(), HasSubstr("before registry schema 3"));
  }
  EXPECT_EQ(r.Production("intents")->id, prod);
  PassGate(r, cand);
  EXPECT_FALSE(r.Promote({cand, "gated again", kSpec, false}).forced);
  EXPECT_EQ(r.Production("intents")->id, cand);
  ExpectHistoryConsistent(r);
}

TEST_F(RegistryTest, RefusesARegistryFromANewerTrainops) {
  std::filesystem::create_directories(DbPath().parent_path());
  RawExec(DbPath(), "CREATE TABLE future (x); PRAGMA user_version = 7;");
  try {
    OpenRegistry();
    FAIL() << "opened a newer registry";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("written by a newer trainops (schema 7, this build reads up to 6); upgrade trainops"));
    EXPECT_THAT(e.what(), HasSubstr(DbPath().string()));
  }
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), "7");
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA journal_mode"), "delete");  // untouched
}

TEST_F(RegistryTest, RefusesFilesThatAreNotARegistry) {
  auto text = dir_.Write("notes.db", "these are notes, not a database\n" + std::string(2000, 'n'));
  const std::string before = ReadAll(text);
  try {
    Registry::Open(text);
    FAIL() << "opened a text file";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr(text.string()));
    EXPECT_THAT(e.what(), HasSubstr("not a trainops registry"));
  }
  EXPECT_EQ(ReadAll(text), before);

  auto foreign = dir_ / "app.db";
  RawExec(foreign, "CREATE TABLE customers (id INTEGER, name TEXT);");
  try {
    Registry::Open(foreign);
    FAIL() << "opened someone else's database";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("tables trainops did not create (customers)"));
  }
  EXPECT_EQ(RawQuery(foreign, "PRAGMA user_version"), "0");
  EXPECT_THROW(Registry::Open(dir_.path()), InputError);  // a folder
}

TEST_F(RegistryTest, OpenRemovesTempFilesOfDeadWritersOnly) {
  { auto r = OpenRegistry(); }
  pid_t dead = ForkChild([] { return 0; });
  WaitStatus(dead);
  auto models = DbPath().parent_path() / "models";
  auto stale = models / ("abc.bin.tmp." + std::to_string(dead) + ".0");
  auto live = models / ("abd.bin.tmp." + std::to_string(::getppid()) + ".0");
  dir_.Write(std::filesystem::relative(stale, dir_.path()).string(), "partial");
  dir_.Write(std::filesystem::relative(live, dir_.path()).string(), "in progress");
  auto r = OpenRegistry();
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(live));
}

TEST(RegistryPaths, DefaultNextToTheSpecAndDiscoveryWalksUp) {
  TempDir dir;
  auto spec = dir.Write("project/task.yaml", "name: x\n");
  EXPECT_EQ(DefaultRegistryPath(spec), dir.path() / "project/.trainops/registry.db");
  std::filesystem::create_directories(dir.path() / "project/a/b");
  EXPECT_FALSE(DiscoverRegistry(dir.path() / "project/a/b"));
  Registry::Open(DefaultRegistryPath(spec));
  auto found = DiscoverRegistry(dir.path() / "project/a/b");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, dir.path() / "project/.trainops/registry.db");
}

// Two processes promote at once two models gated against the same production model (or
// both when there was none). The registry serializes them; the first promotes, and the
// second sees in its own transaction that production is no longer the model it was
// compared with, so it is refused instead of replacing the first unchecked.
TEST_P(RegistryBackendTest, TwoProcessesPromotingAtOnceLeaveOneProductionModel) {
  for (int round = 0; round < 6; ++round) {
    const bool empty_registry = round % 2 == 1;
    TempDir dir;
    const std::string db_path = FreshLocation(dir);
    std::string a, b, c;
    {
      auto r = Registry::Open(db_path);
      a = Register(r, "a" + std::to_string(round)).id;
      b = Register(r, "b" + std::to_string(round)).id;
      c = Register(r, "c" + std::to_string(round)).id;
      if (!empty_registry) ForcePromote(r, a);
      PassGate(r, b);
      PassGate(r, c);
    }  // closed: a database connection must not cross fork()
    int barrier[2];
    ASSERT_EQ(::pipe(barrier), 0);
    auto promoter = [&](const std::string& id) {
      return ForkChild([&, id] {
        ::close(barrier[1]);
        // Both sit between their policy check and their change at the same time, unless
        // the registry serializes them (BEGIN IMMEDIATE makes the second wait at BEGIN).
        ::setenv(fault::kDelayInPromoteMs, "100", 1);
        auto r = Registry::Open(db_path);
        char byte;
        (void)::read(barrier[0], &byte, 1);  // returns at EOF, when the parent lets both go
        r.Promote({id, "concurrent " + id.substr(0, 4), kSpec, false});
        return 0;
      });
    };
    pid_t pb = promoter(b);
    pid_t pc = promoter(c);
    ::close(barrier[0]);
    ::close(barrier[1]);
    const int sb = WaitStatus(pb), sc = WaitStatus(pc);
    ASSERT_TRUE(WIFEXITED(sb) && WIFEXITED(sc)) << "round " << round << " status " << sb << ", " << sc;
    // One promoted (0), the other refused by the policy (1).
    const std::set<int> codes = {WEXITSTATUS(sb), WEXITSTATUS(sc)};
    ASSERT_EQ(codes, (std::set<int>{0, 1})) << "round " << round << " exits " << WEXITSTATUS(sb) << ", "
                                            << WEXITSTATUS(sc);
    const std::string& winner = WEXITSTATUS(sb) == 0 ? b : c;
    const std::string& loser = WEXITSTATUS(sb) == 0 ? c : b;

    auto r = Registry::Open(db_path);
    auto production = r.Production("intents");
    ASSERT_TRUE(production);
    EXPECT_EQ(production->id, winner);
    EXPECT_EQ(r.GetModel(loser).status, ModelStatus::kCandidate);
    int n_production = 0;
    for (const auto& m : r.ListModels()) n_production += m.status == ModelStatus::kProduction;
    EXPECT_EQ(n_production, 1);
    auto history = r.History("intents");
    ASSERT_EQ(history.size(), empty_registry ? 1u : 3u);
    EXPECT_EQ(history.back().model_id, winner);
    EXPECT_FALSE(history.back().forced);
    if (!empty_registry) {
      EXPECT_EQ(r.GetModel(a).status, ModelStatus::kArchived);
    }
    ExpectHistoryConsistent(r);
    // The loser is promoted only after its gates ran against the winner.
    PassGate(r, loser);
    EXPECT_FALSE(r.Promote({loser, "gated against the winner", kSpec, false}).forced);
  }
}

// Two commands run at once on a project without a registry both create it: the one that
// loses the race must see the finished schema, not take the tables the other has just
// created for a database of someone else's.
TEST_P(RegistryBackendTest, ProcessesOpeningANewRegistryAtOnceAllSucceed) {
  // PostgreSQL: ten processes on an empty database; one migrates under the advisory lock.
  const int rounds = postgres() ? 3 : 10, processes = postgres() ? 10 : 3;
  for (int round = 0; round < rounds; ++round) {
    TempDir dir;
    const std::string db_path = FreshLocation(dir);
    int barrier[2];
    ASSERT_EQ(::pipe(barrier), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < processes; ++i) {
      children.push_back(ForkChild([&] {
        ::close(barrier[1]);
        char byte;
        (void)::read(barrier[0], &byte, 1);
        Registry::Open(db_path);
        return 0;
      }));
    }
    ::close(barrier[0]);
    ::close(barrier[1]);
    for (pid_t pid : children) {
      const int status = WaitStatus(pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round << " status " << status;
    }
    if (postgres()) {
      postgres::Database db(db_path);
      sql::Statement rows(db, "SELECT count(*), MAX(version) FROM trainops_schema");
      ASSERT_TRUE(rows.Step());
      EXPECT_EQ(rows.Int(0), 1) << "round " << round << ": migrated more than once";
      EXPECT_EQ(rows.Int(1), 6);
    } else {
      EXPECT_EQ(RawQuery(db_path, "PRAGMA user_version"), "6");
    }
  }
}

TEST_P(RegistryBackendTest, AProcessKilledMidPromoteLeavesTheOldProductionModel) {
  std::string a, b;
  {
    auto r = OpenRegistry();
    a = Register(r, "a").id;
    b = Register(r, "b").id;
    ForcePromote(r, a);
    PassGate(r, b);
  }
  pid_t child = ForkChild([&] {
    ::setenv(fault::kKillDuringPromote, "1", 1);
    auto r = OpenRegistry();
    r.Promote({b, "doomed", kSpec, false});
    return 0;  // not reached: the fault point kills the process
  });
  const int status = WaitStatus(child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child was not killed (status " << status << ")";
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto r = OpenRegistry();
  EXPECT_EQ(r.Production("intents")->id, a);
  EXPECT_EQ(r.GetModel(b).status, ModelStatus::kCandidate);
  EXPECT_EQ(r.History().size(), 1u);
  ExpectHistoryConsistent(r);
  // The registry works normally afterwards.
  EXPECT_EQ(r.Promote({b, "retry", kSpec, false}).archived_model_id, a);
  ExpectHistoryConsistent(r);
}

TEST_F(RegistryTest, AProcessKilledAfterTheModelCopyLeavesNoRow) {
  { auto r = OpenRegistry(); }
  auto file = ModelFile("a");
  pid_t child = ForkChild([&] {
    ::setenv(fault::kKillAfterModelCopy, "1", 1);
    auto r = OpenRegistry();
    r.RegisterModel(file, "intents", "run-a", {});
    return 0;
  });
  const int status = WaitStatus(child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child was not killed (status " << status << ")";
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto r = OpenRegistry();
  EXPECT_TRUE(r.ListModels().empty());
  EXPECT_FALSE(r.FindModelByFile(file));
  // At most an unreferenced, complete file; never a partial one.
  const auto stored = r.models_dir() / (ModelContentHash(file) + ".bin");
  if (std::filesystem::exists(stored)) {
    EXPECT_EQ(ReadAll(stored), ReadAll(file));
  }
  for (const auto& entry : std::filesystem::directory_iterator(r.models_dir()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  auto m = r.RegisterModel(file, "intents", "run-a", {});
  EXPECT_EQ(m.status, ModelStatus::kCandidate);
  EXPECT_EQ(r.ListModels().size(), 1u);
  EXPECT_EQ(ReadAll(m.path), ReadAll(file));
}

TEST(ModelStatusNames, RoundTrip) {
  for (auto s : {ModelStatus::kCandidate, ModelStatus::kProduction, ModelStatus::kArchived})
    EXPECT_EQ(ParseModelStatus(ModelStatusName(s)), s);
  EXPECT_THROW(ParseModelStatus("prod"), InputError);
}

}  // namespace
}  // namespace trainops

namespace trainops {
namespace {

// The drift loop's records read back as written, on both backends: monitor runs (the same
// window again replaces), cycles with feedback (a relabelled row moves, a repeated one is
// skipped) and selections.
TEST_P(RegistryBackendTest, DriftRecordsRoundTrip) {
  auto r = OpenRegistry();
  MonitorRunRecord run{0, "intents", "m1", "w1", "traffic.csv", "2026-01-01", "2026-01-07", {"top_confidence"},
                       {{"rows", 200}}, ""};
  const int64_t first = r.RecordMonitorRun(run);
  run.report = {{"rows", 201}};
  const int64_t second = r.RecordMonitorRun(run);
  EXPECT_NE(first, second);
  auto runs = r.MonitorRuns("intents");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].report["rows"], 201);
  EXPECT_EQ(runs[0].alerts, std::vector<std::string>{"top_confidence"});

  CycleRecord cycle;
  cycle.task = "intents";
  cycle.window_key = "w1";
  cycle.triggered = true;
  cycle.fired = {"feedback_accuracy"};
  cycle.report = {{"decision", "retrain"}};
  size_t added = 0;
  const int64_t c1 = r.RecordCycle(cycle, {{"k1", "too small", "sizing", "w1", 0, false},
                                           {"k2", "where is it", "shipping", "w1", 0, true}},
                                   &added, {{"k9", "refund?", "ranked", 2.5, 0, 0}});
  EXPECT_EQ(added, 2u);
  cycle.window_key = "w2";
  const int64_t c2 = r.RecordCycle(cycle, {{"k1", "too small", "returns", "w2", 0, false},
                                           {"k2", "where is it", "shipping", "w2", 0, false}},
                                   &added);
  EXPECT_EQ(added, 1u) << "the relabelled row changes, the repeated one does not";
  EXPECT_GT(c2, c1);
  const auto feedback = r.Feedback("intents");
  ASSERT_EQ(feedback.size(), 2u);
  EXPECT_EQ(feedback[0].row_key, "k2");  // oldest first: k1 moved to the newer cycle
  EXPECT_TRUE(feedback[0].holdout);
  EXPECT_EQ(feedback[1].label, "returns");
  EXPECT_EQ(feedback[1].cycle_id, c2);
  const auto cycles = r.Cycles("intents");
  ASSERT_EQ(cycles.size(), 2u);
  EXPECT_TRUE(cycles[0].triggered);
  EXPECT_EQ(cycles[0].fired, std::vector<std::string>{"feedback_accuracy"});
  EXPECT_EQ(cycles[1].report["decision"], "retrain");
  const auto picks = r.Selections("intents");
  ASSERT_EQ(picks.count("k9"), 1u);
  EXPECT_DOUBLE_EQ(picks.at("k9").estimate_weight, 2.5);
  EXPECT_EQ(picks.at("k9").cycle_id, c1);
}

// What a second host sees: a model registered on one host is reachable by the URL alone,
// and a cached copy that no longer matches its id is fetched again, never used.
TEST_P(RegistryBackendTest, ModelBytesAreReachableAndVerified) {
  auto r = OpenRegistry();
  const ModelRecord m = Register(r, "a");
  EXPECT_EQ(r.ModelBytes(m.id.substr(0, 8)), ReadAll(ModelFile("a")));
  if (!postgres()) {
    // The SQLite store is the only copy: a damaged file is reported, not served.
    dir_.Write(".trainops/models/" + m.id + ".bin", "damaged");
    EXPECT_THROW(r.ModelBytes(m.id), InputError);
    return;
  }
  ::setenv("TRAINOPS_MODEL_CACHE", (dir_ / "host-b").c_str(), 1);
  auto host_b = OpenRegistry();
  ASSERT_FALSE(std::filesystem::exists(dir_ / "host-b" / (m.id + ".bin")));
  const ModelRecord fetched = host_b.GetModel(m.id);
  EXPECT_EQ(fetched.path, dir_ / "host-b" / (m.id + ".bin"));
  EXPECT_EQ(ReadAll(fetched.path), ReadAll(ModelFile("a")));
  dir_.Write("host-b/" + m.id + ".bin", "tampered");
  EXPECT_EQ(ReadAll(host_b.Production("intents") ? host_b.Production("intents")->path : host_b.GetModel(m.id).path),
            ReadAll(ModelFile("a")));
}

class PostgresRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = testing::PostgresServer::Get(&why);
    if (!server_) GTEST_SKIP() << "no PostgreSQL server for this test: " << why;
    url_ = server_->NewDatabase();
    ::setenv("TRAINOPS_MODEL_CACHE", (dir_ / "cache").c_str(), 1);
  }
  void TearDown() override { ::unsetenv("TRAINOPS_MODEL_CACHE"); }
  testing::PostgresServer* server_ = nullptr;
  std::string url_;
  TempDir dir_;
};

TEST_F(PostgresRegistryTest, ANewerSchemaIsRefusedAndLeftAsItIs) {
  { Registry::Open(url_); }
  {
    postgres::Database db(url_);
    db.Exec("UPDATE trainops_schema SET version = 7");
  }
  try {
    Registry::Open(url_);
    FAIL() << "a newer schema was opened";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("newer trainops (schema 7"));
    EXPECT_THAT(e.what(), HasSubstr(url_));
  }
  postgres::Database db(url_);
  sql::Statement v(db, "SELECT version FROM trainops_schema");
  ASSERT_TRUE(v.Step());
  EXPECT_EQ(v.Int(0), 7);
}

TEST_F(PostgresRegistryTest, ReadingCommandsNeverCreateARegistryAndForeignTablesAreRefused) {
  EXPECT_THROW(
      {
        try {
          Registry::OpenExisting(url_);
        } catch (const InputError& e) {
          EXPECT_THAT(e.what(), HasSubstr("no trainops registry in this database"));
          throw;
        }
      },
      InputError);
  postgres::Database db(url_);
  sql::Statement none(db, "SELECT to_regclass('models') IS NULL");
  ASSERT_TRUE(none.Step());
  EXPECT_EQ(none.Int(0), 1) << "OpenExisting created tables";
  db.Exec("CREATE TABLE models (x INTEGER)");
  try {
    Registry::Open(url_);
    FAIL() << "a database with someone else's models table was taken";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a trainops registry"));
  }
}

TEST_F(PostgresRegistryTest, PasswordsAreRefusedAndNeverShown) {
  const std::string with_password = "postgresql://postgres:s3cret-pw@127.0.0.1:" + std::to_string(server_->port()) + "/x";
  for (const std::string& location : std::vector<std::string>{with_password, "host=127.0.0.1 password=s3cret-pw dbname=x",
                                                               "postgresql://postgres@127.0.0.1/x?password=s3cret-pw"}) {
    try {
      Registry::Open(location);
      FAIL() << "opened " << location;
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr("~/.pgpass"));
      EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("s3cret-pw")));
    }
  }
  EXPECT_EQ(RedactedLocation("postgres://u@db.internal:5433/reg"), "postgresql://u@db.internal:5433/reg");
  EXPECT_EQ(RedactedLocation("host=db.internal dbname=reg user=u"), "postgresql://u@db.internal/reg");
  EXPECT_TRUE(IsPostgresLocation(" host=db dbname=reg"));
  EXPECT_FALSE(IsPostgresLocation("/srv/registry.db"));
  EXPECT_FALSE(IsPostgresLocation("reg=1.db"));
}

TEST_F(PostgresRegistryTest, AnUnreachableServerIsNamedWithTheFix) {
  const std::string url = "postgresql://postgres@127.0.0.1:1/none";
  try {
    Registry::Open(url);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("postgresql://postgres@127.0.0.1:1/none"));
    EXPECT_THAT(e.what(), HasSubstr("check that the server is running"));
  }
}

TEST(PostgresParameters, AreRenumberedOutsideQuotes) {
  int n = 0;
  EXPECT_EQ(postgres::RenumberParameters("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12", &n),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12");
  EXPECT_EQ(n, 12);
  EXPECT_THROW(postgres::RenumberParameters("SELECT ?", &n), InternalError);
}

}  // namespace
}  // namespace trainops
