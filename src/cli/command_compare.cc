// `trainops compare --model A --model B --data F`: both models on the same rows, overall
// and per-label deltas (B minus A), McNemar's exact test on the rows exactly one gets
// right, and those rows' texts. --json OUT (- for stdout) or a readable summary.
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "eval/compare.h"
#include "eval/evaluator.h"

namespace trainops::cli {
namespace {

struct CompareFlags {
  std::vector<std::string> models;
  std::string data, text_column, label_column, format, on_bad_row, json, oos_label;
  std::optional<float> threshold;
  int max_examples = 20;
  int threads = 0;
};

void PrintSummary(const nlohmann::json& j) {
  std::cout << fmt::format("A: {}\nB: {}\nn {}\n\n", j["model_a"].get<std::string>(), j["model_b"].get<std::string>(),
                           j["n"].get<uint64_t>());
  std::cout << fmt::format("{:<12} {:>8} {:>8} {:>9}\n", "metric", "A", "B", "B - A");
  const bool multi_label = j.value("task_kind", "") == "multi_label";
  const std::vector<const char*> shown = multi_label ? std::vector<const char*>{"accuracy", "micro_f1", "macro_f1",
                                                                                "samples_f1", "hamming_loss"}
                                                     : std::vector<const char*>{"accuracy", "macro_f1", "weighted_f1"};
  if (multi_label) std::cout << "(multi-label: accuracy is exact-set accuracy)\n";
  for (const char* m : shown) {
    std::cout << fmt::format("{:<12} {:>8.4f} {:>8.4f} {:>+9.4f}\n", m, j["a"][m].get<double>(),
                             j["b"][m].get<double>(), j["delta"][m].get<double>());
  }
  const auto& p = j["paired"];
  std::cout << fmt::format("\nonly A right {}, only B right {}, both right {}, both wrong {}\n",
                           p["only_a_right"].get<uint64_t>(), p["only_b_right"].get<uint64_t>(),
                           p["both_right"].get<uint64_t>(), p["both_wrong"].get<uint64_t>());
  std::cout << fmt::format("McNemar exact p = {:.4g} (mid-p {:.4g}): {}\n", j["mcnemar"]["p_value"].get<double>(),
                           j["mcnemar"]["p_value_midp"].get<double>(),
                           j["mcnemar"]["significant"].get<bool>() ? "significant at 0.05" : "not significant at 0.05");
  if (multi_label) {
    std::cout << fmt::format("micro-F1 change: paired bootstrap p = {:.4g}: {}\n",
                             j["micro_f1_bootstrap"]["p_value"].get<double>(),
                             j["micro_f1_bootstrap"]["significant"].get<bool>() ? "significant at 0.05"
                                                                                : "not significant at 0.05");
  }
  std::vector<std::pair<double, std::string>> moves;
  for (auto it = j["per_label"].begin(); it != j["per_label"].end(); ++it) {
    double d = it.value()["f1_delta"].get<double>();
    if (d != 0) moves.emplace_back(d, it.key());
  }
  std::sort(moves.begin(), moves.end());
  if (!moves.empty()) {
    std::cout << "\nlargest per-label F1 changes (B - A):\n";
    for (size_t i = 0; i < moves.size() && i < 5; ++i)
      std::cout << fmt::format("  {:<30} {:+.4f}\n", moves[i].second, moves[i].first);
    for (size_t i = moves.size() > 5 ? std::max(moves.size() - 5, size_t{5}) : moves.size(); i < moves.size(); ++i)
      std::cout << fmt::format("  {:<30} {:+.4f}\n", moves[i].second, moves[i].first);
  }
  for (const char* key : {"a_right_b_wrong", "b_right_a_wrong"}) {
    if (j[key].empty()) continue;
    std::cout << fmt::format("\n{}:\n", std::string(key) == "a_right_b_wrong" ? "A right, B wrong" : "B right, A wrong");
    for (const auto& r : j[key]) {
      std::cout << fmt::format("  [{}] A {} / B {}: {}\n", r["gold"].get<std::string>(),
                               r["predicted_a"].get<std::string>(), r["predicted_b"].get<std::string>(),
                               r["text"].get<std::string>());
    }
  }
}

}  // namespace

void RegisterCompare(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand("compare", "Compare two models on the same labelled data");
  cmd->footer(
      "Examples:\n"
      "  trainops compare --model runs/old/model.bin --model runs/new/model.bin --data test.csv\n"
      "  trainops compare --model A.bin --model B.bin --data test.csv --json compare.json\n"
      "Deltas are B minus A; significance: McNemar's exact test (mid-p also reported).");
  cmd->add_option("--model", f->models, "Model file; give exactly two (A then B)")->required()->expected(1)->take_all();
  cmd->add_option("--data", f->data, "Labelled file")->required();
  cmd->add_option("--text-column", f->text_column, "Text column (default: model A's)");
  cmd->add_option("--label-column", f->label_column, "Label column (default: model A's)");
  cmd->add_option("--format", f->format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", f->on_bad_row, "error (default) or skip");
  cmd->add_option("--threshold", f->threshold, "Rejection threshold for both (default: each model's)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--oos-label", f->oos_label, "Out-of-scope label (default: each model's)");
  cmd->add_option("--max-examples", f->max_examples, "Disagreeing texts listed per direction")
      ->check(CLI::Range(0, 1000000));
  AddJsonOption(cmd, f->json, "Write the comparison");
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)");
  cmd->callback([f, &ctx] {
    if (f->models.size() != 2) {
      throw InputError(fmt::format("compare needs exactly two --model flags (A then B), got {}", f->models.size()));
    }
    // Checked before any work, like every other command: --json over an input destroyed it.
    CommandInputs inputs;
    inputs.Add("--model (A)", f->models[0]);
    inputs.Add("--model (B)", f->models[1]);
    inputs.Add("--data", f->data);
    CheckOutputPath(f->json, "--json", inputs);
    EvalInput input;
    input.data = f->data;
    if (!f->format.empty()) input.format = ParseFileFormat(f->format);
    input.text_column = f->text_column;
    input.label_column = f->label_column;
    if (!f->on_bad_row.empty()) input.on_bad_row = ParseBadRowPolicy(f->on_bad_row);
    input.threads = f->threads;
    input.oos_label = f->oos_label;
    if (f->threshold) input.threshold = *f->threshold;
    std::vector<RowProblem> skipped;
    nlohmann::json j = CompareModelFiles(f->models[0], f->models[1], input, static_cast<size_t>(f->max_examples),
                                         f->models[0], f->models[1], &skipped);
    for (const auto& p : skipped) ctx.Warn("skipped row: " + p.ToString());
    const std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (f->json == "-") {
      std::cout << text;
      return;
    }
    if (!f->json.empty()) {
      WriteFileAtomically(f->json, text);
      ctx.Info("comparison written to " + f->json);
    }
    PrintSummary(j);
  });
}

}  // namespace trainops::cli
