#include "data/file_shards.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace trainops {
namespace {

// Serves [0, header_end) then [begin, end) of a file through a 64 KiB buffer.
class RangeBuffer : public std::streambuf {
 public:
  RangeBuffer(const std::filesystem::path& path, uint64_t header_end, uint64_t begin, uint64_t end)
      : in_(path, std::ios::binary), segments_{{0, header_end}, {begin, end}} {
    if (!in_) throw InputError(fmt::format("{}: cannot open the file: {}", path.string(), std::strerror(errno)));
  }

 protected:
  int_type underflow() override {
    while (segment_ < 2) {
      auto& [from, to] = segments_[segment_];
      if (from >= to) {
        ++segment_;
        continue;
      }
      const auto n = static_cast<std::streamsize>(std::min<uint64_t>(buffer_.size(), to - from));
      in_.clear();
      in_.seekg(static_cast<std::streamoff>(from));
      in_.read(buffer_.data(), n);
      const std::streamsize got = in_.gcount();
      if (got <= 0) return traits_type::eof();  // the file is shorter than its ranges: it changed
      from += static_cast<uint64_t>(got);
      setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
      return traits_type::to_int_type(buffer_[0]);
    }
    return traits_type::eof();
  }

 private:
  std::ifstream in_;
  std::pair<uint64_t, uint64_t> segments_[2];
  int segment_ = 0;
  std::vector<char> buffer_ = std::vector<char>(size_t{1} << 16);
};

class RangeStream : public std::istream {
 public:
  RangeStream(const std::filesystem::path& path, uint64_t header_end, uint64_t begin, uint64_t end)
      : std::istream(nullptr), buffer_(path, header_end, begin, end) {
    rdbuf(&buffer_);
  }

 private:
  RangeBuffer buffer_;
};

}  // namespace

std::string FileShards::Serialize() const {
  nlohmann::json j = {{"header_end", header_end}, {"header_end_line", header_end_line}};
  for (const auto& r : ranges) j["ranges"].push_back({r.begin, r.end, r.first_line});
  return j.dump();
}

FileShards FileShards::Parse(const std::string& bytes) {
  const nlohmann::json j = nlohmann::json::parse(bytes);
  FileShards s;
  s.header_end = j.at("header_end").get<uint64_t>();
  s.header_end_line = j.at("header_end_line").get<uint64_t>();
  for (const auto& r : j.at("ranges")) s.ranges.push_back({r[0].get<uint64_t>(), r[1].get<uint64_t>(), r[2].get<uint64_t>()});
  return s;
}

FileShards CutIntoShards(const DataSource& source, int parts) {
  const FileFormat format = source.format ? *source.format : GuessFileFormat(source.path);
  const uint64_t size = std::filesystem::file_size(source.path);
  auto reader = OpenTable(source.path, format);
  FileShards shards;
  RawRecord record;
  // Record starts: the first (where the header ends) and, for each later part, the first
  // record at or after its share of the bytes.
  std::vector<std::pair<uint64_t, uint64_t>> cuts;  // (offset, line)
  bool first = true;
  size_t next_part = 1;
  while (reader->Next(record)) {
    if (first) {
      first = false;
      cuts.emplace_back(record.offset, record.line);
      // CSV/TSV: the header ends where the first record starts. JSONL: the first line is
      // the header too, so every process reads it (and the first part keeps it as a row);
      // the header bytes end where the second record starts.
      if (format != FileFormat::kJsonl) {
        shards.header_end = record.offset;
        shards.header_end_line = record.line;
      }
      continue;
    }
    if (format == FileFormat::kJsonl && shards.header_end == 0) {
      shards.header_end = record.offset;
      shards.header_end_line = record.line;
    }
    while (next_part < static_cast<size_t>(parts) &&
           record.offset >= size / static_cast<uint64_t>(parts) * next_part) {
      cuts.emplace_back(record.offset, record.line);
      ++next_part;
    }
  }
  if (cuts.empty()) {
    // No records: every part is empty (the run reports that there are no rows).
    cuts.emplace_back(size, 1);
    shards.header_end = size;
  }
  if (format == FileFormat::kJsonl && shards.header_end == 0) {
    shards.header_end = size;  // one record: the header is the whole file
    shards.header_end_line = cuts.front().second + 1;
  }
  while (cuts.size() < static_cast<size_t>(parts)) cuts.emplace_back(size, 0);  // fewer records than parts
  for (size_t p = 0; p < cuts.size(); ++p) {
    FileShards::Range r;
    r.begin = cuts[p].first;
    r.end = p + 1 < cuts.size() ? cuts[p + 1].first : size;
    r.first_line = cuts[p].second;
    shards.ranges.push_back(r);
  }
  // The first part starts right after the header bytes (JSONL: at the first record,
  // which its stream already holds as the header's line).
  if (format == FileFormat::kJsonl) shards.ranges[0].begin = shards.header_end;
  return shards;
}

DataSource ShardOf(const DataSource& source, const FileShards& shards, int part) {
  const FileFormat format = source.format ? *source.format : GuessFileFormat(source.path);
  const auto& r = shards.ranges.at(static_cast<size_t>(part));
  DataSource out = source;
  DataSource::Shard s;
  s.header_end = shards.header_end;
  s.begin = std::max(r.begin, shards.header_end);
  s.end = std::max(r.end, s.begin);
  // In the stream, byte header_end is at line header_end_line; in the file, byte begin is
  // at r.first_line.
  s.skip_first_record = format == FileFormat::kJsonl && part > 0;
  s.line_shift = r.first_line == 0 ? 0
                                   : static_cast<int64_t>(r.first_line) - static_cast<int64_t>(shards.header_end_line);
  if (format == FileFormat::kJsonl && part == 0) s.line_shift = 0;
  out.shard = s;
  return out;
}

std::unique_ptr<std::istream> OpenRangeStream(const std::filesystem::path& path, uint64_t header_end, uint64_t begin,
                                              uint64_t end) {
  return std::make_unique<RangeStream>(path, header_end, begin, end);
}

}  // namespace trainops
