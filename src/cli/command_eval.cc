// `trainops eval`: metrics of a model on a labelled file, as JSON (--json OUT, or - for
// stdout) or as a readable table.
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "eval/evaluator.h"
#include "model/model_io.h"

namespace trainops::cli {
namespace {

struct EvalFlags {
  std::string model, data, text_column, label_column, json, format, on_bad_row;
  int threads = 0;
};

void PrintTable(const EvalResult& result) {
  const ConfusionMatrix& c = result.confusion;
  std::cout << fmt::format("n {}  accuracy {:.4f}  macro_f1 {:.4f}  weighted_f1 {:.4f}\n\n", c.total(),
                           c.Accuracy(), c.MacroF1(), c.WeightedF1());
  size_t width = 5;
  for (const auto& l : c.labels()) width = std::max(width, l.size());
  std::cout << fmt::format("{:<{}}  {:>9}  {:>6}  {:>6}  {:>7}\n", "label", width, "precision", "recall", "f1",
                           "support");
  for (uint32_t i = 0; i < c.size(); ++i) {
    LabelMetrics m = c.ForLabel(i);
    if (m.support == 0 && m.predicted == 0) continue;
    std::cout << fmt::format("{:<{}}  {:>9.4f}  {:>6.4f}  {:>6.4f}  {:>7}\n", c.labels()[i], width, m.precision,
                             m.recall, m.f1, m.support);
  }
}

}  // namespace

void RegisterEval(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<EvalFlags>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a model on labelled data");
  cmd->footer(
      "Examples:\n"
      "  trainops eval --model runs/r1/model.bin --data test.csv\n"
      "  trainops eval --model runs/r1/model.bin --data test.csv --json metrics.json\n"
      "JSON keys: accuracy, macro_f1, weighted_f1, n, per_label, confusion.");
  cmd->add_option("--model", f->model, "Model file (model.bin)")->required();
  cmd->add_option("--data", f->data, "Labelled file")->required();
  cmd->add_option("--text-column", f->text_column, "Text column (default: the model's)");
  cmd->add_option("--label-column", f->label_column, "Label column (default: the model's)");
  cmd->add_option("--format", f->format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", f->on_bad_row, "error (default) or skip");
  cmd->add_option("--json", f->json, "Write metrics as JSON to this file (- for stdout)");
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)");
  cmd->callback([f, &ctx] {
    Model model = LoadModel(f->model);
    EvalInput input;
    input.data = f->data;
    if (!f->format.empty()) input.format = ParseFileFormat(f->format);
    input.text_column = f->text_column;
    input.label_column = f->label_column;
    if (!f->on_bad_row.empty()) input.on_bad_row = ParseBadRowPolicy(f->on_bad_row);
    input.threads = f->threads;
    EvalResult result = Evaluate(model, input);
    for (const auto& p : result.skipped) ctx.Warn("skipped row: " + p.ToString());
    nlohmann::json j = result.ToJson();
    j["model"] = f->model;
    j["data"] = f->data;
    if (f->json == "-") {
      std::cout << j.dump(2) << "\n";
    } else {
      if (!f->json.empty()) {
        WriteFileAtomically(f->json, j.dump(2) + "\n");
        ctx.Info("metrics written to " + f->json);
      }
      PrintTable(result);
    }
  });
}

}  // namespace trainops::cli
