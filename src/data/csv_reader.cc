#include "data/csv_reader.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"

namespace trainops {
namespace {

std::string FieldLabel(size_t field_number) { return "field " + std::to_string(field_number); }

void SetOnce(std::string& malformed, std::string reason) {
  // The first problem explains the rest (a stray quote usually causes the field count
  // to be off too), so later ones are not reported.
  if (malformed.empty()) malformed = std::move(reason);
}

}  // namespace

CsvReader::CsvReader(std::unique_ptr<std::istream> in, std::string name, char delimiter,
                     size_t chunk_size)
    : source_(std::move(in), std::move(name), chunk_size), delimiter_(delimiter) {
  for (unsigned char c : {static_cast<unsigned char>(delimiter), static_cast<unsigned char>('\r'),
                          static_cast<unsigned char>('\n')}) {
    stops_unquoted_[c] = true;
  }
  // TSV is usually written without quoting, so a quote inside a field ("size 9.5\" wide")
  // is plain text there; only a quote that opens a field starts a quoted field. In CSV
  // (RFC 4180) a stray quote usually means broken quoting, so it is reported.
  stops_unquoted_['"'] = delimiter != '\t';
  source_.SkipByteOrderMark();
  uint64_t header_line = 0;
  std::string malformed;
  size_t count = ReadRecord(columns_, /*grow=*/true, header_line, malformed);
  if (count == 0) {
    throw InputError(source_.name() +
                     ": the file is empty; expected a header line naming the columns");
  }
  if (!malformed.empty()) {
    throw InputError(source_.name() + ":" + std::to_string(header_line) +
                     ": malformed header: " + malformed);
  }
  columns_.resize(count);
}

bool CsvReader::Next(RawRecord& record) {
  const size_t width = columns_.size();
  record.values.resize(width);
  record.malformed.clear();
  size_t count = ReadRecord(record.values, /*grow=*/false, record.line, record.malformed);
  if (count == 0) return false;
  record.offset = record_offset_;
  record.present.assign(width, false);
  for (size_t i = 0; i < width; ++i) {
    if (i < count) {
      record.present[i] = true;
    } else {
      record.values[i].clear();
    }
  }
  if (count > width) {
    SetOnce(record.malformed, "too many fields: " + std::to_string(count) + ", the header has " +
                                  std::to_string(width) +
                                  "; a field that contains the delimiter must be quoted");
  }
  return true;
}

bool CsvReader::SkipEmptyLines() {
  while (source_.Ensure(1)) {
    char c = *source_.data();
    if (c == '\n') {
      source_.Advance(1);
      ++line_;
    } else if (c == '\r') {
      bool more = source_.Ensure(2);
      if (more && source_.data()[1] != '\n') return true;  // a bare CR starts a field
      source_.Advance(more ? 2 : 1);
      if (more) ++line_;
    } else {
      return true;
    }
  }
  return false;
}

size_t CsvReader::ReadRecord(std::vector<std::string>& fields, bool grow, uint64_t& start_line,
                             std::string& malformed) {
  if (!SkipEmptyLines()) return 0;
  start_line = line_;
  record_line_ = line_;
  record_offset_ = source_.offset();
  size_t count = 0;
  size_t record_bytes = 0;
  while (true) {
    if (grow && count >= fields.size()) fields.resize(count + 1);
    std::string& out = count < fields.size() ? fields[count] : overflow_;
    out.clear();
    ++count;
    if (source_.Ensure(1) && *source_.data() == '"') {
      source_.Advance(1);
      ReadQuoted(out, count, malformed);
    } else {
      ReadUnquoted(out, count, malformed);
    }
    record_bytes += out.size() + 1;
    if (record_bytes > limits_.max_record_bytes) {
      limits_.ThrowTooLong(source_.name(), start_line, "the record", /*field=*/false);
    }
    if (!ConsumeFieldEnd()) break;
  }
  return count;
}

void CsvReader::ReadUnquoted(std::string& out, size_t field_number, std::string& malformed) {
  while (source_.Ensure(1)) {
    const char* p = source_.data();
    const size_t n = source_.available();
    size_t i = 0;
    while (i < n && !stops_unquoted_[static_cast<unsigned char>(p[i])]) ++i;
    out.append(p, i);
    if (out.size() > limits_.max_field_bytes) {
      limits_.ThrowTooLong(source_.name(), record_line_, FieldLabel(field_number), /*field=*/true);
    }
    source_.Advance(i);
    if (i == n) continue;
    char c = p[i];
    if (c == delimiter_ || c == '\n') return;
    if (c == '\r') {
      if (!source_.Ensure(2) || source_.data()[1] == '\n') return;  // CRLF or CR at the end
      SetOnce(malformed, "carriage return without a line feed in unquoted " +
                             FieldLabel(field_number) +
                             "; quote the field, or convert old Mac line ends (CR) to LF");
    } else {  // '"'
      SetOnce(malformed, "stray quote (\") inside unquoted " + FieldLabel(field_number) +
                             "; quote the whole field and double the quotes inside it (\"\")");
    }
    // Keep the character as data and go on, so the rest of the line still parses and
    // the line count stays right.
    out.push_back(c);
    source_.Advance(1);
  }
}

void CsvReader::ReadQuoted(std::string& out, size_t field_number, std::string& malformed) {
  const uint64_t open_line = line_;
  while (true) {
    if (!source_.Ensure(1)) {
      SetOnce(malformed, "unterminated quoted " + FieldLabel(field_number) +
                             ": the quote opened on line " + std::to_string(open_line) +
                             " never closes; close it or double the quotes inside (\"\")");
      return;
    }
    const char* p = source_.data();
    const size_t n = source_.available();
    const char* quote = static_cast<const char*>(std::memchr(p, '"', n));
    const size_t run = quote ? static_cast<size_t>(quote - p) : n;
    line_ += static_cast<uint64_t>(std::count(p, p + run, '\n'));
    out.append(p, run);
    if (out.size() > limits_.max_field_bytes) {
      limits_.ThrowTooLong(source_.name(), record_line_, FieldLabel(field_number), /*field=*/true);
    }
    source_.Advance(run);
    if (!quote) continue;
    source_.Advance(1);                                 // the quote
    if (source_.Ensure(1) && *source_.data() == '"') {  // "" is a literal quote
      out.push_back('"');
      source_.Advance(1);
      continue;
    }
    // The closing quote: only a delimiter or a line end may follow.
    if (!source_.Ensure(1)) return;
    char c = *source_.data();
    if (c == delimiter_ || c == '\n') return;
    if (c == '\r' && (!source_.Ensure(2) || source_.data()[1] == '\n')) return;
    SetOnce(malformed, "unexpected text after the closing quote of " + FieldLabel(field_number) +
                           "; quote the whole field and double the quotes inside it (\"\")");
    ReadUnquoted(out, field_number, malformed);
    return;
  }
}

bool CsvReader::ConsumeFieldEnd() {
  if (!source_.Ensure(1)) return false;
  char c = *source_.data();
  if (c == delimiter_) {
    source_.Advance(1);
    return true;
  }
  if (c == '\r') {
    source_.Advance(1);
    if (source_.Ensure(1) && *source_.data() == '\n') source_.Advance(1);
  } else {  // '\n'
    source_.Advance(1);
  }
  ++line_;
  return false;
}

}  // namespace trainops
