// The evaluation report as Markdown for pasting into a review: headline, out-of-scope,
// calibration, segments with intervals and failure categories with examples. Data text
// is escaped per cell (report/html_escape.h). Pure; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace trainops {

std::string RenderMarkdownReport(const nlohmann::json& report);

}  // namespace trainops
