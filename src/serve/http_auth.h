// What every trainops HTTP server (`serve`, `ui`) does the same way about who may call it:
// loopback by default, a Bearer token read from a file for any other address, and token
// comparison that takes the same time however much of a guess is right. Pure; thread-safe.
#pragma once

#include <string>

namespace trainops::serve {

// "localhost", "::1" or 127.x.x.x.
bool IsLoopback(const std::string& host);

// The first line of `file`, trailing spaces and CR removed. Throws InputError naming the
// flag and the file when it cannot be read or the token is shorter than 16 characters.
std::string ReadToken(const std::string& file);

// Compares without stopping at the first difference.
bool SameSecret(const std::string& a, const std::string& b);

}  // namespace trainops::serve
