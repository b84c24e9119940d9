// The HTML and Markdown renderings of a multi-label eval report (eval/multi_label_eval.h,
// "task_kind": "multi_label"): headline set metrics with intervals, per-label precision,
// recall and F1, failure categories with examples, the most confused pairs and segments.
// Server-rendered (no script): the page is a single offline file. Pure functions;
// thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace trainops {

std::string RenderMultiLabelHtmlReport(const nlohmann::json& report);
std::string RenderMultiLabelMarkdownReport(const nlohmann::json& report);

}  // namespace trainops
