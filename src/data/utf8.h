// UTF-8 checks used by row validation: strict well-formedness (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) and "is this only whitespace".
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace trainops {

// The byte offset of the first byte that starts an ill-formed sequence, or nullopt when
// `text` is well-formed UTF-8.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// True when `text` (well-formed UTF-8) holds nothing but white space or invisible
// characters: ASCII white space, Unicode White_Space (NBSP, the U+2000 spaces,
// ideographic space...) and zero-width characters (U+200B..U+200D, U+2060, U+FEFF).
// Such a text has nothing for a model to learn from, so it counts as empty.
bool IsBlankText(std::string_view text);

}  // namespace trainops
