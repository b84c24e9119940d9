#include "data/jsonl_reader.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/error.h"

namespace trainops {
namespace {

// Insertion order keeps the header's columns, and nested values, as written.
using Json = nlohmann::ordered_json;

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1,
// column 7: ..."; the line is always 1 (we parse one line), so keep the column and the
// explanation only.
std::string CleanParseError(const std::string& what) {
  std::string message = what;
  size_t bracket = message.find("] ");
  if (message.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) {
    message.erase(0, bracket + 2);
  }
  const std::string prefix = "parse error at line 1, ";
  if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  return message;
}

const char* TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    default:
      return "a number";
  }
}

bool IsBlank(const std::string& line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

void ToText(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::string:
      out = value.get_ref<const std::string&>();
      break;
    case Json::value_t::boolean:
      out = value.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out = std::to_string(value.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out = std::to_string(value.get<uint64_t>());
      break;
    default:  // floats (shortest round-trip form), arrays, objects
      out = value.dump();
      break;
  }
}

// Fills a record straight from SAX events, without building a tree: several times faster
// than parsing into nlohmann::json, and JSONL rows are flat in practice.
class RecordFiller final : public nlohmann::json_sax<nlohmann::json> {
 public:
  RecordFiller(const std::unordered_map<std::string, size_t>& column_index, RawRecord& record)
      : column_index_(column_index), record_(record) {}

  bool has_nested() const { return has_nested_; }

  bool null() override {
    if (!CheckTop("null")) return false;
    if (depth_ == 1 && target_) {
      record_.present[*target_] = false;
      record_.values[*target_].clear();
    }
    return true;
  }
  bool boolean(bool value) override { return Scalar(value ? "true" : "false", "a boolean"); }
  bool number_integer(number_integer_t value) override {
    return Scalar(std::to_string(value), "a number");
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Scalar(std::to_string(value), "a number");
  }
  // The number as written in the file: "1.50" stays "1.50".
  bool number_float(number_float_t, const string_t& text) override {
    return Scalar(text, "a number");
  }
  bool string(string_t& value) override { return Scalar(std::move(value), "a string"); }
  bool binary(binary_t&) override { return true; }  // not produced by the JSON parser

  bool start_object(std::size_t) override {
    if (depth_ == 1 && target_) Nested();
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (!CheckTop("an array")) return false;
    if (depth_ == 1 && target_) Nested();
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& name) override {
    if (depth_ == 1) {
      auto it = column_index_.find(name);
      target_ = it == column_index_.end() ? std::nullopt : std::optional<size_t>(it->second);
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& error) override {
    record_.malformed = "invalid JSON: " + CleanParseError(error.what()) +
                        "; fix the line so that it is one complete JSON object";
    return false;
  }

 private:
  // Values outside any object mean the line is not an object at all.
  bool CheckTop(const char* type) {
    if (depth_ > 0) return true;
    record_.malformed = std::string("expected a JSON object, got ") + type +
                        "; each line must be an object such as {\"text\": \"...\"}";
    return false;
  }
  bool Scalar(std::string text, const char* type) {
    if (!CheckTop(type)) return false;
    if (depth_ == 1 && target_) {
      record_.values[*target_] = std::move(text);
      record_.present[*target_] = true;
    }
    return true;
  }
  void Nested() {
    has_nested_ = true;
    record_.present[*target_] = true;
  }

  const std::unordered_map<std::string, size_t>& column_index_;
  RawRecord& record_;
  size_t depth_ = 0;
  std::optional<size_t> target_;
  bool has_nested_ = false;
};

}  // namespace

JsonlReader::JsonlReader(std::unique_ptr<std::istream> in, std::string name, size_t chunk_size)
    : source_(std::move(in), std::move(name), chunk_size) {
  source_.SkipByteOrderMark();
  const bool read_first = ReadLine(first_line_);
  first_offset_ = line_offset_;
  if (!read_first) {
    throw InputError(source_.name() +
                     ": the file is empty; expected one JSON object per line, e.g. "
                     "{\"text\": \"...\", \"label\": \"...\"}");
  }
  const std::string where = source_.name() + ":" + std::to_string(first_line_) + ": ";
  Json first;
  try {
    first = Json::parse(line_text_);
  } catch (const Json::exception& e) {
    // Not only parse_error: a number beyond double's range (1e999) is out_of_range, bad
    // input all the same (found by fuzz/jsonl_reader_fuzz.cc). Later lines go through
    // sax_parse, which reports both kinds to RecordFiller::parse_error.
    throw InputError(where + "invalid JSON: " + CleanParseError(e.what()) +
                     "; the first line must be a JSON object whose keys name the columns");
  }
  if (!first.is_object()) {
    throw InputError(where + "expected a JSON object, got " + TypeName(first) +
                     "; each line must be an object such as {\"text\": \"...\"}");
  }
  for (const auto& item : first.items()) {
    column_index_.emplace(item.key(), columns_.size());
    columns_.push_back(item.key());
  }
  first_pending_ = true;
}

JsonlReader::~JsonlReader() = default;

bool JsonlReader::ReadLine(uint64_t& line_number) {
  while (true) {
    line_text_.clear();
    if (!source_.Ensure(1)) return false;
    line_number = next_line_;
    line_offset_ = source_.offset();
    while (source_.Ensure(1)) {
      const char* p = source_.data();
      const size_t n = source_.available();
      const char* newline = static_cast<const char*>(std::memchr(p, '\n', n));
      const size_t run = newline ? static_cast<size_t>(newline - p) : n;
      line_text_.append(p, run);
      source_.Advance(newline ? run + 1 : run);
      if (line_text_.size() > limits_.max_record_bytes) {
        limits_.ThrowTooLong(source_.name(), line_number, "the line", /*field=*/false);
      }
      if (newline) break;
    }
    ++next_line_;
    if (!line_text_.empty() && line_text_.back() == '\r') line_text_.pop_back();
    if (!IsBlank(line_text_)) return true;
  }
}

bool JsonlReader::Next(RawRecord& record) {
  if (first_pending_) {
    first_pending_ = false;
    record.line = first_line_;
    record.offset = first_offset_;
  } else if (!ReadLine(record.line)) {
    return false;
  } else {
    record.offset = line_offset_;
  }
  Parse(record);
  return true;
}

void JsonlReader::Parse(RawRecord& record) {
  const size_t width = columns_.size();
  record.values.resize(width);
  for (auto& value : record.values) value.clear();
  record.present.assign(width, false);
  record.structured.assign(width, false);
  record.malformed.clear();
  RecordFiller filler(column_index_, record);
  const char* begin = line_text_.data();
  bool ok = nlohmann::json::sax_parse(begin, begin + line_text_.size(), &filler);
  if (!ok && record.malformed.empty()) record.malformed = "invalid JSON";
  CheckFieldSizes(record);
  if (!ok || !filler.has_nested()) return;
  // Rare: a column holds an array or object. Re-parse into a tree to write it as JSON.
  Json object = Json::parse(line_text_);
  for (const auto& item : object.items()) {
    auto it = column_index_.find(item.key());
    if (it != column_index_.end() && item.value().is_structured()) {
      ToText(item.value(), record.values[it->second]);
      record.structured[it->second] = true;
    }
  }
  CheckFieldSizes(record);
}

void JsonlReader::CheckFieldSizes(const RawRecord& record) const {
  for (size_t i = 0; i < record.values.size(); ++i) {
    if (record.values[i].size() > limits_.max_field_bytes) {
      limits_.ThrowTooLong(source_.name(), record.line, "the value of \"" + columns_[i] + "\"", /*field=*/true);
    }
  }
}

}  // namespace trainops
