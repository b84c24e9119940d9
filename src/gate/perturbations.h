// Seeded text perturbations for invariance tests (docs/behaviour_tests.md). Each kind
// makes up to `count` distinct variants, none equal to the original (fewer when the text
// does not allow more). Deterministic: the same (seed, text, kind, products) always gives
// the same variants, on every platform (splitmix64, no std:: distributions).
// UTF-8 safe: only ASCII bytes are changed, inserted or removed (plus whole sequences of
// listed product names and the apostrophe U+2019), so a well-formed text stays well-formed.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gate/behaviour_suite.h"

namespace trainops {

// typo:        swap two adjacent letters, drop a letter or double one, inside a word of at
//              least 4 ASCII letters (never the first letter; digits are never touched).
// case:        all upper, all lower, or the first letter of each word upper (ASCII only).
// punctuation: add or remove trailing ?/!/., remove commas, remove apostrophes, add a comma.
// polite:      prepend and/or append padding ("Hi, ", "Hello there! ", " thanks", ...).
// number:      replace each run of digits by another of the same length (first digit non-zero
//              when the original's was).
// product:     replace a listed product name (ASCII case-insensitive, whole words) by another
//              product from the list.
std::vector<std::string> Perturb(std::string_view text, PerturbationKind kind, int count,
                                 uint64_t seed, const std::vector<std::string>& products = {});

// Whether `kind` can change `text` at all (number: the text has digits; product: it names
// a listed product and the list has another; typo: it has a word of 4+ ASCII letters).
bool PerturbationApplies(std::string_view text, PerturbationKind kind,
                         const std::vector<std::string>& products = {});

// The seed of one case's variants of one kind: mixes the run seed, the case's text and the
// kind, so adding, removing or reordering other cases never changes a case's variants.
uint64_t PerturbationSeed(uint64_t seed, std::string_view case_text, PerturbationKind kind);

}  // namespace trainops
