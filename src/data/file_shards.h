// One file read by several processes, each its own byte range (data-parallel streamed
// training, docs/scale.md). The ranges start at record starts found by the file's own
// reader (a quoted CSV field may hold newlines, so a byte scan for line ends would cut
// records in two). A process reads the header bytes and then its range, as one stream, so
// the reader sees an ordinary file; line numbers in its rows and errors are the file's.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace trainops {

struct FileShards {
  // Bytes every process reads first: the header (CSV/TSV), or the first line (JSONL,
  // whose first object names the columns; processes other than the first skip that row).
  uint64_t header_end = 0;
  uint64_t header_end_line = 1;  // the file's line number at byte header_end
  struct Range {
    uint64_t begin = 0, end = 0;  // bytes [begin, end) of the file
    uint64_t first_line = 0;      // the file's line number at byte begin
  };
  std::vector<Range> ranges;  // one per process, in order, covering the file after the header

  std::string Serialize() const;
  static FileShards Parse(const std::string& bytes);
};

// Reads `source`'s file once (records only, no row checks) and cuts it into `parts`
// ranges of about equal size at record starts. Throws InputError as StreamExamples does
// for an unreadable file or header.
FileShards CutIntoShards(const DataSource& source, int parts);

// `source` restricted to range `part` of `shards` (DataSource::shard).
DataSource ShardOf(const DataSource& source, const FileShards& shards, int part);

// The header bytes and then bytes [begin, end) of `path`, as one stream.
std::unique_ptr<std::istream> OpenRangeStream(const std::filesystem::path& path, uint64_t header_end,
                                              uint64_t begin, uint64_t end);

}  // namespace trainops
