#include "drift/cycle_threshold_refresh.h"

#include <unordered_set>

#include <fmt/format.h>

#include "api/boundary.h"
#include "api/workflow_support.h"
#include "common/error.h"
#include "drift/threshold_refresh.h"
#include "model/inference.h"
#include "model/model_io.h"
#include "train/training_data.h"
#include "train/validation_reference.h"

namespace trainops::drift {
namespace {

using json = nlohmann::json;

json Skipped(const std::string& reason) { return {{"refresh", false}, {"reason", reason}}; }

}  // namespace

ThresholdRefreshOutcome RefreshThreshold(const ThresholdRefreshInputs& in, Registry& registry,
                                         const Messages& messages) {
  ThresholdRefreshOutcome out;
  const TaskSpec& spec = *in.spec;
  const Model& model = in.production->model;
  if (!spec.drift.threshold_refresh) {
    out.report = Skipped("drift.threshold_refresh is off");
    return out;
  }
  if (spec.oos_label.empty() || spec.data.multi_label || model.info.multi_label) {
    out.report = Skipped(spec.data.multi_label ? "multi-label models have a threshold per label"
                                               : "the task has no out-of-scope label (oos_label)");
    return out;
  }
  if (model.info.oos_label.empty() || !model.reference_stats) {
    out.report = Skipped("the production model has no out-of-scope label or no reference statistics");
    return out;
  }

  size_t sample_rows = 0;
  for (const LabelledMessage& f : *in.feedback) sample_rows += !in.ranked_texts->count(f.text);
  if (sample_rows == 0) {  // before rereading the run's data, which may be large
    out.report = Skipped("no feedback that samples the traffic yet");
    return out;
  }

  // The run that trained the production model: its spec and data tell which rows the model
  // has seen (they are no sample of what it does on traffic) and give the validation rows
  // its reference statistics are recomputed on.
  const ModelRecord record = registry.GetModel(in.production->id);
  if (record.run_id.empty()) {
    out.report = Skipped("the production model has no training run in the registry (released from a file)");
    return out;
  }
  TrainingData data;
  try {
    const RunRecord run = registry.GetRun(record.run_id);
    const std::string spec_path = run.run.value("spec_path", run.spec_path);
    if (spec_path.empty()) throw InputError("the run names no spec");
    TaskSpec run_spec = LoadTaskSpec(spec_path);
    data = LoadTrainingData(run_spec);
    const json recorded = run.run.value("data", json::object());
    if (data.lineage.value("train", json()) != recorded.value("train", json()) ||
        data.lineage.value("validation", json()) != recorded.value("validation", json())) {
      throw InputError("the run's training data changed since it trained (lineage differs)");
    }
    if (data.labels != model.info.labels) throw InputError("the run's labels are not the model's");
  } catch (const std::exception& e) {
    out.report = Skipped(fmt::format("the run {} cannot be reread: {}", record.run_id, e.what()));
    return out;
  }

  std::unordered_set<std::string> seen(data.train.texts.begin(), data.train.texts.end());
  seen.insert(data.validation.texts.begin(), data.validation.texts.end());
  std::vector<ServedOutcome> rows;
  size_t trained_on = 0, ranked = 0;
  const uint32_t oos_class = OosLabelIndex(model);
  Model::Scratch scratch;
  for (const LabelledMessage& f : *in.feedback) {
    if (seen.count(f.text)) {
      ++trained_on;
      continue;
    }
    if (in.ranked_texts->count(f.text)) {
      ++ranked;
      continue;
    }
    const Decision d = Classify(model, f.text, scratch, /*threshold=*/0);
    ServedOutcome r;
    r.reject_score = d.reject_score;
    r.correct_rejected = f.label == spec.oos_label;
    r.fixed = d.empty || (oos_class < model.num_labels() && d.top == oos_class);
    r.correct_answered = r.fixed ? r.correct_rejected : LabelName(model, d.top) == f.label;
    rows.push_back(r);
  }
  const float current = EffectiveThreshold(model, -1);
  const ThresholdChoiceOnTraffic choice =
      ChooseThresholdOnTraffic(rows, current, spec.drift.threshold_refresh_alpha);
  out.report = choice.ToJson();
  out.report["left_out"] = {{"trained_or_validated_on", trained_on}, {"ranked_by_label_budget", ranked}};
  if (!choice.refresh) return out;

  Model refreshed = model;
  refreshed.info.reject_threshold = choice.chosen;
  refreshed.reference_stats = RecomputeReferenceStats(refreshed, data);
  CreateOutputFolder(in.dir, "--work-dir");
  const std::filesystem::path file = in.dir / "model.bin";
  SaveModel(refreshed, file);
  json metrics = record.metrics.is_object() ? record.metrics : json::object();
  // The threshold the weights were trained and gated with, kept over a chain of refreshes:
  // the regression gate scores this model there (gate/release.cc).
  const json earlier = metrics.value("threshold_refresh", json());
  const float trained = earlier.is_object() ? earlier.value("trained_threshold", current) : current;
  metrics["threshold_refresh"] = {{"from_model", in.production->id},
                                  {"trained_threshold", trained},
                                  {"threshold", choice.chosen},
                                  {"previous_threshold", current},
                                  {"in_scope_drop", choice.in_scope_drop}};
  const ModelRecord registered = registry.RegisterModel(file, spec.name, record.run_id, metrics);
  out.model_id = registered.id;
  Say(messages.info, fmt::format("rejection threshold {:.4f} -> {:.4f} on {} served rows ({} gained, {} lost, p = {:.3g}): "
                            "releasing {}",
                            current, choice.chosen, choice.rows, choice.gained, choice.lost, choice.p_value,
                            registered.id.substr(0, 12)));

  GateOptions g;
  g.task = in.task_path;
  g.candidate = registered.id;
  g.registry = in.registry_path.string();
  g.threads = in.threads;
  g.reason = fmt::format("cycle: rejection threshold refresh {:.4f} -> {:.4f} (sign test p = {:.3g} on {} served rows)",
                         current, choice.chosen, choice.p_value, choice.rows);
  const ReleaseResult release = Release(g);
  out.promoted = release.promotion.has_value() && release.promotion->changed;
  out.report["model"] = registered.id;
  out.report["path"] = file.string();
  out.report["gate"] = {{"passed", release.gate.passed},
                        {"verdict", release.gate.verdict},
                        {"report_id", release.gate.report_id},
                        {"refused", release.refused}};
  out.report["promoted"] = out.promoted;
  Say(messages.info, out.promoted ? fmt::format("promoted {} (threshold {:.4f}) to production", registered.id.substr(0, 12),
                                           choice.chosen)
                             : fmt::format("refreshed threshold not promoted: {}",
                                           release.gate.passed ? release.refused : "a gate failed"));
  return out;
}

}  // namespace trainops::drift
