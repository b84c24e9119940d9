// Which gate settings loosen a registered gate policy (registry/gate_policy.h): every
// direction that lets more through is flagged, stricter and unrelated changes are not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "registry/gate_policy.h"

namespace trainops::gate_policy {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

json Base() {
  return {{"metrics", {"accuracy >= 0.8", "recall[returns] >= 0.7", "ece <= 0.1"}},
          {"segments", {{"columns", {"channel"}}, {"min_accuracy", 0.6}, {"max_gap", 0.2}, {"min_support", 30}}},
          {"regression",
           {{"enabled", true}, {"baseline", "production"}, {"metrics", {"accuracy", "macro_f1"}}, {"tolerance", 0.01},
            {"label_tolerance", 0.05}, {"alpha", 0.05}, {"min_label_support", 10}, {"resamples", 1000}}},
          {"behaviour", {{"file", "/t/behaviour.yaml"}, {"min_pass_rate", {{"mft", 0.9}, {"inv", 0.9}}}, {"per_kind", 2}}},
          {"budgets", {{"latency_p99_us", 500}, {"model_size_mb", 50}, {"latency_samples", 2000}}}};
}

json With(const std::string& pointer, const json& value) {
  json s = Base();
  s[json::json_pointer(pointer)] = value;
  return s;
}

TEST(GatePolicy, IdenticalSettingsLoosenNothing) { EXPECT_THAT(Loosenings(Base(), Base()), IsEmpty()); }

TEST(GatePolicy, EachLooserSettingIsNamed) {
  const std::vector<std::pair<std::string, json>> looser = {
      {"/regression/alpha", 0.001},
      {"/regression/tolerance", 0.5},
      {"/regression/label_tolerance", 0.2},
      {"/regression/min_label_support", 100},
      {"/regression/enabled", false},
      {"/regression/baseline", "/models/old.bin"},
      {"/regression/metrics", {"accuracy"}},
      {"/segments/min_accuracy", -1},
      {"/segments/min_accuracy", 0.5},
      {"/segments/max_gap", 0.3},
      {"/segments/min_support", 50},
      {"/segments/columns", json::array()},
      {"/behaviour/file", ""},
      {"/behaviour/min_pass_rate/inv", 0.5},
      {"/behaviour/per_kind", 1},
      {"/budgets/latency_p99_us", -1},
      {"/budgets/model_size_mb", 80},
      {"/metrics", {"accuracy >= 0.5", "recall[returns] >= 0.7", "ece <= 0.1"}},
      {"/metrics", {"recall[returns] >= 0.7", "ece <= 0.1"}},
      {"/metrics", {"accuracy >= 0.8", "recall[returns] >= 0.7", "ece <= 0.2"}},
      {"/metrics", {"accuracy > 0.8", "recall[returns] >= 0.6", "ece <= 0.1"}},
  };
  for (const auto& [pointer, value] : looser) {
    const auto found = Loosenings(Base(), With(pointer, value));
    EXPECT_THAT(found, SizeIs(1)) << pointer << " = " << value.dump();
  }
  EXPECT_THAT(Loosenings(Base(), With("/regression/alpha", 0.001)),
              ElementsAre("gates.regression.alpha is 0.001, the registered policy has 0.05 (a smaller alpha finds "
                          "fewer regressions)"));
  EXPECT_THAT(Loosenings(Base(), With("/budgets/latency_p99_us", -1)),
              ElementsAre("gates.budgets.latency_p99_us is off (-1), the registered policy has 500"));
}

TEST(GatePolicy, StricterOrNeutralChangesLoosenNothing) {
  const std::vector<std::pair<std::string, json>> fine = {
      {"/regression/alpha", 0.1},
      {"/regression/tolerance", 0.0},
      {"/regression/resamples", 200},  // precision, not strictness
      {"/regression/metrics", {"accuracy", "macro_f1", "weighted_f1"}},
      {"/segments/min_accuracy", 0.7},
      {"/segments/max_gap", 0.1},
      {"/segments/min_support", 0},  // "the evaluation default": unknown here, not compared
      {"/behaviour/file", "/t/other.yaml"},
      {"/behaviour/per_kind", 3},
      {"/budgets/latency_p99_us", 300},
      {"/budgets/latency_samples", 100},
      {"/metrics", {"accuracy > 0.8", "recall[returns] >= 0.75", "ece <= 0.05", "macro_f1 >= 0.7"}},
      {"/metrics", {"ece < 0.1", "accuracy >= 0.9", "recall [returns] >= 0.7"}},
  };
  for (const auto& [pointer, value] : fine) {
    EXPECT_THAT(Loosenings(Base(), With(pointer, value)), IsEmpty()) << pointer << " = " << value.dump();
  }
}

TEST(GatePolicy, AGateOffInThePolicyCanStayOff) {
  json policy = With("/budgets/model_size_mb", -1);
  EXPECT_THAT(Loosenings(policy, With("/budgets/model_size_mb", -1)), IsEmpty());
  EXPECT_THAT(Loosenings(policy, With("/budgets/model_size_mb", 999)), IsEmpty());
}

TEST(GatePolicy, MissingSettingsAreNotCompared) {
  EXPECT_THAT(Loosenings(nullptr, Base()), IsEmpty());
  EXPECT_THAT(Loosenings(Base(), nullptr), IsEmpty());
  json partial = Base();
  partial.erase("budgets");
  EXPECT_THAT(Loosenings(Base(), partial), IsEmpty());
}

TEST(GatePolicy, HashIsStableAndTellsSettingsApart) {
  EXPECT_EQ(Hash(Base()), Hash(Base()));
  EXPECT_NE(Hash(Base()), Hash(With("/regression/alpha", 0.1)));
  EXPECT_THAT(Hash(Base()), ::testing::MatchesRegex("[0-9a-f]{16}"));
}

}  // namespace
}  // namespace trainops::gate_policy
