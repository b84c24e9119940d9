#include "serve/request_parsing.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace trainops::serve {
namespace {

constexpr size_t kMaxK = 100;

nlohmann::json ParseObject(std::string_view body) {
  if (body.empty()) throw RequestError(400, "empty body: send a JSON object");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message names the byte offset and what it expected. Not only parse_error:
    // a number beyond double's range (1e999) is an out_of_range error, a client's mistake
    // all the same (found by fuzz/request_fuzz.cc).
    throw RequestError(400, fmt::format("malformed JSON: {}", e.what()));
  }
  if (!j.is_object()) throw RequestError(400, "the body must be a JSON object");
  return j;
}

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::string RequiredString(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw RequestError(400, fmt::format("missing \"{}\"{}", key, where));
  const auto& v = j.at(key);
  if (!v.is_string()) {
    throw RequestError(400, fmt::format("\"{}\"{} must be a string, not {}", key, where, v.type_name()));
  }
  std::string s = v.get<std::string>();
  if (Blank(s)) throw RequestError(400, fmt::format("\"{}\"{} is empty", key, where));
  if (s.find('\0') != std::string::npos) {
    throw RequestError(400, fmt::format("\"{}\"{} contains a NUL character (\\u0000); send text without it", key, where));
  }
  return s;
}

}  // namespace

PredictRequest ParsePredictRequest(std::string_view body, size_t max_batch, size_t default_k) {
  const nlohmann::json j = ParseObject(body);
  PredictRequest r;
  r.k = default_k;
  if (j.contains("k")) {
    const auto& k = j.at("k");
    if (!k.is_number_integer() || k.get<int64_t>() < 1 || k.get<int64_t>() > static_cast<int64_t>(kMaxK)) {
      throw RequestError(400, fmt::format("\"k\" must be an integer from 1 to {}, not {}", kMaxK, k.dump()));
    }
    r.k = static_cast<size_t>(k.get<int64_t>());
  }
  const bool has_text = j.contains("text"), has_texts = j.contains("texts");
  if (has_text && has_texts) throw RequestError(400, "send either \"text\" or \"texts\", not both");
  if (has_text) {
    r.texts.push_back(RequiredString(j, "text", ""));
    return r;
  }
  if (!has_texts) throw RequestError(400, "missing \"text\" (one text) or \"texts\" (an array of texts)");
  const auto& texts = j.at("texts");
  if (!texts.is_array()) throw RequestError(400, fmt::format("\"texts\" must be an array, not {}", texts.type_name()));
  if (texts.empty()) throw RequestError(400, "\"texts\" is empty");
  if (texts.size() > max_batch) {
    throw RequestError(413, fmt::format("{} texts in one request; the limit is {}", texts.size(), max_batch));
  }
  r.batch = true;
  r.texts.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& t = texts[i];
    if (!t.is_string()) {
      throw RequestError(400, fmt::format("\"texts\"[{}] must be a string, not {}", i, t.type_name()));
    }
    std::string s = t.get<std::string>();
    if (Blank(s)) throw RequestError(400, fmt::format("\"texts\"[{}] is empty", i));
    // A NUL is not text: answered, it reached the traffic log and every export raw.
    if (s.find('\0') != std::string::npos) {
      throw RequestError(400, fmt::format("\"texts\"[{}] contains a NUL character (\\u0000); send text without it", i));
    }
    r.texts.push_back(std::move(s));
  }
  return r;
}

FeedbackRequest ParseFeedbackRequest(std::string_view body) {
  const nlohmann::json j = ParseObject(body);
  FeedbackRequest r;
  r.request_id = RequiredString(j, "request_id", "");
  if (j.contains("labels")) {
    if (j.contains("label")) throw RequestError(400, "send \"label\" or \"labels\", not both");
    const auto& list = j.at("labels");
    if (!list.is_array()) {
      throw RequestError(400, fmt::format("\"labels\" must be a list of labels, not {}", list.type_name()));
    }
    r.has_labels = true;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string() || Blank(list[i].get<std::string>())) {
        throw RequestError(400, fmt::format("\"labels\"[{}] must be a label (a non-empty string)", i));
      }
      r.labels.push_back(list[i].get<std::string>());
    }
    return r;
  }
  r.label = RequiredString(j, "label", "");
  return r;
}

}  // namespace trainops::serve
