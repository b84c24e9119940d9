// The server's request parser (serve/request_parsing.h): every body a client can send to
// /v1/predict and /v1/feedback. Its documented error is RequestError (an HTTP 4xx), not
// InputError: the server answers it with that status, so here it is the expected outcome.
#include "fuzz_support.h"
#include "serve/request_parsing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    const auto request = trainops::serve::ParsePredictRequest(body, /*max_batch=*/64, /*default_k=*/3);
    // What the handlers rely on without checking again.
    if (request.texts.empty() || request.texts.size() > 64 || request.k < 1 || request.k > 100) __builtin_trap();
  } catch (const trainops::serve::RequestError& e) {
    if (e.status() < 400 || e.status() > 499) __builtin_trap();
  }
  try {
    (void)trainops::serve::ParseFeedbackRequest(body);
  } catch (const trainops::serve::RequestError& e) {
    if (e.status() < 400 || e.status() > 499) __builtin_trap();
  }
  return 0;
}
