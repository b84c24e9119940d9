// The parts every dashboard page shares: the frame (header, navigation, stylesheet), and
// small formatting helpers that escape what they are given. Internal to src/ui/; pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ui/pages.h"

namespace trainops::ui {

// A whole page: <head> (no external asset; the server adds the Content-Security-Policy),
// the header naming the task and the registry, the navigation with `active` marked, the
// notice or error of an action, then `body` (already HTML). `nonce` is the response's
// style nonce: the Content-Security-Policy admits no other stylesheet.
std::string Frame(const PageContext* c, const std::string& nonce, const std::string& title, const std::string& active, const std::string& body);

std::string Esc(std::string_view text);
// Percent-encoding of a query value (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view text);
// <a href="href">text</a>, both escaped.
std::string Link(const std::string& href, std::string_view text);
// The first 12 hex digits of a model id, linked to its page with the full id as title.
std::string ModelLink(const std::string& id);
// "2026-12-06 15:55 UTC" from an ISO-8601 time; other text unchanged.
std::string When(const std::string& iso);
// A verdict chip: <span class="flag ok|bad">text</span>.
std::string Chip(bool ok, std::string_view text);
// A table from a header row and rows of cells that are already HTML; `numeric` marks
// right-aligned columns by index.
std::string Table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  const std::vector<size_t>& numeric = {}, const std::string& id = "");
// A form that changes the registry: POST to `action` with the CSRF value, the token field
// and `fields` (already HTML), under a <fieldset> with `legend`.
std::string ActionForm(const PageContext& c, const std::string& action, const std::string& legend,
                       const std::string& fields, const std::string& button);

}  // namespace trainops::ui
