// Reads one YAML mapping of the task spec with errors that point at the file, line and
// key: unknown keys (with the nearest valid key), wrong types and missing required keys.
// Not thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace trainops {

// The name of a mapping key. YAML also allows a list or a mapping as a key ("? [a]: x",
// "{[a]: 1}"); those are an InputError "file:line: key `where` must be a plain name ...",
// never the YAML::BadConversion that as<std::string>() would throw.
std::string YamlKeyName(const YAML::Node& key, const std::filesystem::path& file, const std::string& where);

class YamlSection {
 public:
  // `prefix` is the dotted path of this mapping ("" for the top level, "data." ...).
  // `keys` are the keys this mapping may have. Throws InputError when `node` is not a
  // mapping or has a key outside `keys`.
  YamlSection(const YAML::Node& node, std::filesystem::path file, std::string prefix,
              std::vector<std::string> keys);

  bool Has(const std::string& key) const;
  YamlSection Child(const std::string& key, std::vector<std::string> keys) const;

  // Each reader leaves `out` untouched when the key is absent, unless `required`.
  void Read(const std::string& key, std::string& out, bool required = false) const;
  void Read(const std::string& key, int& out, bool required = false) const;
  void Read(const std::string& key, uint32_t& out) const;
  void Read(const std::string& key, uint64_t& out) const;
  void Read(const std::string& key, double& out) const;
  void Read(const std::string& key, bool& out) const;
  // The text of a scalar key, for values whose type the caller checks (the parameter
  // table); `expected` names that type in the error for a list or mapping.
  std::string ScalarText(const std::string& key, const std::string& expected) const;
  // A list of strings; a single string is taken as a one-element list.
  void Read(const std::string& key, std::vector<std::string>& out) const;

  // The raw node of a key (for lists whose items need their own line numbers).
  YAML::Node Raw(const std::string& key) const { return node_[key]; }
  const std::filesystem::path& file() const { return file_; }

  // "task.yaml:12: key data.text_column" (line of the key, or of this mapping if absent).
  std::string Where(const std::string& key) const;
  // Throws InputError "Where(key): message".
  [[noreturn]] void Fail(const std::string& key, const std::string& message) const;

 private:
  YAML::Node Scalar(const std::string& key, const char* expected) const;
  template <typename T>
  void ReadNumber(const std::string& key, T& out, const char* expected) const;

  YAML::Node node_;
  std::filesystem::path file_;
  std::string prefix_;
};

}  // namespace trainops
