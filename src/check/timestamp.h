// ISO 8601 timestamps as found in time columns: "2025-05-01", "2025-05-01T13:22:23Z",
// "2025-05-01 13:22:23", fractional seconds, and "+02:00" / "+0200" / "-05" offsets.
// Times without an offset are taken as UTC. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trainops {

// Seconds since 1970-01-01T00:00:00Z, or nullopt when `text` is not such a timestamp
// (including impossible dates such as 2025-02-30).
std::optional<int64_t> ParseIsoTimestamp(std::string_view text);

}  // namespace trainops
