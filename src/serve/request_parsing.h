// Turns request bodies into validated requests. Every way a body can be wrong becomes a
// RequestError with the HTTP status and a message saying what to fix, so handlers never
// see a half-valid request and bad input never reaches the model.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trainops::serve {

class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct PredictRequest {
  std::vector<std::string> texts;
  bool batch = false;  // {"texts": [...]}: answered as {"predictions": [...]}
  size_t k = 3;        // alternatives per text ("top_k")
};

// {"text": "..."} or {"texts": ["...", ...]}, optional "k" (integer, 1..100). More texts
// than `max_batch` is 413.
PredictRequest ParsePredictRequest(std::string_view body, size_t max_batch, size_t default_k);

// {"request_id", "label"}, or for a multi-label model {"request_id", "labels": [...]} (the
// set the message has; [] = none of the intents).
struct FeedbackRequest {
  std::string request_id, label;
  std::vector<std::string> labels;
  bool has_labels = false;  // "labels" was sent (a list, possibly empty)
};
FeedbackRequest ParseFeedbackRequest(std::string_view body);

}  // namespace trainops::serve
