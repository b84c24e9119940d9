// Telling a database location that names a PostgreSQL server (a postgresql:// URL or a libpq
// conninfo string) from a file path, without libpq, so that every stage (the task spec's
// `registry:` key, the CLI's flags) treats the two alike. The registry stage parses a server
// location with libpq itself (registry/registry_location.h).
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace trainops {

// True for a postgresql:// or postgres:// URL or a libpq "keyword=value" conninfo string.
bool IsPostgresLocation(std::string_view location);

// True when a PostgreSQL location carries a password (URL user:password@, ?password=, or a
// conninfo password=): passwords come from ~/.pgpass or PGPASSWORD, never from a location.
bool LocationHasPassword(std::string_view location);

}  // namespace trainops
