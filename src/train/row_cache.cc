#include "train/row_cache.h"

#include <cstring>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops {
namespace {

constexpr char kMagic[8] = {'T', 'O', 'P', 'S', 'R', 'O', 'W', 'S'};
constexpr uint32_t kVersion = 2;  // 2: a weight per row
constexpr size_t kHeaderBytes = sizeof kMagic + sizeof(uint32_t);

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutU32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

[[noreturn]] void Damaged(const std::filesystem::path& path, const std::string& what) {
  throw CorruptFileError(fmt::format("{}: the row cache of this run is damaged ({}); it is rebuilt when the run is "
                                     "resumed: `trainops train --resume` on the run folder",
                                     path.string(), what));
}

// Reads a varint from [p, end); false when it runs past the end or past 64 bits.
bool GetVarint(const char*& p, const char* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const auto byte = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace

RowCacheWriter::RowCacheWriter(std::filesystem::path path) : file_(path) {
  index_.path = std::move(path);
  std::string header(kMagic, sizeof kMagic);
  PutU32(header, kVersion);
  file_.Write(header);
  index_.bytes = header.size();
}

void RowCacheWriter::Add(uint32_t label, const std::vector<uint32_t>& sorted_ids, float weight) {
  thread_local std::string row;
  EncodeRow(label, weight, sorted_ids, row);
  AddEncoded(row);
}

void RowCacheWriter::EncodeRow(uint32_t label, float weight, const std::vector<uint32_t>& sorted_ids,
                               std::string& out) {
  // Distinct ids first, to write their number before them.
  thread_local std::vector<std::pair<uint32_t, uint32_t>> runs;
  runs.clear();
  for (size_t i = 0; i < sorted_ids.size();) {
    size_t j = i + 1;
    while (j < sorted_ids.size() && sorted_ids[j] == sorted_ids[i]) ++j;
    runs.emplace_back(sorted_ids[i], static_cast<uint32_t>(j - i));
    i = j;
  }
  out.clear();
  const bool weighted = weight != 1.0f;
  PutVarint(out, uint64_t{label} << 1 | (weighted ? 1 : 0));
  if (weighted) out.append(reinterpret_cast<const char*>(&weight), sizeof weight);
  PutVarint(out, runs.size());
  uint32_t previous = 0;
  for (const auto& [id, count] : runs) {
    PutVarint(out, id - previous);
    PutVarint(out, count);
    previous = id;
  }
}

void RowCacheWriter::AddEncoded(std::string_view row) {
  block_.append(row);
  index_.rows += 1;
  if (++block_rows_ == kBlockRows) FlushBlock();
}

void RowCacheWriter::FlushBlock() {
  if (block_rows_ == 0) return;
  std::string header;
  PutU32(header, block_rows_);
  PutU32(header, static_cast<uint32_t>(block_.size()));
  index_.block_offsets.push_back(index_.bytes);
  index_.block_rows.push_back(block_rows_);
  file_.Write(header);
  file_.Write(block_);
  index_.bytes += header.size() + block_.size();
  block_.clear();
  block_rows_ = 0;
}

RowCacheIndex RowCacheWriter::Finish() {
  FlushBlock();
  file_.Commit();
  return index_;
}

RowCacheReader::RowCacheReader(RowCacheIndex index) : index_(std::move(index)), in_(index_.path, std::ios::binary) {
  if (!in_) Damaged(index_.path, "it cannot be opened");
  char header[kHeaderBytes];
  if (!in_.read(header, sizeof header) || std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    Damaged(index_.path, "it does not start with the row cache's magic");
  }
}

std::string RowCacheReader::ReadBlock(size_t b) {
  if (b >= blocks()) throw InternalError(fmt::format("row cache: block {} of {}", b, blocks()));
  uint32_t head[2];
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(index_.block_offsets[b]));
  if (!in_.read(reinterpret_cast<char*>(head), sizeof head)) Damaged(index_.path, fmt::format("block {} is cut short", b));
  if (head[0] != index_.block_rows[b]) {
    Damaged(index_.path, fmt::format("block {} has {} rows, not {}", b, head[0], index_.block_rows[b]));
  }
  std::string payload(head[1], '\0');
  if (!in_.read(payload.data(), static_cast<std::streamsize>(head[1]))) {
    Damaged(index_.path, fmt::format("block {} is cut short", b));
  }
  return payload;
}

void RowCacheReader::DecodeBlock(size_t b, std::string_view payload, const CachedRowFn& fn) const {
  thread_local std::vector<uint32_t> ids, counts;
  const char* p = payload.data();
  const char* end = p + payload.size();
  for (uint32_t r = 0; r < index_.block_rows[b]; ++r) {
    uint64_t label = 0, n = 0;
    float weight = 1.0f;
    bool readable = GetVarint(p, end, label);
    if (readable && (label & 1)) {
      readable = end - p >= static_cast<ptrdiff_t>(sizeof weight);
      if (readable) {
        std::memcpy(&weight, p, sizeof weight);
        p += sizeof weight;
      }
    }
    label >>= 1;
    if (!readable || !GetVarint(p, end, n) || n > static_cast<uint64_t>(end - p)) {
      Damaged(index_.path, fmt::format("row {} of block {} is unreadable", r, b));
    }
    ids.resize(n);
    counts.resize(n);
    uint64_t id = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t gap = 0, count = 0;
      if (!GetVarint(p, end, gap) || !GetVarint(p, end, count)) {
        Damaged(index_.path, fmt::format("row {} of block {} is unreadable", r, b));
      }
      id += gap;
      ids[i] = static_cast<uint32_t>(id);
      counts[i] = static_cast<uint32_t>(count);
    }
    fn(static_cast<uint32_t>(label), weight, ids.data(), counts.data(), n);
  }
  if (p != end) Damaged(index_.path, fmt::format("block {} has {} stray bytes", b, end - p));
}

}  // namespace trainops
