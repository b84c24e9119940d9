// EvaluateModel (include/trainops/workflows.h): `trainops eval` as a library call. Settings
// come from the options, else the task spec's `evaluation:` section (--task), else defaults.
#include <fmt/format.h>

#include <trainops/workflows.h>

#include "api/boundary.h"
#include "common/error.h"
#include "eval/eval_report.h"
#include "eval/evaluator.h"
#include "eval/multi_label_eval.h"
#include "model/model_io.h"
#include "report/html_report.h"
#include "report/markdown_report.h"
#include "task/task_spec.h"

namespace trainops {

namespace {

EvaluateResult EvaluateModelImpl(const EvaluateOptions& o) {
  if (o.model.empty()) throw InputError("evaluation needs a model file (--model)");
  if (o.data.empty()) throw InputError("evaluation needs a labelled data file (--data)");
  const Model model = LoadModel(o.model);
  EvalReportOptions options;
  EvalInput input;
  TaskSpec spec;  // defaults unless a task is given
  if (!o.task.empty()) {
    spec = LoadTaskSpec(o.task);
    input.segment_columns = spec.evaluation.segments.empty() ? spec.data.segment_columns : spec.evaluation.segments;
    input.oos_label = spec.oos_label;
    options.segments.seed = spec.seed;
  }
  const EvaluationSpec& ev = spec.evaluation;
  // Any segment_split option replaces the spec's segment_split as a whole.
  const bool split_from_options = !o.segment_split.empty();
  options.segments.split = split_from_options ? SegmentSplits::ParseFlags(o.segment_split)
                                              : SegmentSplits::FromSpec(ev.segment_split, ev.segment_split_columns);
  options.segments.resamples = o.resamples.value_or(ev.bootstrap_resamples);
  options.segments.permutations = options.segments.resamples;
  options.segments.min_support = static_cast<uint64_t>(o.min_support.value_or(ev.min_segment_support));
  if (o.seed) options.segments.seed = *o.seed;
  options.segments.threads = o.threads;
  options.failures.max_examples = static_cast<size_t>(o.max_examples.value_or(ev.max_failure_examples));
  options.failures.costs = ev.costs;
  if (!o.segments.empty()) input.segment_columns = o.segments;
  if (split_from_options) options.segments.split.CheckColumns(input.segment_columns, "--segment-split");
  if (!o.oos_label.empty()) input.oos_label = o.oos_label;
  input.data = o.data;
  if (!o.format.empty()) input.format = ParseFileFormat(o.format);
  input.text_column = o.text_column;
  input.label_column = o.label_column;
  if (!o.on_bad_row.empty()) input.on_bad_row = ParseBadRowPolicy(o.on_bad_row);
  input.threads = o.threads;
  if (o.threshold) input.threshold = *o.threshold;

  EvaluateResult out;
  Dataset rows = LoadDataset(EvalSource(model, input));
  RequireRows(rows, o.data);
  if (model.info.multi_label) {
    const MultiLabelEvalResult result = EvaluateMultiLabel(model, std::move(rows), input);
    for (const auto& p : result.skipped) out.warnings.push_back("skipped row: " + p.ToString());
    out.report = BuildMultiLabelReport(model, result, options);
    out.report["model"] = o.model;
    out.report["data"] = o.data;
    return out;
  }
  const EvalResult result = Evaluate(model, std::move(rows), input);
  for (const auto& p : result.skipped) out.warnings.push_back("skipped row: " + p.ToString());
  if (input.threshold > 0 && !result.oos_index) {
    out.warnings.push_back("--threshold has no effect: the model has no out-of-scope label; pass --oos-label NAME");
  }
  out.report = BuildEvalReport(model, result, options);
  out.report["model"] = o.model;
  out.report["data"] = o.data;
  return out;
}

}  // namespace

EvaluateResult EvaluateModel(const EvaluateOptions& o) {
  return AtBoundary([&] { return EvaluateModelImpl(o); });
}

std::string EvaluationHtml(const nlohmann::json& report) { return RenderHtmlReport(report); }
std::string EvaluationMarkdown(const nlohmann::json& report) { return RenderMarkdownReport(report); }

}  // namespace trainops
