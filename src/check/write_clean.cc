#include "check/write_clean.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "data/csv_writer.h"
#include "data/table_reader.h"

namespace trainops {
nlohmann::json WriteCleanCopies(const TaskSpec& spec, const CheckReport& report,
                                const std::filesystem::path& dir, bool drop_conflicts) {
  const auto& files = report.summary.at("files");
  // Compared as folders on disk (device and inode), not as written: ".", "./", "$PWD" and a
  // link to the data's folder all are that folder.
  for (const auto& f : files) {
    if (SameFile(std::filesystem::path(f.at("path").get<std::string>()).parent_path(), dir)) {
      throw InputError(fmt::format("--write-clean {}: this folder holds the original {}; choose another "
                                   "folder so the originals stay untouched",
                                   dir.string(), f.at("file").get<std::string>()));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(fmt::format("--write-clean {}: cannot create the folder ({})", dir.string(), ec.message()));

  // (split, line) -> reason; the first reason recorded wins.
  std::map<std::pair<size_t, uint64_t>, std::string> removed;
  for (const Removal& r : report.removals) {
    if (r.kind == Removal::Kind::kConflict && !drop_conflicts) continue;
    removed.emplace(std::make_pair(r.split, r.line), r.reason);
  }

  nlohmann::json out_files = nlohmann::json::array();
  std::set<std::string> used_names;
  std::string removed_csv = CsvLine({"file", "line", "reason"});
  for (size_t s = 0; s < files.size(); ++s) {
    const std::filesystem::path source = files[s].at("path").get<std::string>();
    const std::string display = files[s].at("file").get<std::string>();
    const FileFormat format = spec.data.format ? *spec.data.format : GuessFileFormat(source);
    // Where each record starts, as the reader sees it (records may span lines).
    std::vector<uint64_t> starts;
    {
      auto reader = OpenTable(source, format);
      RawRecord record;
      while (reader->Next(record)) starts.push_back(record.line);
    }
    const std::string bytes = ReadFile(source);
    std::vector<size_t> line_offset = {0, 0};  // line_offset[L] = first byte of physical line L
    for (size_t i = 0; i < bytes.size(); ++i)
      if (bytes[i] == '\n') line_offset.push_back(i + 1);
    auto offset_of = [&](uint64_t line) { return line < line_offset.size() ? line_offset[line] : bytes.size(); };
    std::string cleaned;
    cleaned.reserve(bytes.size());
    const size_t header_end = starts.empty() ? bytes.size() : offset_of(starts[0]);
    cleaned.append(bytes, 0, header_end);
    size_t kept = 0, dropped = 0;
    for (size_t r = 0; r < starts.size(); ++r) {
      const size_t begin = offset_of(starts[r]);
      const size_t end = r + 1 < starts.size() ? offset_of(starts[r + 1]) : bytes.size();
      auto it = removed.find({s, starts[r]});
      if (it != removed.end()) {
        ++dropped;
        removed_csv += CsvLine({display, std::to_string(starts[r]), it->second});
        continue;
      }
      ++kept;
      cleaned.append(bytes, begin, end - begin);
    }
    std::string name = source.filename().string();
    if (!used_names.insert(name).second) {
      name = files[s].at("split").get<std::string>() + "_" + name;
      used_names.insert(name);
    }
    const auto written = dir / name;
    WriteFileAtomically(written, cleaned);
    out_files.push_back({{"split", files[s].at("split")},
                         {"source", display},
                         {"written", written.string()},
                         {"rows_kept", kept},
                         {"rows_removed", dropped}});
  }
  const auto removed_path = dir / "removed.csv";
  WriteFileAtomically(removed_path, removed_csv);
  return {{"files", out_files}, {"removed", removed_path.string()}};
}

}  // namespace trainops
