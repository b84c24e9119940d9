// The dashboard's pages (`trainops ui`, docs/ui.md): each a function from what the
// registry and the traffic log hold now to one server-rendered HTML page. No page runs a
// script or fetches anything: charts are inline SVG drawn here, filters are plain GET
// forms, actions plain POST forms. Every string from the registry, the spec or the log
// goes through HtmlEscape. Internal to src/ui/; reentrant (each call reads through the
// Registry it is given, which the caller does not share with another thread meanwhile).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/registry.h"
#include "task/task_spec.h"

namespace trainops::ui {

// What every page needs to know besides the request.
struct PageContext {
  Registry& registry;
  const TaskSpec& spec;
  std::filesystem::path traffic_log;
  std::string registry_shown;  // the registry's location for people (password-free)
  bool actions = false;        // --allow-actions: the pages show the forms
  std::string csrf;            // the value every form must send back (ui_server.cc)
  std::string nonce;           // this response's style nonce (Content-Security-Policy)
  // A finished action's one-line result or error, shown on top of the page it returns to.
  std::string notice, error;
  // The task's cycles, oldest first: read once and then only the new ones (cycles never
  // change once recorded), since a year of weekly reports is megabytes of JSON to parse.
  std::function<std::shared_ptr<const std::vector<CycleRecord>>()> cycles;
  // Compares two models on the task's test data; cached by the server (so reloads are free).
  std::function<nlohmann::json(const ModelRecord& a, const ModelRecord& b)> compare;
};

using Query = std::map<std::string, std::string>;

// A page that does not exist, or a request the page cannot answer (unknown model id, bad
// filter value): the server turns it into the status with the message as an HTML page.
struct PageError {
  int status;
  std::string message;
};

// `?cycles=all` charts every cycle; by default the latest 52 (a year of weekly windows).
std::string OverviewPage(PageContext& c, const Query& q = {});
std::string ModelsPage(PageContext& c, const Query& q);
std::string ModelPage(PageContext& c, const std::string& id);
std::string ComparePage(PageContext& c, const Query& q);
std::string CyclesPage(PageContext& c);
std::string CyclePage(PageContext& c, int64_t id);
// The window's monitor page (report/monitor_report.h), as `trainops monitor --report` writes it.
std::string CycleMonitorPage(PageContext& c, int64_t id);
std::string TrafficPage(PageContext& c, const Query& q);
// An error as a page of its own (status shown by the caller).
std::string ErrorPage(const PageContext* c, const std::string& nonce, int status, const std::string& message);

}  // namespace trainops::ui
