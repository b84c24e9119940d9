#include "report/monitor_values.h"

#include <cmath>
#include <cstdio>

namespace trainops::monitor_page {

const nlohmann::json& At(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::optional<double> AsNumber(const nlohmann::json& value) {
  if (!value.is_number()) return std::nullopt;
  double x = value.get<double>();
  if (!std::isfinite(x)) return std::nullopt;
  return x;
}

std::optional<double> NumberAt(const nlohmann::json& obj, std::string_view key) {
  return AsNumber(At(obj, key));
}

std::string AsText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return "";
}

std::string TextAt(const nlohmann::json& obj, std::string_view key) { return AsText(At(obj, key)); }

bool FlagAt(const nlohmann::json& obj, std::string_view key) {
  const auto& v = At(obj, key);
  return v.is_boolean() && v.get<bool>();
}

std::string FormatNumber(std::optional<double> x) {
  if (!x) return "–";
  char buf[64];
  if (*x == std::round(*x) && std::fabs(*x) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", *x);
  } else if (std::fabs(*x) >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1f", *x);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", *x);
  }
  std::string out = buf;
  return out == "-0" ? "0" : out;
}

std::string FormatPercent(std::optional<double> x) {
  if (!x) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * *x);
  return buf;
}

std::string FormatPValue(std::optional<double> x) {
  if (!x) return "–";
  char buf[64];
  if (*x != 0 && std::fabs(*x) < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.1e", *x);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g", *x);
  }
  return buf;
}

std::string ShortTime(const std::string& text) {
  // YYYY-MM-DD followed by 'T' or a space: keep the date.
  bool iso =
      text.size() > 10 && (text[10] == 'T' || text[10] == ' ') && text[4] == '-' && text[7] == '-';
  for (size_t i = 0; iso && i < 10; ++i) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) iso = false;
  }
  return iso ? text.substr(0, 10) : text;
}

std::string Shorten(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

}  // namespace trainops::monitor_page
