// The evaluation report as one self-contained HTML file: inline CSS, an inline script
// that draws inline SVG charts from the report JSON embedded in the page, no network at
// view time (a Content-Security-Policy forbids any). Data text is only ever inserted as
// text nodes (never innerHTML), and the embedded JSON is escaped for <script>.
// After drawing, the script sets <body data-rendered="ok">; any script error sets
// data-error, so a headless browser can check the page. Pure; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace trainops {

// `report` is the document BuildEvalReport returns (plus "model" and "data").
std::string RenderHtmlReport(const nlohmann::json& report);

}  // namespace trainops
