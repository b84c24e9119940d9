// The request parser on its own: every malformed body is a RequestError with a 4xx status,
// never another exception (which the server would answer as a 500, blaming itself).
// Cases found by the request fuzz target (fuzz/request_fuzz.cc) are kept here.
#include <gtest/gtest.h>

#include <string>

#include "serve/request_parsing.h"

namespace trainops::serve {
namespace {

// The status and message a body is refused with; fails the test for any other outcome.
std::pair<int, std::string> RefusalOf(const std::string& body, bool feedback = false) {
  try {
    if (feedback) {
      ParseFeedbackRequest(body);
    } else {
      ParsePredictRequest(body, 64, 3);
    }
  } catch (const RequestError& e) {
    return {e.status(), e.what()};
  }
  ADD_FAILURE() << "accepted: " << body;
  return {0, ""};
}

TEST(RequestParsing, ANumberBeyondDoublesRangeIsMalformedJsonNotAServerError) {
  // The fuzzer's input, verbatim: nlohmann throws out_of_range (not parse_error) for it.
  const std::string found = R"({"texts": ["where is my order?",-5.5e308 "refund please]], "k": 2})";
  for (const std::string& body : {found, std::string(R"({"text": "hi", "k": 1e999})"),
                                  std::string(R"({"text": "hi", "n": -1e400})")}) {
    auto [status, message] = RefusalOf(body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;
    EXPECT_NE(message.find("number overflow"), std::string::npos) << message;
  }
  auto [status, message] = RefusalOf(R"({"request_id": "a-1", "label": "x", "at": 2e308})", /*feedback=*/true);
  EXPECT_EQ(status, 400);
  EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;
}

// Issue 26, item 11: a NUL character is not text (it was answered as rejected and reached
// the traffic log and every export raw).
TEST(RequestParsing, ANulCharacterIsRefused) {
  for (const std::string& body : {std::string(R"({"text": "\u0000"})"), std::string(R"({"text": "where\u0000is it"})"),
                                  std::string(R"({"texts": ["fine", "not\u0000fine"]})")}) {
    auto [status, message] = RefusalOf(body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_NE(message.find("NUL character"), std::string::npos) << message;
  }
}

TEST(RequestParsing, ValidBodiesStillParse) {
  const PredictRequest one = ParsePredictRequest(R"({"text": "where is my order?", "k": 2, "x": 1e300})", 64, 3);
  ASSERT_EQ(one.texts.size(), 1u);
  EXPECT_EQ(one.k, 2u);
  EXPECT_FALSE(one.batch);
  const FeedbackRequest f = ParseFeedbackRequest(R"({"request_id": "b1-1", "label": "exchange"})");
  EXPECT_EQ(f.request_id, "b1-1");
  EXPECT_EQ(f.label, "exchange");
}

}  // namespace
}  // namespace trainops::serve
