// Reading the monitor JSON tolerantly and formatting its numbers for the monitor page
// (report/monitor_report.h). The JSON is a contract with the drift monitor, but any key
// may be absent or null and older runs in the history may predate a key, so every read
// has a "missing" answer instead of throwing. Non-finite numbers count as missing: the
// page must never print or draw a NaN. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace trainops::monitor_page {

// obj[key] when obj is an object holding it, else a null value.
const nlohmann::json& At(const nlohmann::json& obj, std::string_view key);

// A finite number, or nullopt (absent, null, not a number, NaN, infinite).
std::optional<double> NumberAt(const nlohmann::json& obj, std::string_view key);
std::optional<double> AsNumber(const nlohmann::json& value);

// A string as is; a number or boolean as its JSON text; anything else "".
std::string TextAt(const nlohmann::json& obj, std::string_view key);
std::string AsText(const nlohmann::json& value);

// true only for a JSON true.
bool FlagAt(const nlohmann::json& obj, std::string_view key);

// "–" when missing. Integers print whole; others with three significant digits
// (0.123, -0.05, 1.23e-05), enough to compare a signal with its threshold.
std::string FormatNumber(std::optional<double> x);
// A share as a percentage with one decimal: 0.912 -> "91.2%".
std::string FormatPercent(std::optional<double> x);
// Two significant digits, scientific below 0.001: p-values span many orders of magnitude.
std::string FormatPValue(std::optional<double> x);

// The date of an ISO-8601 time ("2026-02-08T23:50:00Z" -> "2026-02-08"); other text is
// returned unchanged. Chart axes have room for a date, not a full timestamp.
std::string ShortTime(const std::string& text);

// At most `max_bytes` bytes, cut at a UTF-8 character boundary and ended with "…" when
// cut: labels in charts have a fixed width, and a cut mid-character would be invalid text.
std::string Shorten(const std::string& text, size_t max_bytes);

}  // namespace trainops::monitor_page
