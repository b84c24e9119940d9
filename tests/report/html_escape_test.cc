#include "report/html_escape.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/html_report.h"
#include "report/markdown_report.h"

namespace trainops {
namespace {

TEST(HtmlEscapeTest, EscapesEveryHtmlSpecialCharacter) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("plain text é"), "plain text é");
}

TEST(HtmlEscapeTest, JsonForScriptCannotCloseTheScriptBlock) {
  nlohmann::json j = {{"text", "</script><script>alert(1)</script><!-- & -->"}};
  std::string safe = JsonForScript(j.dump());
  EXPECT_EQ(safe.find('<'), std::string::npos);
  EXPECT_EQ(safe.find('>'), std::string::npos);
  EXPECT_EQ(safe.find('&'), std::string::npos);
  // Still the same JSON.
  EXPECT_EQ(nlohmann::json::parse(safe), j);
}

TEST(HtmlEscapeTest, MarkdownCellKeepsTheTableIntact) {
  EXPECT_EQ(MarkdownCell("a|b\nc `x` <b>"), "a\\|b c &#96;x&#96; &lt;b&gt;");
}

nlohmann::json MinimalReport() {
  return nlohmann::json::parse(R"({
    "model": "m<script>.bin", "data": "d\"x.csv", "accuracy": 0.5, "macro_f1": 0.5, "weighted_f1": 0.5, "n": 2,
    "accuracy_ci": [0.1, 0.9], "macro_f1_ci": [0.1, 0.9], "skipped_rows": 0,
    "per_label": {"a": {"precision": 1, "recall": 0.5, "f1": 0.67, "support": 2}},
    "confusion": {"labels": ["a", "b"], "matrix": [[1, 1], [0, 0]]},
    "segments": {"columns": []},
    "calibration": {"temperature": 1, "ece_before": 0.1, "ece_after": 0.1,
                    "before": {"ece": 0.1, "bins": []}, "after": {"ece": 0.1, "bins": []}},
    "oos": {"enabled": false},
    "failures": {"total_errors": 1, "categories": [{"rank": 1, "id": "x", "kind": "confusion",
      "title": "\"a\" predicted as \"b\" | <b>", "count": 1, "share": 1, "impact": 1, "labels": [], "segments": [],
      "examples": [{"text": "<img src=x onerror=alert(1)>", "gold": "a", "predicted": "b", "confidence": 0.9,
                    "margin": 0.5, "rejected": false}]}]}
  })");
}

TEST(HtmlReportTest, DataTextNeverAppearsAsMarkup) {
  std::string html = RenderHtmlReport(MinimalReport());
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("m<script>"), std::string::npos);
  EXPECT_NE(html.find("m&lt;script&gt;.bin"), std::string::npos);
  EXPECT_NE(html.find("d&quot;x.csv"), std::string::npos);
  // Only the two script blocks of the page itself.
  size_t scripts = 0;
  for (size_t pos = html.find("<script"); pos != std::string::npos; pos = html.find("<script", pos + 1)) ++scripts;
  EXPECT_EQ(scripts, 2u);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
}

TEST(MarkdownReportTest, EscapesCellsAndListsExamples) {
  std::string md = RenderMarkdownReport(MinimalReport());
  EXPECT_NE(md.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_NE(md.find("\\| &lt;b&gt;"), std::string::npos);
}

}  // namespace
}  // namespace trainops
