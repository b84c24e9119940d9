#include "check/near_duplicates.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <unordered_map>

#include "common/hash.h"
#include "common/parallel.h"

namespace trainops {
namespace {

constexpr int kHashes = 128;
constexpr uint64_t kShingleSeed = 0x73686e676c65ull;  // "shngle"

struct Permutations {
  std::array<uint64_t, kHashes> a, b;
  Permutations() {
    std::mt19937_64 rng(0x6d696e68617368ull);  // "minhash": fixed, so results are stable
    for (int i = 0; i < kHashes; ++i) {
      a[i] = rng() | 1;
      b[i] = rng();
    }
  }
};

const Permutations& Perms() {
  static const Permutations perms;
  return perms;
}

void ShingleHashes(std::string_view text, int k, std::vector<uint64_t>& out) {
  out.clear();
  if (text.empty()) return;
  const size_t len = static_cast<size_t>(k);
  if (text.size() <= len) {
    out.push_back(Hash64(text, kShingleSeed));
    return;
  }
  for (size_t i = 0; i + len <= text.size(); ++i) out.push_back(Hash64(text.substr(i, len), kShingleSeed));
}

void SortedSet(std::string_view text, int k, std::vector<uint64_t>& out) {
  ShingleHashes(text, k, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() || b.empty()) return 0;
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else {
      ++common;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

}  // namespace

LshShape ChooseLshShape(double threshold) {
  // The most selective shape (most rows per band) that still makes a pair at the
  // threshold a candidate with probability >= 0.995.
  for (int rows = 16; rows >= 1; --rows) {
    const int bands = kHashes / rows;
    const double p = 1 - std::pow(1 - std::pow(threshold, rows), bands);
    if (p >= 0.995) return {bands, rows};
  }
  return {kHashes, 1};
}

double ShingleJaccard(std::string_view a, std::string_view b, int shingle_bytes) {
  std::vector<uint64_t> sa, sb;
  SortedSet(a, shingle_bytes, sa);
  SortedSet(b, shingle_bytes, sb);
  return Jaccard(sa, sb);
}

std::vector<NearDuplicatePair> FindNearDuplicates(const std::vector<std::string_view>& queries,
                                                  const std::vector<std::string_view>& references,
                                                  const NearDuplicateOptions& options) {
  // Unique texts: references first, then queries not already among them.
  std::unordered_map<std::string_view, uint32_t> ids;
  std::vector<std::string_view> unique;
  std::vector<uint32_t> ref_first;             // unique id -> first reference index or UINT32_MAX
  std::vector<std::vector<uint32_t>> queries_of;  // unique id -> query indices
  auto intern = [&](std::string_view t) {
    auto [it, inserted] = ids.emplace(t, static_cast<uint32_t>(unique.size()));
    if (inserted) {
      unique.push_back(t);
      ref_first.push_back(UINT32_MAX);
      queries_of.emplace_back();
    }
    return it->second;
  };
  for (uint32_t i = 0; i < references.size(); ++i) {
    if (references[i].empty()) continue;
    uint32_t id = intern(references[i]);
    if (ref_first[id] == UINT32_MAX) ref_first[id] = i;
  }
  bool any_query = false;
  for (uint32_t i = 0; i < queries.size(); ++i) {
    if (queries[i].empty()) continue;
    queries_of[intern(queries[i])].push_back(i);
    any_query = true;
  }
  std::vector<NearDuplicatePair> result;
  if (!any_query || references.empty()) return result;

  const size_t n = unique.size();
  const LshShape shape = ChooseLshShape(options.threshold);
  const Permutations& perms = Perms();
  std::vector<std::vector<uint32_t>> band_hashes(static_cast<size_t>(shape.bands), std::vector<uint32_t>(n));
  ParallelFor(n, options.threads, [&](size_t, size_t begin, size_t end) {
    std::vector<uint64_t> shingles;
    std::array<uint32_t, kHashes> sig;
    for (size_t u = begin; u < end; ++u) {
      ShingleHashes(unique[u], options.shingle_bytes, shingles);
      sig.fill(UINT32_MAX);
      for (uint64_t x : shingles) {
        for (int i = 0; i < kHashes; ++i) {
          const uint32_t h = static_cast<uint32_t>((perms.a[i] * x + perms.b[i]) >> 32);
          sig[i] = std::min(sig[i], h);
        }
      }
      for (int b = 0; b < shape.bands; ++b) {
        const std::string_view band(reinterpret_cast<const char*>(sig.data() + b * shape.rows),
                                    sizeof(uint32_t) * static_cast<size_t>(shape.rows));
        band_hashes[b][u] = static_cast<uint32_t>(Hash64(band, static_cast<uint64_t>(b)));
      }
    }
  });

  // Candidate (query unique id, reference unique id) pairs from shared buckets.
  std::vector<uint64_t> candidates;
  std::vector<uint64_t> packed(n);
  for (int b = 0; b < shape.bands; ++b) {
    for (size_t u = 0; u < n; ++u) packed[u] = (static_cast<uint64_t>(band_hashes[b][u]) << 32) | u;
    std::vector<uint32_t>().swap(band_hashes[b]);
    std::sort(packed.begin(), packed.end());
    for (size_t start = 0; start < n;) {
      size_t stop = start + 1;
      while (stop < n && (packed[stop] >> 32) == (packed[start] >> 32)) ++stop;
      if (stop - start > 1) {
        size_t refs = 0;
        for (size_t i = start; i < stop; ++i) refs += ref_first[packed[i] & 0xffffffffu] != UINT32_MAX;
        if (refs > 0) {
          for (size_t i = start; i < stop; ++i) {
            const uint32_t q = static_cast<uint32_t>(packed[i]);
            if (queries_of[q].empty()) continue;
            size_t taken = 0;
            for (size_t j = start; j < stop && taken < options.max_bucket_references; ++j) {
              const uint32_t r = static_cast<uint32_t>(packed[j]);
              if (r == q || ref_first[r] == UINT32_MAX) continue;
              candidates.push_back((static_cast<uint64_t>(q) << 32) | r);
              ++taken;
            }
          }
        }
      }
      start = stop;
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  // Verify with the exact Jaccard; chunks split at query boundaries are harmless (each
  // chunk recomputes its first query's set).
  std::vector<double> jaccard(candidates.size(), 0);
  ParallelFor(candidates.size(), options.threads, [&](size_t, size_t begin, size_t end) {
    std::vector<uint64_t> qset, rset;
    uint32_t current = UINT32_MAX;
    for (size_t i = begin; i < end; ++i) {
      const uint32_t q = static_cast<uint32_t>(candidates[i] >> 32);
      const uint32_t r = static_cast<uint32_t>(candidates[i]);
      if (q != current) {
        SortedSet(unique[q], options.shingle_bytes, qset);
        current = q;
      }
      SortedSet(unique[r], options.shingle_bytes, rset);
      jaccard[i] = Jaccard(qset, rset);
    }
  });
  // A text that is itself a reference matches with Jaccard 1 (identical texts).
  for (uint32_t u = 0; u < n; ++u) {
    if (ref_first[u] == UINT32_MAX) continue;
    for (uint32_t q : queries_of[u]) result.push_back({q, ref_first[u], 1.0});
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (jaccard[i] + 1e-12 < options.threshold) continue;
    const uint32_t q = static_cast<uint32_t>(candidates[i] >> 32);
    const uint32_t r = static_cast<uint32_t>(candidates[i]);
    for (uint32_t query : queries_of[q]) result.push_back({query, ref_first[r], jaccard[i]});
  }
  std::sort(result.begin(), result.end(), [](const NearDuplicatePair& x, const NearDuplicatePair& y) {
    if (x.query != y.query) return x.query < y.query;
    if (x.jaccard != y.jaccard) return x.jaccard > y.jaccard;
    return x.reference < y.reference;
  });
  return result;
}

}  // namespace trainops
