#include "check/check_data.h"

#include <algorithm>
#include <chrono>
#include <random>

#include <fmt/format.h>

#include "check/checks_internal.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/parallel.h"

namespace trainops {
namespace check_internal {

std::string Quote(std::string_view text, size_t max_chars) {
  std::string out = "\"";
  size_t chars = 0, i = 0;
  for (; i < text.size() && chars < max_chars; ++chars) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (size_t k = 0; k < n && i < text.size(); ++k, ++i) {
      const char ch = text[i];
      out += (ch == '\n' || ch == '\r' || ch == '\t') ? ' ' : ch;
    }
  }
  if (i < text.size()) out += "...";
  return out + "\"";
}

}  // namespace check_internal

namespace {

using check_internal::Split;

std::string DisplayPath(const std::filesystem::path& path) {
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  if (ec || !path.is_absolute()) return path.string();
  const auto rel = path.lexically_relative(cwd);
  if (rel.empty() || *rel.begin() == "..") return path.string();
  return rel.string();
}

Split LoadSplit(const TaskSpec& spec, const std::string& name, const std::filesystem::path& path) {
  Split split;
  split.name = name;
  split.path = path;
  split.file = DisplayPath(path);
  DataSource source = spec.data.Source(path, spec.labels);
  source.on_bad_row = BadRowPolicy::kSkip;  // every broken row becomes a finding
  // Beyond checks.max_rows the checks see a uniform sample (reservoir sampling, seeded by
  // the spec's seed and the split), so their memory and time stay bounded on any file.
  const auto cap = static_cast<uint64_t>(spec.checks.max_rows);
  std::mt19937_64 rng(spec.seed ^ std::hash<std::string>{}(name));
  StreamExamples(
      source,
      [&](Example&& e) {
        const uint64_t seen = split.rows_in_file++;
        for (const std::string& label : check_internal::LabelsOf(e, spec.data.multi_label)) split.label_counts[label] += 1;
        if (seen < cap) {
          split.examples.push_back(std::move(e));
        } else if (const uint64_t j = rng() % (seen + 1); j < cap) {
          split.examples[j] = std::move(e);
        }
      },
      [&](RowProblem&& p) {
        if (split.problems_in_file++ < cap) split.problems.push_back(std::move(p));
      });
  split.rows_read = split.rows_in_file + split.problems_in_file;
  if (split.sampled()) {
    // File order, as every check expects (and reports read best in).
    std::sort(split.examples.begin(), split.examples.end(),
              [](const Example& a, const Example& b) { return a.line < b.line; });
  } else {
    split.label_counts.clear();
  }
  if (split.rows_read == 0) {
    // check-data and train agree: a file with nothing to learn from or score is an error.
    throw InputError(fmt::format("{}: data.{} has no rows (only a header, or nothing but blank lines); add the "
                                 "data rows, or point data.{} at the right file",
                                 path.string(), name, name));
  }
  return split;
}

// Train, validation and test being one file (however its path is written) makes every
// held-out score a score on training data: an error, before any work.
void RefuseSharedFiles(const TaskSpec& spec) {
  const std::vector<std::pair<std::string, std::filesystem::path>> files = {
      {"data.train", spec.data.train}, {"data.validation", spec.data.validation}, {"data.test", spec.data.test}};
  for (size_t a = 0; a < files.size(); ++a) {
    for (size_t b = a + 1; b < files.size(); ++b) {
      if (files[a].second.empty() || files[b].second.empty() || !SameFile(files[a].second, files[b].second)) continue;
      throw InputError(fmt::format("{} ({}) is the same file as {} ({}): scores on it would be scores on data the "
                                   "model {}; give each split its own file{}",
                                   files[b].first, files[b].second.string(), files[a].first,
                                   files[a].second.string(), a == 0 ? "was trained on" : "was selected on",
                                   files[b].first == "data.validation"
                                       ? ", or leave data.validation out for a seeded split of train"
                                       : ""));
    }
  }
}

}  // namespace

CheckReport RunCheckData(const TaskSpec& spec, const CheckOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  check_internal::CheckInput in{spec, 0, 1, {}, {}};
  in.now = options.now != 0 ? options.now
                            : std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  in.threads = ResolveThreads(spec.threads);
  in.info = options.info;
  RefuseSharedFiles(spec);
  in.splits.push_back(LoadSplit(spec, "train", spec.data.train));
  if (!spec.data.validation.empty()) in.splits.push_back(LoadSplit(spec, "validation", spec.data.validation));
  if (!spec.data.test.empty()) in.splits.push_back(LoadSplit(spec, "test", spec.data.test));

  CheckReport report;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& s : in.splits) {
    files.push_back({{"split", s.name},
                     {"file", s.file},
                     {"path", s.path.string()},
                     {"rows_read", s.rows_read},
                     {"rows_loaded", s.examples.size()},
                     {"broken_rows", s.problems_in_file}});
    if (s.sampled()) {
      files.back()["sampled"] = {{"rows_checked", s.examples.size()},
                                 {"rows_in_file", s.rows_in_file},
                                 {"broken_rows_listed", s.problems.size()},
                                 {"max_rows", spec.checks.max_rows},
                                 {"how", "uniform sample (reservoir, seeded); label counts are exact"}};
      if (in.info) {
        in.info(fmt::format("{}: {} rows, more than checks.max_rows {}: checking a uniform sample of {} "
                            "(label counts are exact)",
                            s.file, s.rows_in_file, spec.checks.max_rows, s.examples.size()));
      }
    }
  }
  report.summary["files"] = files;
  report.summary["now"] = in.now;
  report.summary["checks_skipped"] = nlohmann::json::object();
  report.summary["settings"] = {{"max_age", spec.checks.max_age},
                                {"min_examples_per_label", spec.checks.min_examples_per_label},
                                {"max_imbalance_ratio", spec.checks.max_imbalance_ratio},
                                {"near_duplicate_threshold", spec.checks.near_duplicate_threshold},
                                {"label_error_folds", spec.checks.label_error_folds},
                                {"min_segment_examples", spec.checks.min_segment_examples},
                                {"max_rows", spec.checks.max_rows}};
  auto timed = [&](const char* name, auto&& fn) {
    const auto t0 = Clock::now();
    fn(in, report);
    report.summary["seconds"][name] = std::chrono::duration<double>(Clock::now() - t0).count();
  };
  timed("broken_rows", check_internal::CheckBrokenRows);
  timed("duplicates_and_leakage", check_internal::CheckDuplicatesAndLeakage);
  timed("label_health", check_internal::CheckLabelHealth);
  timed("label_sets", check_internal::CheckLabelSets);
  timed("staleness", check_internal::CheckStaleness);
  timed("label_errors_and_outliers", check_internal::CheckLabelErrorsAndOutliers);
  timed("thin_segments", check_internal::CheckThinSegments);
  report.summary["seconds"]["total"] = std::chrono::duration<double>(Clock::now() - start).count();
  report.Tally();
  return report;
}

nlohmann::json CheckSummaryForRun(const CheckReport& report) {
  nlohmann::json j = {{"errors", report.summary.value("errors", 0)},
                      {"warnings", report.summary.value("warnings", 0)},
                      {"infos", report.summary.value("infos", 0)},
                      {"by_check", report.summary.value("by_check", nlohmann::json::object())},
                      {"checks_skipped", report.summary.value("checks_skipped", nlohmann::json::object())}};
  // The first few warnings and errors, so run.json says what was wrong without the full report.
  nlohmann::json notable = nlohmann::json::array();
  for (const auto& f : report.findings) {
    if (f.severity == Severity::kInfo) continue;
    if (notable.size() >= 50) break;
    notable.push_back({{"check", f.check}, {"severity", SeverityName(f.severity)}, {"message", f.message}});
  }
  j["findings"] = notable;
  return j;
}

}  // namespace trainops
