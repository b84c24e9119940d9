// `check-data --write-clean DIR`: cleaned copies of the checked files, in their own format
// with their header, every kept record byte-for-byte as it was in the original, minus
// broken rows, exact duplicates (the first copy stays), train rows that leak into
// validation or test, and - only when asked - every row of a conflicting-label group.
// DIR/removed.csv lists each removed row (file, line, reason). Originals are never
// touched; DIR must not be a folder holding one of them. Files are written atomically.
// Not thread-safe.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "check/findings.h"
#include "task/task_spec.h"

namespace trainops {

// Returns {"files": [{split, source, written, rows_kept, rows_removed}], "removed": path}.
// Throws InputError when DIR is an originals' folder or cannot be written.
nlohmann::json WriteCleanCopies(const TaskSpec& spec, const CheckReport& report,
                                const std::filesystem::path& dir, bool drop_conflicts);

}  // namespace trainops
