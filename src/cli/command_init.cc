// `trainops init --data FILE`: writes a starting task spec, guessing the text, label,
// segment and time columns, and says what it guessed.
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_context.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "data/column_guess.h"
#include "task/task_spec.h"

namespace trainops::cli {
namespace {

struct InitFlags {
  std::string data, out = "task.yaml", format, name;
  bool force = false;
};

}  // namespace

void RegisterInit(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<InitFlags>();
  CLI::App* cmd = app.add_subcommand("init", "Write a starting task spec from a data file");
  cmd->footer("Example:\n  trainops init --data data/train.csv --output task.yaml");
  cmd->add_option("--data", f->data, "Training data file")->required();
  cmd->add_option("--output,--out", f->out, "Spec file to write (default: task.yaml; - for stdout)");
  cmd->add_option("--format", f->format, "csv, tsv or jsonl (default: by extension)");
  cmd->add_option("--name", f->name, "Task name (default: from the file name)");
  cmd->add_flag("--force", f->force, "Overwrite an existing spec file");
  cmd->callback([f, &ctx] {
    std::filesystem::path out = f->out;
    CommandInputs inputs;
    inputs.Add("--data", f->data);
    const bool to_stdout = f->out == "-";
    CheckOutputPath(f->out, "--output", inputs);  // even with --force, never over the data
    if (!to_stdout && std::filesystem::exists(out) && !f->force) {
      throw InputError(fmt::format("{}: already exists; pass --force to overwrite it or choose another --output",
                                   out.string()));
    }
    std::optional<FileFormat> format;
    if (!f->format.empty()) format = ParseFileFormat(f->format);
    ColumnGuess guess = GuessColumns(f->data, format);
    if (guess.text_column.empty() || guess.label_column.empty()) {
      throw InputError(fmt::format("{}: could not tell which column holds the {}; write the spec by hand "
                                   "(see docs/task_spec.md)",
                                   f->data, guess.text_column.empty() ? "text" : "label"));
    }
    TaskSpec spec;
    spec.name = f->name.empty() ? std::filesystem::path(f->data).stem().string() : f->name;
    spec.description = "Classify " + guess.text_column + " into " + guess.label_column + ".";
    spec.data.train = std::filesystem::absolute(f->data);
    spec.data.format = format;
    spec.data.text_column = guess.text_column;
    spec.data.label_column = guess.label_column;
    spec.data.segment_columns = guess.segment_columns;
    spec.data.time_column = guess.time_column;
    // On standard output the spec's paths are relative to the current folder, where a
    // redirection (`> task.yaml`) puts it.
    std::filesystem::path folder = to_stdout ? std::filesystem::current_path() : std::filesystem::absolute(out).parent_path();
    std::string yaml = "# Written by `trainops init`; check the guessed columns below.\n" +
                       TaskSpecToYaml(spec, folder);
    WriteOutput(f->out, yaml);
    // What was guessed: a summary for people, on stderr when the spec took stdout.
    std::string summary = fmt::format("wrote {}\n  text column:  {}\n  label column: {}\n",
                                      to_stdout ? std::string("the spec to standard output") : out.string(),
                                      guess.text_column, guess.label_column);
    if (!guess.segment_columns.empty()) {
      std::string joined;
      for (const auto& s : guess.segment_columns) joined += (joined.empty() ? "" : ", ") + s;
      summary += "  segments:     " + joined + "\n";
    }
    if (!guess.time_column.empty()) summary += "  time column:  " + guess.time_column + "\n";
    if (to_stdout) {
      ctx.Info(summary.substr(0, summary.size() - 1));
    } else {
      std::cout << summary;
    }
    if (!guess.reasoning.empty()) ctx.Info(guess.reasoning);
  });
}

}  // namespace trainops::cli
