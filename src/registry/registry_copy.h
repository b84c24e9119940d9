// Moving a registry to another backend (`trainops registry migrate --from PATH --to URL`):
// every record of a registry (SQLite, or PostgreSQL) copied into an empty one on either
// backend, ids kept, the models' bytes with them, then the counts of both compared. The
// traffic log is not part of it: it stays in traffic.db next to the SQLite registry.
//
// Thread-safety: none beyond Registry's; the source is only read.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "registry/registry.h"

namespace trainops {

struct RegistryCopyResult {
  std::map<std::string, int64_t> rows;  // table -> rows copied (equal in both, or it threw)
  int64_t model_bytes = 0;              // bytes of model files copied
};

// Copies everything `from` holds into `to`, in one transaction of `to`. Refuses (InputError,
// nothing written) a target that already holds any record, a model file in the source store
// that is missing or does not match its id, and counts that differ after the copy.
RegistryCopyResult CopyRegistry(const Registry& from, Registry& to);

}  // namespace trainops
