// Internal entry points of text normalization (the public one is NormalizeText in
// features.h). Thread-safe: scratch buffers are thread_local.
#pragma once

#include <string>
#include <string_view>

namespace trainops::text_internal {

// NormalizeText into a caller-owned buffer (cleared first), so the feature extractor can
// reuse one allocation across calls.
void NormalizeInto(std::string_view text, std::string& out);

// The same result computed without the ASCII fast path, i.e. every byte goes through
// utf8proc. For tests (the two must agree on every input) and the benchmark.
std::string NormalizeWithoutAsciiFastPath(std::string_view text);

}  // namespace trainops::text_internal
