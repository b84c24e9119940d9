// Escaping for text that comes from data (texts, labels, segment values, file names) on
// its way into HTML, XML (JUnit), a <script> block as JSON, or Markdown. Everything a report
// shows from the data goes through one of these. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace trainops {

// & < > " ' as entities: safe in element content and quoted attributes.
std::string HtmlEscape(std::string_view text);

// The same for XML 1.0 (JUnit): HtmlEscape, after dropping the control characters XML
// cannot carry at all (everything below 0x20 but tab, newline and carriage return).
std::string XmlEscape(std::string_view text);

// JSON text made safe inside <script type="application/json">: <, > and & become \u003c,
// \u003e and \u0026 (only possible inside JSON strings, where the escapes mean the same),
// so no "</script>" or "<!--" can end or confuse the block.
std::string JsonForScript(std::string_view json);

// One Markdown table cell: | and backslashes escaped, newlines as spaces, HTML-special
// characters as entities (many viewers render inline HTML), backticks neutralized.
std::string MarkdownCell(std::string_view text);

}  // namespace trainops
