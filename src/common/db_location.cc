#include "common/db_location.h"

#include <set>
#include <string>

#include "common/strings.h"

namespace trainops {
namespace {

bool IsUrl(std::string_view text) { return text.starts_with("postgresql://") || text.starts_with("postgres://"); }

}  // namespace

bool IsPostgresLocation(std::string_view location) {
  const std::string_view text = Trim(location);
  if (IsUrl(text)) return true;
  // A conninfo string starts with one of libpq's keywords and '='; a file path almost never
  // does, and one that did would be refused by libpq's parse with a clear message.
  static const std::set<std::string, std::less<>> keywords = {
      "host", "hostaddr", "port", "dbname", "user", "service", "sslmode", "application_name",
      "connect_timeout", "options", "passfile", "target_session_attrs", "password", "sslrootcert"};
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) return false;
  return keywords.count(Trim(text.substr(0, eq))) > 0;
}

bool LocationHasPassword(std::string_view location) {
  const std::string_view text = Trim(location);
  if (!IsPostgresLocation(text)) return false;
  if (IsUrl(text)) {
    const std::string_view rest = text.substr(text.find("://") + 3);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) return true;
    const size_t query = rest.find('?');
    if (query == std::string_view::npos) return false;
    const std::string_view params = rest.substr(query + 1);
    return params.starts_with("password=") || params.find("&password=") != std::string_view::npos;
  }
  // conninfo: "password" as a keyword (not inside another word), then optional spaces and '='.
  for (size_t at = text.find("password"); at != std::string_view::npos; at = text.find("password", at + 1)) {
    if (at > 0 && text[at - 1] != ' ' && text[at - 1] != '\t') continue;
    size_t i = at + 8;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i < text.size() && text[i] == '=') return true;
  }
  return false;
}

}  // namespace trainops
