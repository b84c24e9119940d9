// The staleness check (needs data.time_column): the age distribution of each split
// relative to the reference time ("now", --now), the share of rows older than
// checks.max_age, labels whose newest training example is older than that, and rows whose
// time is missing, unparseable or in the future. Not thread-safe.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "check/checks_internal.h"
#include "check/timestamp.h"

namespace trainops::check_internal {
namespace {

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(sorted.size() - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

std::string Days(double days) {
  return days < 2 ? fmt::format("{:.1f} days", days) : fmt::format("{:.0f} days", days);
}

}  // namespace

void CheckStaleness(const CheckInput& in, CheckReport& report) {
  const std::string& column = in.spec.data.time_column;
  if (column.empty()) {
    report.summary["checks_skipped"]["staleness"] = "no time column (data.time_column / --time-column)";
    return;
  }
  const int64_t max_age = in.spec.checks.max_age_seconds;
  nlohmann::json stats = nlohmann::json::object();
  std::map<std::string, int64_t> newest_per_label;  // train only
  std::map<std::string, uint32_t> newest_row;
  for (size_t s = 0; s < in.splits.size(); ++s) {
    const Split& split = in.splits[s];
    std::vector<double> ages;
    std::vector<RowRef> missing, unparseable, future, stale;
    for (uint32_t i = 0; i < split.examples.size(); ++i) {
      const Example& e = split.examples[i];
      if (e.time.empty()) {
        missing.push_back(split.Ref(i));
        continue;
      }
      const auto t = ParseIsoTimestamp(e.time);
      if (!t) {
        unparseable.push_back(split.Ref(i));
        continue;
      }
      if (*t > in.now) {
        future.push_back(split.Ref(i));
        continue;
      }
      const int64_t age = in.now - *t;
      ages.push_back(static_cast<double>(age) / 86400.0);
      if (max_age > 0 && age > max_age) stale.push_back(split.Ref(i));
      if (s == 0) {
        auto [it, inserted] = newest_per_label.emplace(e.label, *t);
        if (inserted || *t > it->second) {
          it->second = *t;
          newest_row[e.label] = i;
        }
      }
    }
    auto add = [&](std::vector<RowRef> rows, Severity severity, const std::string& kind, const std::string& message) {
      if (rows.empty()) return;
      Finding f;
      f.check = "staleness";
      f.severity = severity;
      f.message = message;
      f.details = {{"kind", kind}, {"split", split.name}, {"count", rows.size()}};
      f.rows = std::move(rows);
      report.findings.push_back(std::move(f));
    };
    add(missing, Severity::kWarning, "missing_time",
        fmt::format("{}: {} row{} without a {} value: their age is unknown", split.file, missing.size(),
                    missing.size() == 1 ? "" : "s", column));
    add(unparseable, Severity::kWarning, "unparseable_time",
        fmt::format("{}: {} row{} whose {} is not an ISO 8601 time (e.g. 2025-05-01T13:22:23Z), such as "
                    "line {}",
                    split.file, unparseable.size(), unparseable.size() == 1 ? "" : "s", column,
                    unparseable.empty() ? 0 : unparseable[0].line));
    add(future, Severity::kWarning, "future_time",
        fmt::format("{}: {} row{} dated in the future (after the reference time), which points at a clock or "
                    "time-zone problem",
                    split.file, future.size(), future.size() == 1 ? "" : "s"));
    std::sort(ages.begin(), ages.end());
    nlohmann::json st = {{"rows_with_time", ages.size()},
                         {"missing", missing.size()},
                         {"unparseable", unparseable.size()},
                         {"future", future.size()}};
    if (!ages.empty()) {
      st["age_days"] = {{"min", ages.front()},       {"p10", Quantile(ages, 0.1)}, {"median", Quantile(ages, 0.5)},
                        {"p90", Quantile(ages, 0.9)}, {"max", ages.back()}};
      Finding f;
      f.check = "staleness";
      f.severity = Severity::kInfo;
      f.message = fmt::format("{}: ages from {} to {} (median {}, 90% younger than {})", split.file,
                              Days(ages.front()), Days(ages.back()), Days(Quantile(ages, 0.5)),
                              Days(Quantile(ages, 0.9)));
      f.details = {{"kind", "age_distribution"}, {"split", split.name}, {"age_days", st["age_days"]}};
      report.findings.push_back(std::move(f));
    }
    if (max_age > 0) {
      const double share = ages.empty() ? 0 : static_cast<double>(stale.size()) / static_cast<double>(ages.size());
      st["older_than_max_age"] = stale.size();
      st["share_older_than_max_age"] = share;
      add(stale, Severity::kWarning, "older_than_max_age",
          fmt::format("{}: {} of {} rows ({:.1f}%) are older than max_age {}: they may describe how customers "
                      "wrote before products, policies or wording changed",
                      split.file, stale.size(), ages.size(), 100 * share, in.spec.checks.max_age));
    }
    stats[split.name] = st;
  }
  if (max_age > 0) {
    for (const auto& [label, newest] : newest_per_label) {
      if (in.now - newest <= max_age) continue;
      Finding f;
      f.check = "staleness";
      f.severity = Severity::kWarning;
      f.message = fmt::format("label \"{}\": its newest training example is {} old (max_age {}); nothing "
                              "recent shows how customers ask for it now",
                              label, Days(static_cast<double>(in.now - newest) / 86400.0), in.spec.checks.max_age);
      f.rows = {in.splits[0].Ref(newest_row[label])};
      f.details = {{"kind", "stale_label"}, {"label", label},
                   {"newest_age_days", static_cast<double>(in.now - newest) / 86400.0}};
      report.findings.push_back(std::move(f));
    }
  }
  report.summary["staleness"] = stats;
}

}  // namespace trainops::check_internal
