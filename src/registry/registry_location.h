// Where a registry lives: a SQLite file path (the default, next to the task spec) or a
// PostgreSQL server, given as a postgresql:// (or postgres://) URL or a libpq conninfo
// string ("host=db.internal dbname=trainops user=trainops"). Passwords come the libpq way
// (PGPASSWORD, PGPASSFILE, ~/.pgpass): a location that carries one is refused, so a
// password can never end up in a spec, run.json, a log line or an error message; what is
// shown of a server is RedactedLocation().
//
// Thread-safety: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/db_location.h"

namespace trainops {

// The location as shown to people: a path as is; a server as postgresql://user@host:port/db
// (from libpq's own parse, so nothing it would read as a password survives).
std::string RedactedLocation(std::string_view location);

// Throws InputError (naming `source`, e.g. "task.yaml: registry" or "--registry") when a
// PostgreSQL location cannot be parsed or carries a password.
void CheckPostgresLocation(std::string_view location, std::string_view source);

// Where this host caches models of a PostgreSQL registry, by content hash:
// $TRAINOPS_MODEL_CACHE, else $XDG_CACHE_HOME/trainops/models, else ~/.cache/trainops/models.
std::filesystem::path ModelCacheDir();

}  // namespace trainops
