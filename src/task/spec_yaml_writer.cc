// TaskSpecToYaml: the spec written back as YAML (by `trainops init` and with each run). The
// inverse of the parser, kept apart from it so that each reads on its own.
#include "task/task_spec.h"

#include <filesystem>
#include <string>

#include <yaml-cpp/yaml.h>

#include "common/db_location.h"
#include "task/parameters.h"
#include "task/task_spec_internal.h"

namespace trainops {
namespace {

using task_internal::kParameterSections;
using task_internal::SplitName;

void EmitParameters(YAML::Emitter& out, const TaskSpec& spec, const std::string& section) {
  for (const Parameter& p : Parameters()) {
    auto [s, key] = SplitName(p.name);
    if (s != section) continue;
    auto value = GetParameter(spec, p.name);
    // Sections added after specs were first saved (task.multi_label, data.label_separator)
    // stay out of a saved spec at their defaults, so older specs read back unchanged.
    if (value && (section == "task" || section == "data") && value == GetParameter(TaskSpec{}, p.name)) continue;
    if (value) out << YAML::Key << key << YAML::Value << *value;
  }
}

bool SectionAtDefaults(const TaskSpec& spec, const std::string& section) {
  for (const Parameter& p : Parameters()) {
    if (SplitName(p.name).first == section && GetParameter(spec, p.name) != GetParameter(TaskSpec{}, p.name)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string TaskSpecToYaml(const TaskSpec& spec, const std::filesystem::path& relative_to) {
  auto rel = [&](const std::filesystem::path& p) {
    if (p.empty()) return std::string();
    // No folder to be relative to (a run's saved spec): absolute, so that the spec reads
    // the same files from any working folder (`train --resume` from elsewhere).
    return relative_to.empty() ? std::filesystem::absolute(p).lexically_normal().string()
                               : p.lexically_relative(relative_to).string();
  };
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << spec.name;
  if (!spec.description.empty()) out << YAML::Key << "description" << YAML::Value << spec.description;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "train" << YAML::Value << rel(spec.data.train);
  if (!spec.data.validation.empty()) out << YAML::Key << "validation" << YAML::Value << rel(spec.data.validation);
  if (!spec.data.test.empty()) out << YAML::Key << "test" << YAML::Value << rel(spec.data.test);
  if (spec.data.format) out << YAML::Key << "format" << YAML::Value << FileFormatName(*spec.data.format);
  out << YAML::Key << "text_column" << YAML::Value << spec.data.text_column;
  out << YAML::Key << "label_column" << YAML::Value << spec.data.label_column;
  if (!spec.data.segment_columns.empty()) {
    out << YAML::Key << "segment_columns" << YAML::Value << YAML::Flow << spec.data.segment_columns;
  }
  if (!spec.data.time_column.empty()) out << YAML::Key << "time_column" << YAML::Value << spec.data.time_column;
  out << YAML::Key << "on_bad_row" << YAML::Value
      << (spec.data.on_bad_row == BadRowPolicy::kSkip ? "skip" : "error");
  EmitParameters(out, spec, "data");
  out << YAML::EndMap;
  if (!spec.labels.empty()) out << YAML::Key << "labels" << YAML::Value << YAML::Flow << spec.labels;
  EmitParameters(out, spec, "");
  for (const std::string& section : kParameterSections) {
    if (section == "task" && SectionAtDefaults(spec, section)) continue;
    out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    EmitParameters(out, spec, section);
    out << YAML::EndMap;
  }
  out << YAML::Key << "checks" << YAML::Value << YAML::BeginMap;
  if (!spec.checks.max_age.empty()) out << YAML::Key << "max_age" << YAML::Value << spec.checks.max_age;
  out << YAML::Key << "min_examples_per_label" << YAML::Value << spec.checks.min_examples_per_label;
  out << YAML::Key << "max_imbalance_ratio" << YAML::Value << spec.checks.max_imbalance_ratio;
  out << YAML::Key << "near_duplicate_threshold" << YAML::Value << spec.checks.near_duplicate_threshold;
  out << YAML::Key << "label_error_folds" << YAML::Value << spec.checks.label_error_folds;
  out << YAML::Key << "min_segment_examples" << YAML::Value << spec.checks.min_segment_examples;
  out << YAML::Key << "max_rows" << YAML::Value << spec.checks.max_rows;
  out << YAML::EndMap;
  if (!spec.registry_path.empty()) {
    const std::string registry = spec.registry_path.string();
    out << YAML::Key << "registry" << YAML::Value << (IsPostgresLocation(registry) ? registry : rel(spec.registry_path));
  }
  {
    const EvaluationSpec& ev = spec.evaluation;
    out << YAML::Key << "evaluation" << YAML::Value << YAML::BeginMap;
    if (!ev.segments.empty()) out << YAML::Key << "segments" << YAML::Value << YAML::Flow << ev.segments;
    if (!ev.segment_split_columns.empty()) {
      // The mapping form cannot also carry an all-columns split, so the spec keeps one form.
      out << YAML::Key << "segment_split" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [column, split] : ev.segment_split_columns) {
        out << YAML::Key << column << YAML::Value << YAML::DoubleQuoted << split;
      }
      out << YAML::EndMap;
    } else if (!ev.segment_split.empty()) {
      out << YAML::Key << "segment_split" << YAML::Value << ev.segment_split;
    }
    out << YAML::Key << "bootstrap_resamples" << YAML::Value << ev.bootstrap_resamples;
    out << YAML::Key << "min_segment_support" << YAML::Value << ev.min_segment_support;
    EmitParameters(out, spec, "evaluation");
    out << YAML::Key << "target_oos_recall" << YAML::Value << ev.target_oos_recall;
    out << YAML::Key << "max_accuracy_drop" << YAML::Value << ev.max_accuracy_drop;
    if (!ev.costs.empty()) {
      out << YAML::Key << "costs" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [label, cost] : ev.costs) out << YAML::Key << label << YAML::Value << cost;
      out << YAML::EndMap;
    }
    out << YAML::Key << "max_failure_examples" << YAML::Value << ev.max_failure_examples;
    out << YAML::EndMap;
  }
  {
    const GatesSpec& g = spec.gates;
    out << YAML::Key << "gates" << YAML::Value << YAML::BeginMap;
    if (!g.metrics.empty()) {
      out << YAML::Key << "metrics" << YAML::Value << YAML::BeginSeq;
      for (const auto& t : g.metrics) out << t.text;
      out << YAML::EndSeq;
    }
    if (g.segments.enabled()) {
      out << YAML::Key << "segments" << YAML::Value << YAML::BeginMap;
      if (!g.segments.columns.empty()) out << YAML::Key << "columns" << YAML::Value << YAML::Flow << g.segments.columns;
      if (g.segments.min_accuracy >= 0) out << YAML::Key << "min_accuracy" << YAML::Value << g.segments.min_accuracy;
      if (g.segments.max_gap >= 0) out << YAML::Key << "max_gap" << YAML::Value << g.segments.max_gap;
      if (g.segments.min_support > 0) out << YAML::Key << "min_support" << YAML::Value << g.segments.min_support;
      out << YAML::EndMap;
    }
    const RegressionGate& r = g.regression;
    out << YAML::Key << "regression" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "enabled" << YAML::Value << r.enabled;
    out << YAML::Key << "baseline" << YAML::Value
        << (r.baseline == "production" ? r.baseline : rel(std::filesystem::path(r.baseline)));
    out << YAML::Key << "metrics" << YAML::Value << YAML::Flow << r.metrics;
    out << YAML::Key << "tolerance" << YAML::Value << r.tolerance;
    out << YAML::Key << "label_tolerance" << YAML::Value << r.label_tolerance;
    out << YAML::Key << "alpha" << YAML::Value << r.alpha;
    out << YAML::Key << "min_label_support" << YAML::Value << r.min_label_support;
    out << YAML::Key << "resamples" << YAML::Value << r.resamples;
    out << YAML::EndMap;
    if (!g.behaviour.file.empty()) {
      out << YAML::Key << "behaviour" << YAML::Value << YAML::BeginMap;
      out << YAML::Key << "file" << YAML::Value << rel(g.behaviour.file);
      out << YAML::Key << "min_pass_rate" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [kind, rate] : g.behaviour.min_pass_rate) out << YAML::Key << kind << YAML::Value << rate;
      out << YAML::EndMap;
      out << YAML::Key << "per_kind" << YAML::Value << g.behaviour.per_kind;
      out << YAML::EndMap;
    }
    if (g.budgets.latency_p99_us > 0 || g.budgets.model_size_mb > 0) {
      out << YAML::Key << "budgets" << YAML::Value << YAML::BeginMap;
      if (g.budgets.latency_p99_us > 0) out << YAML::Key << "latency_p99_us" << YAML::Value << g.budgets.latency_p99_us;
      if (g.budgets.model_size_mb > 0) out << YAML::Key << "model_size_mb" << YAML::Value << g.budgets.model_size_mb;
      out << YAML::Key << "latency_samples" << YAML::Value << g.budgets.latency_samples;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace trainops
