// Near-duplicate search between two sets of texts (queries, e.g. test rows, against
// references, e.g. train rows) without comparing all pairs: MinHash signatures over
// character shingles, locality-sensitive hashing with bands chosen for the Jaccard
// threshold, then each candidate pair verified by the exact Jaccard of its shingle sets.
// Identical texts are hashed once. Deterministic (fixed hash seeds); uses `threads`.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace trainops {

struct NearDuplicateOptions {
  double threshold = 0.9;  // minimum Jaccard similarity of the shingle sets
  int shingle_bytes = 5;   // shingle length; shorter texts form one shingle
  int threads = 1;
  // LSH buckets with more reference texts than this only pair with the first ones, so
  // pathological data (thousands of near-identical templates) cannot blow up the time.
  size_t max_bucket_references = 256;
};

struct NearDuplicatePair {
  uint32_t query = 0;      // index into queries
  uint32_t reference = 0;  // index into references (the first of identical texts)
  double jaccard = 0;
};

// Pairs with Jaccard >= threshold, sorted by query then descending Jaccard. Empty texts
// never match.
std::vector<NearDuplicatePair> FindNearDuplicates(const std::vector<std::string_view>& queries,
                                                  const std::vector<std::string_view>& references,
                                                  const NearDuplicateOptions& options);

// Exact Jaccard of the shingle sets of two texts (exposed for tests and the benchmark).
double ShingleJaccard(std::string_view a, std::string_view b, int shingle_bytes = 5);

// Bands x rows used for a threshold with 128 hashes (exposed for tests).
struct LshShape {
  int bands = 0;
  int rows = 0;
};
LshShape ChooseLshShape(double threshold);

}  // namespace trainops
