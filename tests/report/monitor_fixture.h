// Hand-built monitor runs (the JSON `trainops monitor` writes, docs/monitoring.md) for the
// monitor page tests: three signals, one with a histogram, user text that tries to inject
// markup, and a history of weekly runs in which some signals alerted.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trainops::testing {

inline constexpr const char* kHostile = "<script>alert(1)</script>";

// Week `week` (0-based) of the replay; `drifting` makes two signals alert.
inline nlohmann::json MonitorRun(int week, bool drifting) {
  using nlohmann::json;
  const std::string day = std::to_string(10 + week);
  json hist = {{"edges", {0, 0.2, 0.4, 0.6, 0.8, 1.0}},
               {"traffic", drifting ? json{10, 30, 60, 60, 40} : json{2, 8, 30, 70, 90}},
               {"reference", {20, 80, 300, 700, 900}}};
  json signals = json::array();
  signals.push_back({{"name", "top_confidence"},
                     {"group", "label_free"},
                     {"description", "mean top confidence"},
                     {"value", drifting ? 0.71 : 0.82},
                     {"reference", 0.83},
                     {"effect", drifting ? -0.12 : -0.01},
                     {"threshold", 0.05},
                     {"direction", "decrease"},
                     {"p_value", drifting ? 1e-6 : 0.4},
                     {"alpha", 0.00333},
                     {"interval", {0.68, 0.74}},
                     {"rows", 200},
                     {"alert", drifting},
                     {"detail", "<img src=x onerror=alert(2)> lower confidence"},
                     {"histogram", hist}});
  signals.push_back({{"name", "predicted_label_mix"},
                     {"group", "label_free"},
                     {"description", "total variation from the reference label mix"},
                     {"value", drifting ? 0.21 : 0.04},
                     {"reference", 0.0},
                     {"effect", drifting ? 0.21 : 0.04},
                     {"threshold", 0.1},
                     {"direction", "increase"},
                     {"p_value", drifting ? 2e-5 : 0.2},
                     {"alpha", 0.005},
                     {"interval", nullptr},
                     {"rows", 200},
                     {"alert", drifting}});
  signals.push_back({{"name", "feedback_accuracy_shift"},
                     {"group", "feedback"},
                     {"description", "feedback accuracy against validation accuracy"},
                     {"value", 0.9},
                     {"reference", 0.92},
                     {"effect", -0.02},
                     {"threshold", 0.08},
                     {"direction", "either"},
                     {"p_value", nullptr},
                     {"alpha", nullptr},
                     {"rows", 200},
                     {"alert", false}});
  json alerts = drifting ? json{"top_confidence", "predicted_label_mix"} : json::array();
  return {{"task", "replay"},
          {"model", "58f068a4"},
          {"at", "2026-12-01T10:00:00Z"},
          {"window",
           {{"source", std::string(kHostile) + "w0" + std::to_string(week) + ".csv"},
            {"rows", 200},
            {"feedback_rows", 200},
            {"first", "2026-02-" + day + "T00:10:00Z"},
            {"last", "2026-02-" + day + "T23:50:00Z"}}},
          {"test", "one-sided tests, Holm-corrected over the signals at family-wise alpha 0.01"},
          {"family_alpha", 0.01},
          {"alerts", alerts},
          {"estimated_accuracy",
           {{"value", 0.91}, {"low", 0.87}, {"high", 0.94}, {"reliable", true}, {"reason", ""}}},
          {"feedback_accuracy", {{"value", 0.9}, {"low", 0.85}, {"high", 0.93}, {"rows", 200}}},
          {"feedback_macro_f1", {{"value", 0.88}, {"low", 0.83}, {"high", 0.92}, {"rows", 200}}},
          {"signals", signals},
          {"unknown_labels", {{{"label", kHostile}, {"rows", 5}}}},
          {"per_label_recall",
           {{{"label", "transfer"},
             {"reference", 0.95},
             {"value", 0.6},
             {"rows", 10},
             {"p_value", 0.001},
             {"alert", true}}}}};
}

// `n` earlier weekly runs, oldest first; the second and the last of them drifted.
inline std::vector<nlohmann::json> MonitorHistory(int n) {
  std::vector<nlohmann::json> runs;
  for (int w = 0; w < n; ++w) runs.push_back(MonitorRun(w, w == 1 || w == n - 1));
  return runs;
}

}  // namespace trainops::testing
