// The row cache of a streamed training run (as Vowpal Wabbit's cache file and LightGBM's
// binary dataset): every training row of this rank, featurized once, in a compact binary
// file that each epoch reads back block by block instead of parsing and tokenizing the
// text file again. A row is its label, its training weight and its distinct hashed
// feature ids with their counts, before any vocabulary: the vocabulary is only known once every row has been
// counted, and the ids, counts and the vocabulary's IDF give back exactly the TF-IDF row
// (EncodeFeatures) the in-memory path computes from the text.
//
// File: "TOPSROWS" magic, u32 version; then blocks of up to kBlockRows rows, each
// u32 rows, u32 payload bytes, payload. A row in the payload: varint label * 2 + weighted
// (the writer's label number; weighted is 1 when the row's weight is not 1), the weight as
// 4 bytes of float when weighted, varint n, then n pairs (varint id gap from the previous
// id, varint count), ids ascending. Unweighted rows, the common case, cost one bit. The block index (offset and rows of each block) is kept in memory
// by the writer and handed to the reader; it is a few bytes per thousand rows.
//
// The cache is a working file of one run: written with AtomicFile (complete or absent),
// read by the same process, removed at the end. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/atomic_file.h"

namespace trainops {

struct RowCacheIndex {
  std::filesystem::path path;
  std::vector<uint64_t> block_offsets;  // byte offset of each block's header
  std::vector<uint32_t> block_rows;     // rows in each block
  uint64_t rows = 0;
  uint64_t bytes = 0;  // file size
};

// One decoded row: its weight (1 when unweighted) and `n` distinct ids ascending, with
// their counts (valid during the call).
using CachedRowFn =
    std::function<void(uint32_t label, float weight, const uint32_t* ids, const uint32_t* counts, size_t n)>;

class RowCacheWriter {
 public:
  static constexpr uint32_t kBlockRows = 1024;

  explicit RowCacheWriter(std::filesystem::path path);
  // `ids`: the row's hashed feature ids, sorted ascending (duplicates are counted);
  // `weight`: its training weight.
  void Add(uint32_t label, const std::vector<uint32_t>& sorted_ids, float weight = 1.0f);
  // The same in two steps, so rows can be encoded in parallel and added in order:
  // EncodeRow (thread-safe) replaces `out` with the row's bytes; AddEncoded appends them.
  static void EncodeRow(uint32_t label, float weight, const std::vector<uint32_t>& sorted_ids, std::string& out);
  void AddEncoded(std::string_view row);
  // Writes the last block, fsyncs and renames into place; returns the index.
  RowCacheIndex Finish();

 private:
  void FlushBlock();

  AtomicFile file_;
  RowCacheIndex index_;
  std::string block_;
  uint32_t block_rows_ = 0;
};

class RowCacheReader {
 public:
  explicit RowCacheReader(RowCacheIndex index);
  const RowCacheIndex& index() const { return index_; }
  size_t blocks() const { return index_.block_rows.size(); }
  // Block `b`'s payload. Throws CorruptFileError if the file does not hold what the index
  // says (it was changed under the run).
  std::string ReadBlock(size_t b);
  // Calls `fn` for each row of a block's payload, in order (thread-safe: no state).
  void DecodeBlock(size_t b, std::string_view payload, const CachedRowFn& fn) const;

 private:
  RowCacheIndex index_;
  std::ifstream in_;
};

}  // namespace trainops
