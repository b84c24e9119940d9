// The traffic log as a person looks through it: the newest requests matching a filter
// (label, rejected, confidence below X, with or without feedback, period), and how much of
// each predicted label agents have labelled.
#include <algorithm>
#include <cmath>
#include <future>
#include <set>

#include <fmt/format.h>

#include "check/timestamp.h"
#include "common/error.h"
#include "report/monitor_values.h"
#include "serve/traffic_browse.h"
#include "serve/traffic_log.h"
#include "ui/page_frame.h"
#include "ui/pages.h"

namespace trainops::ui {
namespace {

using monitor_page::FormatNumber;
using monitor_page::FormatPercent;

std::string Param(const Query& q, const char* key) {
  const auto it = q.find(key);
  return it == q.end() ? "" : it->second;
}

// "1d", "7d" (the default), "30d", "all": a period ending at the log's newest request, so
// a log replayed from the past still shows its last week.
constexpr std::pair<const char*, int> kPeriods[] = {{"1d", 1}, {"7d", 7}, {"30d", 30}, {"all", 0}};

std::string SinceFor(const std::string& period, const std::string& newest) {
  int days = -1;
  for (const auto& [name, d] : kPeriods) {
    if (period == name) days = d;
  }
  if (days < 0) throw PageError{400, "period must be 1d, 7d, 30d or all"};
  if (days == 0 || newest.empty()) return "";
  const std::optional<int64_t> end = ParseIsoTimestamp(newest);
  if (!end) return "";
  return serve::TrafficTime((*end - int64_t{days} * 86400) * 1000);
}

std::optional<bool> YesNo(const std::string& value, const char* name, const char* yes, const char* no) {
  if (value.empty() || value == "any") return std::nullopt;
  if (value == yes) return true;
  if (value == no) return false;
  throw PageError{400, fmt::format("{} must be any, {} or {}", name, yes, no)};
}

std::string Select(const char* name, const std::string& label, const std::vector<std::pair<std::string, std::string>>& options,
                   const std::string& selected) {
  std::string html = fmt::format("<label>{} <select name=\"{}\">", Esc(label), name);
  for (const auto& [value, text] : options) {
    html += fmt::format("<option value=\"{}\"{}>{}</option>", Esc(value), value == selected ? " selected" : "", Esc(text));
  }
  return html + "</select></label>";
}

}  // namespace

std::string TrafficPage(PageContext& c, const Query& q) {
  serve::TrafficBrowser log(c.traffic_log);
  if (!log.exists()) {
    return Frame(&c, c.nonce, "Traffic", "Traffic",
                 "<section><h2>No traffic logged yet</h2><p>" + Esc(c.traffic_log.string()) +
                     " does not exist yet: <code>trainops serve --task ...</code> writes it as it answers.</p></section>");
  }
  serve::TrafficFilter filter;
  const std::string period = Param(q, "period").empty() ? "7d" : Param(q, "period");
  const std::string newest = log.NewestTime();
  filter.since = SinceFor(period, newest);
  filter.label = Param(q, "label");
  filter.rejected = YesNo(Param(q, "rejected"), "rejected", "yes", "no");
  filter.with_feedback = YesNo(Param(q, "feedback"), "feedback", "with", "without");
  if (const std::string below = Param(q, "below"); !below.empty()) {
    char* end = nullptr;
    const double v = std::strtod(below.c_str(), &end);
    if (end == below.c_str() || *end != '\0' || !std::isfinite(v) || v < 0 || v > 1) {
      throw PageError{400, "below (confidence below) must be a number from 0 to 1"};
    }
    filter.confidence_below = v;
  }
  if (const std::string limit = Param(q, "limit"); !limit.empty()) {
    char* end = nullptr;
    const long v = std::strtol(limit.c_str(), &end, 10);
    if (end == limit.c_str() || *end != '\0' || v < 1 || v > 1000) throw PageError{400, "limit must be 1 to 1000"};
    filter.limit = static_cast<size_t>(v);
  }
  // The coverage counts read the whole period; the search may too (a filter few requests
  // match). On their own connections they run side by side, so the page waits for the
  // longer of the two rather than for both.
  auto counting = std::async(std::launch::async, [log_path = c.traffic_log, since = filter.since] {
    serve::TrafficBrowser own(log_path);
    return own.Coverage(since);
  });
  const auto requests = log.Browse(filter);
  const auto coverage = counting.get();

  // The label choices: the task's labels and every label the period predicted.
  std::set<std::string> labels(c.spec.labels.begin(), c.spec.labels.end());
  for (const auto& l : coverage) labels.insert(l.label);
  if (!filter.label.empty()) labels.insert(filter.label);
  std::vector<std::pair<std::string, std::string>> label_options{{"", "any"}};
  for (const auto& l : labels) label_options.emplace_back(l, l);
  std::vector<std::pair<std::string, std::string>> period_options;
  for (const auto& [name, days] : kPeriods) {
    period_options.emplace_back(name, days ? fmt::format("last {} day{}", days, days == 1 ? "" : "s") : "everything");
  }
  std::string body = fmt::format(
      "<section id=\"filters\"><h2>Requests</h2><form method=\"get\" action=\"/traffic\"><fieldset>"
      "<legend>Filter</legend>{}{}{}<label>Confidence below <input name=\"below\" type=\"number\" min=\"0\" max=\"1\" "
      "step=\"0.01\" value=\"{}\"></label>{}<label>Show <input name=\"limit\" type=\"number\" min=\"1\" max=\"1000\" "
      "value=\"{}\"></label><button type=\"submit\">Apply</button> {}</fieldset></form>",
      Select("label", "Predicted label", label_options, filter.label),
      Select("rejected", "Rejected", {{"any", "any"}, {"yes", "yes"}, {"no", "no"}}, Param(q, "rejected")),
      Select("feedback", "Feedback", {{"any", "any"}, {"with", "with"}, {"without", "without"}}, Param(q, "feedback")),
      Esc(Param(q, "below")), Select("period", "Period", period_options, period), filter.limit, Link("/traffic", "clear"));
  body += fmt::format("<p class=\"note\">The {} newest matching requests{}; newest request in the log: {}.</p>",
                      requests.size(), filter.since.empty() ? "" : " since " + When(filter.since),
                      newest.empty() ? "none" : When(newest));
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : requests) {
    std::string feedback = r.feedback_label.empty() ? ""
                           : r.feedback_label == r.label ? Chip(true, r.feedback_label)
                                                         : Chip(false, r.feedback_label);
    rows.push_back({When(r.time), "<span class=\"text\">" + Esc(r.text) + "</span>", Esc(r.label),
                    FormatPercent(r.confidence), r.rejected ? Chip(false, "rejected") : "", feedback,
                    ModelLink(r.model), Esc(r.replica), "<span class=\"id\">" + Esc(r.request_id) + "</span>"});
  }
  body += Table({"time", "text", "predicted", "confidence", "", "feedback", "model", "replica", "request id"}, rows,
                {3}, "traffic-table") +
          "</section>";

  std::vector<std::vector<std::string>> cov;
  int64_t total = 0, labelled = 0;
  for (const auto& l : coverage) {
    total += l.requests;
    labelled += l.with_feedback;
    const double share = l.requests ? static_cast<double>(l.with_feedback) / static_cast<double>(l.requests) : 0;
    cov.push_back({Link("/traffic?label=" + UrlEncode(l.label) + "&period=" + period, l.label),
                   FormatNumber(static_cast<double>(l.requests)), FormatNumber(static_cast<double>(l.with_feedback)),
                   FormatPercent(share),
                   l.with_feedback ? FormatPercent(static_cast<double>(l.feedback_agrees) /
                                                   static_cast<double>(l.with_feedback))
                                   : "–"});
  }
  body += fmt::format("<section id=\"coverage\"><h2>Feedback coverage per predicted label</h2><p>{} of {} requests in "
                      "the period have feedback ({}). Agreement: the share of labelled requests whose feedback is the "
                      "predicted label.</p>",
                      labelled, total,
                      total ? FormatPercent(static_cast<double>(labelled) / static_cast<double>(total)) : "–") +
          Table({"predicted label", "requests", "with feedback", "coverage", "agreement"}, cov, {1, 2, 3, 4},
                "coverage-table") +
          "</section>";
  return Frame(&c, c.nonce, "Traffic", "Traffic", body);
}

}  // namespace trainops::ui
