// SelectForLabeling (trainops/select.h): resolves what the caller named (spec, traffic
// file, model), reads the window keeping every column, and hands the texts to
// drift/select, where the choice is made.
#include <trainops/select.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "api/boundary.h"
#include "api/registry_access.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/strings.h"
#include "data/csv_writer.h"
#include "data/dataset.h"
#include "data/table_reader.h"
#include "drift/select.h"
#include "drift/workflow_common.h"
#include "model/model_io.h"
#include "registry/registry.h"
#include "task/task_spec.h"
#include "serve/traffic_log.h"
#include "common/hash.h"
#include <unistd.h>

namespace trainops {
namespace {

void CheckOptions(const SelectOptions& o) {
  if (o.task.empty()) throw InputError("no task spec given; pass --task T.yaml (its text column, seed and registry apply)");
  if (o.traffic.empty() && o.since.empty() && o.until.empty()) {
    throw InputError("no window given; pass --traffic F (CSV, TSV or JSONL with the text column), or --since TIME "
                     "[--until TIME] for the server's traffic log");
  }
  if (!o.traffic.empty() && (!o.since.empty() || !o.until.empty())) {
    throw InputError("--since/--until select a window of the server's traffic log; with --traffic FILE the file is "
                     "the window: pass one or the other");
  }
  if (o.budget < 1) {
    throw InputError(fmt::format("--budget {}: the budget is how many messages to pick and must be at least 1", o.budget));
  }
  if (o.random_share && !(*o.random_share >= 0 && *o.random_share <= 1)) {
    throw InputError(fmt::format("--random-share {}: must be between 0 and 1 (0.1 = a tenth of the budget drawn "
                                 "uniformly at random)",
                                 *o.random_share));
  }
  // An output never replaces an input: the window would be lost to its own selection.
  CommandInputs inputs;
  if (!o.traffic.empty()) inputs.Add("--traffic", o.traffic);
  if (!o.model.empty()) inputs.Add("--model", o.model);
  if (!o.output.empty()) CheckOutputFile(o.output, "--output", inputs);
}

struct Window {
  std::vector<std::string> header;
  std::vector<RawRecord> records;  // rows with text
  std::vector<std::string> texts;  // parallel to records
  std::vector<double> weights;     // parallel to records: the sample_weight column (1 without it)
  uint64_t rows = 0;
  std::vector<uint64_t> empty_lines;
};

Window ReadWindow(const SelectOptions& o, const std::string& text_column) {
  const std::filesystem::path path = o.traffic;
  const FileFormat format = o.format.empty() ? GuessFileFormat(path) : ParseFileFormat(o.format);
  auto reader = OpenTable(path, format);
  Window w;
  w.header = reader->columns();
  const auto text_index = reader->ColumnIndex(text_column);
  if (!text_index) {
    throw InputError(fmt::format("{}: no column {} (the text column); the columns are {}{}; pass --text-column or fix "
                                 "data.text_column in the task spec",
                                 path.string(), Quoted(text_column), Join(w.header, ", "),
                                 DidYouMean(text_column, w.header)));
  }
  const auto weight_index = reader->ColumnIndex("sample_weight");
  RawRecord record;
  while (reader->Next(record)) {
    ++w.rows;
    if (!record.malformed.empty()) {
      throw InputError(fmt::format("{}:{}: {}; fix the row or remove it", path.string(), record.line, record.malformed));
    }
    const bool has_text = record.present[*text_index];
    const std::string& text = record.values[*text_index];
    const std::string problem = has_text ? ValidateText(text) : "empty text";
    if (problem == "empty text" || problem == "text is only white space") {
      w.empty_lines.push_back(record.line);
      continue;
    }
    if (!problem.empty()) {
      throw InputError(fmt::format("{}:{}: column {}: {}; fix the text or remove the row", path.string(), record.line,
                                   Quoted(text_column), problem));
    }
    double weight = 1;
    if (weight_index && record.present[*weight_index] && !Trim(record.values[*weight_index]).empty()) {
      const std::string cell(Trim(record.values[*weight_index]));
      char* end = nullptr;
      weight = std::strtod(cell.c_str(), &end);
      if (end != cell.c_str() + cell.size() || !(weight >= 1) || !std::isfinite(weight)) {
        throw InputError(fmt::format("{}:{}: column \"sample_weight\": \"{}\" is not a number >= 1 (the answered "
                                     "requests a logged row stands for); fix the cell or drop the column",
                                     path.string(), record.line, cell));
      }
    }
    w.weights.push_back(weight);
    w.texts.push_back(text);
    w.records.push_back(record);
  }
  return w;
}

std::string LineList(const std::vector<uint64_t>& lines) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < lines.size() && i < 5; ++i) shown.push_back(std::to_string(lines[i]));
  return Join(shown, ", ") + (lines.size() > 5 ? ", ..." : "");
}

// Our columns, renamed when the traffic already has columns of these names.
std::string OutputColumn(const std::vector<std::string>& header, const std::string& name) {
  return std::find(header.begin(), header.end(), name) == header.end() ? name : "select_" + name;
}

}  // namespace

SelectResult SelectForLabeling(const SelectOptions& options, const Messages& messages) {
  return AtBoundary([&] {
    CheckOptions(options);
    // A window of the traffic log is read as `trainops traffic export` writes it, from a
    // temporary file removed afterwards.
    SelectOptions o = options;
    std::filesystem::path exported;
    struct Remove {
      std::filesystem::path* path;
      ~Remove() {
        std::error_code ec;
        if (!path->empty()) std::filesystem::remove(*path, ec);
      }
    } remove_exported{&exported};
    if (o.traffic.empty()) {
      const TaskSpec spec = LoadTaskSpec(o.task);
      serve::ExportOptions e;
      e.log = o.traffic_log.empty() ? DefaultTrafficLog(ResolveRegistryPath(o.registry, &spec), spec.spec_path)
                                    : std::filesystem::path(o.traffic_log);
      exported = std::filesystem::temp_directory_path() /
                 fmt::format("trainops-select-{}-{}.csv", ::getpid(), Hash64(e.log.string() + o.since + o.until));
      e.output = exported;
      e.since = o.since;
      e.until = o.until;
      if (serve::ExportTraffic(e) == 0) {
        throw InputError(fmt::format("{}: no requests between {} and {}; check --since/--until", e.log.string(),
                                     o.since.empty() ? "the start" : o.since, o.until.empty() ? "now" : o.until));
      }
      o.traffic = exported.string();
      o.format = "csv";
      o.text_column = "text";
    }
    const TaskSpec spec = LoadTaskSpec(o.task);
    const drift::ResolvedModel resolved =
        drift::ResolveMonitoredModel(o.model, spec, ResolveRegistryPath(o.registry, &spec));
    const Model& model = resolved.model;
    const std::filesystem::path& model_path = resolved.path;
    const std::string text_column = o.text_column.empty() ? spec.data.text_column : o.text_column;
    Window w = ReadWindow(o, text_column);
    if (w.texts.empty()) {
      throw InputError(fmt::format("{}: no rows with text to select from ({}); pass the window's traffic", o.traffic,
                                   w.rows == 0 ? "only a header" : "every row's text is empty"));
    }

    SelectResult r;
    r.header = w.header;
    r.model_path = model_path.string();
    r.model_id = resolved.id;
    r.window_rows = w.rows;
    r.empty_rows = w.empty_lines.size();
    if (!w.empty_lines.empty()) {
      r.notes.push_back(fmt::format("skipped {} row(s) without text (line {})", w.empty_lines.size(),
                                    LineList(w.empty_lines)));
    }
    if (!model.reference_stats) {
      r.notes.push_back(fmt::format("model {} has no reference statistics (an older model file): drift is judged by "
                                    "feature coverage alone, without the share of unseen words",
                                    model_path.string()));
    }

    SelectionSettings settings;
    settings.budget = static_cast<size_t>(o.budget);
    settings.random_share = o.random_share.value_or(kDefaultRandomShare);
    settings.seed = o.seed.value_or(spec.seed);
    if (std::any_of(w.weights.begin(), w.weights.end(), [](double x) { return x != 1; })) {
      settings.weights = w.weights;
      double answered = 0;
      for (double x : w.weights) answered += x;
      r.notes.push_back(fmt::format("the window was sampled: the traffic log kept {} of about {:.0f} answered requests "
                                    "while it was behind; the random picks are drawn in proportion to the requests "
                                    "each row stands for (sample_weight)",
                                    w.weights.size(), answered));
    }
    const Selection selection = SelectTexts(model, w.texts, settings);
    r.duplicate_rows = selection.duplicate_texts;
    r.random_picks = selection.random_picks;
    if (static_cast<uint64_t>(o.budget) > selection.distinct_texts) {
      r.notes.push_back(fmt::format("the budget ({}) is larger than the window's {} distinct text(s): all of them are "
                                    "selected",
                                    o.budget, selection.distinct_texts));
    }
    for (const SelectedText& pick : selection.picks) {
      RawRecord& record = w.records[pick.index];
      for (size_t c = 0; c < record.values.size(); ++c) {
        if (!record.present[c]) record.values[c].clear();
      }
      record.values.resize(r.header.size());
      r.rows.push_back(std::move(record.values));
      r.scores.push_back(pick.score);
      r.reasons.push_back(pick.reason_text);
      r.lines.push_back(record.line);
    }
    if (messages.debug) {
      messages.debug(fmt::format("{} rows, {} duplicate(s) folded, {} random pick(s), seed {}", r.window_rows,
                                 r.duplicate_rows, r.random_picks, settings.seed));
    }
    if (!o.output.empty() && o.output != "-") WriteFileAtomically(o.output, SelectionCsv(r));
    return r;
  });
}

std::string SelectionCsv(const SelectResult& r) {
  std::vector<std::string> header = r.header;
  header.push_back(OutputColumn(r.header, "score"));
  header.push_back(OutputColumn(r.header, "reason"));
  std::string out = CsvLine(header);
  for (size_t i = 0; i < r.rows.size(); ++i) {
    std::vector<std::string> fields = r.rows[i];
    fields.push_back(fmt::format("{:.4f}", r.scores[i]));
    fields.push_back(r.reasons[i]);
    out += CsvLine(fields);
  }
  return out;
}

}  // namespace trainops
