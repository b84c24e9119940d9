// `trainops predict`: a file in, a CSV of predictions out in input order; or, without
// --data, one text per stdin line answered per line (flushed, so it works as a pipe).
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "data/dataset.h"
#include "data/table_reader.h"
#include "eval/prediction_format.h"
#include "model/model_io.h"

namespace trainops::cli {
namespace {

struct PredictFlags {
  std::string model, data, text_column, output, format, on_bad_row;
  PredictSettings settings;
};

void PredictFile(const Model& model, const PredictFlags& f, const CliContext& ctx) {
  DataSource source;
  source.path = f.data;
  if (!f.format.empty()) source.format = ParseFileFormat(f.format);
  source.text_column = f.text_column.empty() ? model.info.text_column : f.text_column;
  // Bad rows never stop the stream (as on stdin): each gets an empty answer line, so
  // output lines match input rows, and an error naming it; exit 2 at the end, unless
  // --on-bad-row skip makes them warnings.
  const bool skip = !f.on_bad_row.empty() && ParseBadRowPolicy(f.on_bad_row) == BadRowPolicy::kSkip;
  source.on_bad_row = BadRowPolicy::kSkip;
  std::unique_ptr<AtomicFile> file;
  if (!f.output.empty() && f.output != "-") file = std::make_unique<AtomicFile>(f.output);
  auto write = [&](const std::string& s) {
    if (file) file->Write(s);
    else std::cout << s;
  };
  write(PredictionCsvHeader(model, f.settings.top_k));
  Model::Scratch scratch;
  uint64_t rows = 0, skipped = 0;
  // Rows are predicted as they stream in, so memory stays flat for any input size.
  StreamExamples(
      source,
      [&](Example&& ex) {
        const Decision d = Classify(model, ex.text, scratch, f.settings.threshold);
        write(PredictionCsvRow(model, d, scratch.probs, f.settings));
        ++rows;
      },
      [&](RowProblem&& problem) {
        // Bad rows keep their place (empty fields) so output lines match input rows.
        const std::string message = "bad row, prediction left empty: " + problem.ToString();
        if (skip) ctx.Warn(message);
        else std::cerr << "trainops: error: " << message << "\n";
        write(std::string(PredictionCsvColumns(model, f.settings.top_k) - 1, ',') + "\n");
        ++skipped;
      });
  if (file) file->Commit();
  else FlushStdout();
  ctx.Info(fmt::format("predicted {} rows{}{}", rows,
                       skipped ? fmt::format(" ({} bad, left empty)", skipped) : "",
                       file ? " -> " + f.output : ""));
  if (skipped > 0 && !skip) {
    throw InputError(fmt::format("{}: {} bad row{} (answered with empty lines, named above); fix them, or pass "
                                 "--on-bad-row skip to accept such answers",
                                 f.data, skipped, skipped == 1 ? "" : "s"));
  }
}

// std::getline with the readers' record limit: a stream without line ends (/dev/zero) is
// an error at its line, not memory growing without bound. False at the end of input.
bool ReadStdinLine(std::string& line, uint64_t line_number, const RecordLimits& limits) {
  line.clear();
  std::streambuf* in = std::cin.rdbuf();
  for (int c = in->sbumpc(); c != std::char_traits<char>::eof(); c = in->sbumpc()) {
    if (c == '\n') return true;
    line.push_back(static_cast<char>(c));
    if (line.size() > limits.max_record_bytes) {
      limits.ThrowTooLong("standard input", line_number, "the line", /*field=*/false);
    }
  }
  return !line.empty();
}

void PredictStdin(const Model& model, const PredictFlags& f, const CliContext& ctx) {
  Model::Scratch scratch;
  std::string line;
  uint64_t line_number = 0, invalid = 0;
  const bool skip = !f.on_bad_row.empty() && ParseBadRowPolicy(f.on_bad_row) == BadRowPolicy::kSkip;
  const RecordLimits limits = RecordLimits::FromEnvironment();
  while (ReadStdinLine(line, line_number + 1, limits)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Invalid UTF-8 is a bad row, as with --data: an empty answer line (the pipe still gets
    // one per input line) and an error naming the line; exit 2 at the end unless
    // --on-bad-row skip.
    if (const std::string problem = InvalidUtf8Problem(line); !problem.empty()) {
      ++invalid;
      const std::string message = fmt::format("stdin line {}: {}; answered with an empty line", line_number, problem);
      if (skip) ctx.Warn(message);
      else std::cerr << "trainops: error: " << message << "\n";
      std::cout << std::string(PredictionCsvColumns(model, f.settings.top_k) - 1, ',') << "\n";
      FlushStdout();
      continue;
    }
    const Decision d = Classify(model, line, scratch, f.settings.threshold);
    // A blank line still gets its answer line (a pipe reads one per input line): rejected,
    // with confidence 0, and a note on stderr, never a label chosen from the bias alone.
    if (d.empty) ctx.Warn(fmt::format("stdin line {}: no text to classify; answered as rejected", line_number));
    std::cout << PredictionCsvRow(model, d, scratch.probs, f.settings);
    FlushStdout();  // one answer per line, as it comes (a pipe waits for it); checked
  }
  if (invalid > 0 && !skip) {
    throw InputError(fmt::format("standard input: {} line{} not valid UTF-8 (answered with empty lines, named above); "
                                 "re-encode the input as UTF-8, or pass --on-bad-row skip to accept such answers",
                                 invalid, invalid == 1 ? " was" : "s were"));
  }
}

}  // namespace

void RegisterPredict(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<PredictFlags>();
  CLI::App* cmd = app.add_subcommand("predict", "Predict labels for texts");
  cmd->footer(
      "Examples:\n"
      "  trainops predict --model runs/r1/model.bin --data new.csv --output predictions.csv\n"
      "  echo 'where is my order' | trainops predict --model runs/r1/model.bin\n"
      "Output CSV: label,confidence (with --top-k K: label_1,confidence_1,...), in input order.");
  cmd->add_option("--model", f->model, "Model file (model.bin)")->required();
  cmd->add_option("--data", f->data, "Input file; without it, one text per stdin line");
  cmd->add_option("--text-column", f->text_column, "Text column (default: the one the model was trained on)");
  cmd->add_option("--format", f->format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--on-bad-row", f->on_bad_row, "error (default) or skip (row left empty)");
  cmd->add_option("--top-k", f->settings.top_k, "Labels per text")->check(CLI::Range(1, 1000));
  cmd->add_option("--threshold", f->settings.threshold,
                  "Reject as the out-of-scope label below this rejection score (the model's: its calibrated "
                  "confidence scaled by feature coverage; 0 = off)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--output", f->output, "Output CSV (default: stdout)");
  cmd->callback([f, &ctx] {
    CommandInputs inputs;
    inputs.Add("--model", f->model);
    inputs.Add("--data", f->data);
    CheckOutputPath(f->output, "--output", inputs);
    Model model = LoadModel(f->model);
    // More labels per text than the model has would only add empty column pairs.
    const int labels = static_cast<int>(model.num_labels());
    if (f->settings.top_k > labels) {
      ctx.Info(fmt::format("--top-k {}: the model has {} labels; writing {} per text", f->settings.top_k, labels, labels));
      f->settings.top_k = labels;
    }
    if (f->data.empty()) {
      PredictStdin(model, *f, ctx);
    } else {
      PredictFile(model, *f, ctx);
    }
  });
}

}  // namespace trainops::cli
