#include "serve/http_auth.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops::serve {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string ReadToken(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("--token-file {}: cannot be read", file));
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
  if (token.size() < 16) {
    throw InputError(fmt::format("--token-file {}: the token (first line) must have at least 16 characters", file));
  }
  return token;
}

// Response time reveals nothing about how much of a guessed token was right.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<size_t>(b.size(), 1)]);
  return diff == 0;
}

}  // namespace trainops::serve
