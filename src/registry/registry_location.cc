#include "registry/registry_location.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "common/error.h"
#include "common/strings.h"

namespace trainops {
namespace {

struct OptionsDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Options = std::unique_ptr<PQconninfoOption, OptionsDeleter>;

// libpq's parse of the location; nullptr with `error` set when it cannot parse it.
Options Parse(std::string_view location, std::string* error) {
  char* message = nullptr;
  Options options(PQconninfoParse(std::string(location).c_str(), &message));
  if (!options) {
    *error = message ? Trim(message) : "out of memory";
    PQfreemem(message);
  }
  return options;
}

std::string Value(const PQconninfoOption* options, std::string_view keyword) {
  for (const PQconninfoOption* o = options; o && o->keyword; ++o) {
    if (keyword == o->keyword) return o->val ? o->val : "";
  }
  return "";
}

}  // namespace

std::string RedactedLocation(std::string_view location) {
  if (!IsPostgresLocation(location)) return std::string(location);
  std::string error;
  const Options options = Parse(location, &error);
  if (!options) return "postgresql://(unparsable location)";
  const std::string user = Value(options.get(), "user"), host = Value(options.get(), "host"),
                    hostaddr = Value(options.get(), "hostaddr"), port = Value(options.get(), "port"),
                    dbname = Value(options.get(), "dbname"), service = Value(options.get(), "service");
  std::string shown = "postgresql://";
  if (!user.empty()) shown += user + "@";
  shown += host.empty() ? hostaddr : host;
  if (!port.empty()) shown += ":" + port;
  shown += "/" + dbname;
  if (!service.empty()) shown += "?service=" + service;
  return shown;
}

void CheckPostgresLocation(std::string_view location, std::string_view source) {
  if (!IsPostgresLocation(location)) return;
  // First, and without showing the location: a password must not reach any message.
  const auto refuse_password = [&] {
    throw InputError(fmt::format(
        "{}: the registry location carries a password; passwords come the libpq way: put it in ~/.pgpass (or the "
        "file PGPASSFILE names) or PGPASSWORD, and remove it from the location",
        source));
  };
  if (LocationHasPassword(location)) refuse_password();
  std::string error;
  const Options options = Parse(location, &error);
  if (!options) {
    throw InputError(fmt::format("{}: not a PostgreSQL URL or conninfo string libpq can read ({}); write it as "
                                 "postgresql://user@host:5432/dbname",
                                 source, error));
  }
  if (!Value(options.get(), "password").empty()) refuse_password();
}

std::filesystem::path ModelCacheDir() {
  if (const char* dir = std::getenv("TRAINOPS_MODEL_CACHE"); dir && *dir) return dir;
  if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) {
    return std::filesystem::path(dir) / "trainops" / "models";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "trainops" / "models";
  }
  return std::filesystem::temp_directory_path() / fmt::format("trainops-{}", ::getuid()) / "models";
}

}  // namespace trainops
