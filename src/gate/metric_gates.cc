#include "gate/metric_gates.h"

#include <fmt/format.h>

namespace trainops {
namespace {

std::string KindOf(const MetricThreshold& t) {
  if (!t.label.empty()) return "label";
  if (t.metric.starts_with("ece")) return "calibration";
  if (t.metric.starts_with("oos") || t.metric == "in_scope_accuracy" || t.metric == "overall_accuracy") return "oos";
  return "metric";
}

GateCheck Unjudgeable(const MetricThreshold& t, std::string why) {
  GateCheck c = StatusCheck(KindOf(t), t.text, GateStatus::kFail, std::move(why));
  c.op = t.op;
  c.threshold = t.value;
  return c;
}

GateCheck Check(const MetricThreshold& t, const std::string& name, double value, std::string detail) {
  return CompareCheck(KindOf(t), name, value, t.op, t.value, std::move(detail));
}

}  // namespace

std::vector<GateCheck> MetricThresholdChecks(const nlohmann::json& report,
                                             const std::vector<MetricThreshold>& thresholds) {
  std::vector<GateCheck> checks;
  const uint64_t n = report.value("n", uint64_t{0});
  for (const auto& t : thresholds) {
    if (!t.label.empty()) {
      const auto& per_label = report["per_label"];
      auto one = [&](const std::string& label) {
        const auto& m = per_label[label];
        checks.push_back(Check(t, t.label == "*" ? fmt::format("{}[{}] {} {}", t.metric, label, t.op, t.value) : t.text,
                               m[t.metric].get<double>(),
                               fmt::format("{} of \"{}\" over {} test rows", t.metric, label,
                                           m["support"].get<uint64_t>())));
      };
      if (t.label == "*") {
        for (const auto& [label, m] : per_label.items()) {
          if (m["support"].get<uint64_t>() > 0) one(label);
        }
      } else if (per_label.contains(t.label) && per_label[t.label]["support"].get<uint64_t>() > 0) {
        one(t.label);
      } else {
        checks.push_back(Unjudgeable(t, fmt::format("the test data has no rows labelled \"{}\"; add some, or "
                                                    "drop this gate",
                                                    t.label)));
      }
      continue;
    }
    const bool multi_label = report.value("task_kind", "") == "multi_label";
    if (multi_label && (t.metric.starts_with("ece") || KindOf(t) == "oos")) {
      checks.push_back(Unjudgeable(t, fmt::format("{} is for single-label models: a multi-label model has no softmax "
                                                  "calibration or out-of-scope label; gate micro_f1, exact_match or "
                                                  "per-label recall/precision instead",
                                                  t.metric)));
      continue;
    }
    if (t.metric == "ece" || t.metric == "ece_before") {
      const auto& cal = report["calibration"];
      const double ece = cal[t.metric == "ece" ? "ece_after" : "ece_before"].get<double>();
      checks.push_back(Check(t, t.text, ece,
                             fmt::format("expected calibration error {} temperature scaling, {} bins, {} rows",
                                         t.metric == "ece" ? "after" : "before", cal["bins"].get<int>(),
                                         cal["rows"].get<uint64_t>())));
      continue;
    }
    if (KindOf(t) == "oos") {
      const auto& oos = report["oos"];
      if (!oos.value("enabled", false)) {
        checks.push_back(Unjudgeable(t, "no out-of-scope label: set oos_label in the spec"));
        continue;
      }
      if (t.metric.starts_with("oos") && oos["oos_rows"].get<uint64_t>() == 0) {
        checks.push_back(Unjudgeable(t, fmt::format("the test data has no \"{}\" rows to measure {} on",
                                                    oos["label"].get<std::string>(), t.metric)));
        continue;
      }
      checks.push_back(Check(t, t.text, oos[t.metric].get<double>(),
                             fmt::format("threshold {:.4f} ({}), {} in-scope and {} out-of-scope test rows",
                                         oos["threshold"].get<double>(), oos["threshold_source"].get<std::string>(),
                                         oos["in_scope_rows"].get<uint64_t>(), oos["oos_rows"].get<uint64_t>())));
      continue;
    }
    if (!report.contains(t.metric)) {  // micro_f1, exact_match, ... of a single-label report
      checks.push_back(Unjudgeable(t, fmt::format("{} is reported for multi-label models only (task.multi_label); "
                                                  "this model is single-label: use accuracy or macro_f1",
                                                  t.metric)));
      continue;
    }
    GateCheck c = Check(t, t.text, report[t.metric].get<double>(), fmt::format("over {} test rows", n));
    if (report.contains(t.metric + "_ci")) c.data = {{"ci95", report[t.metric + "_ci"]}};
    checks.push_back(std::move(c));
  }
  return checks;
}

std::vector<GateCheck> SegmentChecks(const nlohmann::json& report, const SegmentGates& gates) {
  std::vector<GateCheck> checks;
  if (!gates.enabled()) return checks;
  const auto& columns = report["segments"]["columns"];
  if (columns.empty()) {
    checks.push_back(StatusCheck("segment", "segment gates", GateStatus::kFail,
                                 "segment gates are set but no segment column was scored; set "
                                 "gates.segments.columns or data.segment_columns"));
    return checks;
  }
  for (const auto& col : columns) {
    const std::string column = col["column"].get<std::string>();
    if (gates.min_accuracy >= 0) {
      size_t judged = 0;
      for (const auto& s : col["segments"]) {
        if (s["too_small"].get<bool>()) continue;
        ++judged;
        const auto& ci = s["accuracy_ci"];
        GateCheck c = CompareCheck(
            "segment", fmt::format("accuracy of {}={} >= {}", column, s["value"].get<std::string>(), gates.min_accuracy),
            s["accuracy"].get<double>(), ">=", gates.min_accuracy,
            ci.is_array() ? fmt::format("{} rows, 95% interval [{:.4f}, {:.4f}]", s["n"].get<uint64_t>(),
                                        ci[0].get<double>(), ci[1].get<double>())
                          : fmt::format("{} rows (no interval: no resamples)", s["n"].get<uint64_t>()));
        c.data = {{"ci95", ci}, {"n", s["n"]}};
        checks.push_back(std::move(c));
      }
      if (judged == 0) {
        checks.push_back(StatusCheck("segment",
                                     fmt::format("accuracy of every {} segment >= {}", column, gates.min_accuracy),
                                     GateStatus::kSkip,
                                     "no segment has enough rows to judge (see evaluation.min_segment_support)"));
      }
    }
    if (gates.max_gap >= 0) {
      const auto& gap = col["gap"];
      if (!gap.contains("gap")) {
        GateCheck c = StatusCheck("segment", fmt::format("gap between {} segments <= {}", column, gates.max_gap),
                                  GateStatus::kSkip, gap.value("note", "fewer than two segments with enough rows"));
        c.op = "<=";
        c.threshold = gates.max_gap;
        checks.push_back(std::move(c));
        continue;
      }
      GateCheck c = CompareCheck(
          "segment", fmt::format("gap between {} segments <= {}", column, gates.max_gap), gap["gap"].get<double>(),
          "<=", gates.max_gap,
          fmt::format("best {} ({:.4f}) minus worst {} ({:.4f}); permutation p = {:.4f}",
                      gap["best"].get<std::string>(), gap["best_accuracy"].get<double>(),
                      gap["worst"].get<std::string>(), gap["worst_accuracy"].get<double>(),
                      gap["p_value"].get<double>()));
      c.data = gap;
      checks.push_back(std::move(c));
    }
  }
  return checks;
}

}  // namespace trainops
