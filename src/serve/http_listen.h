// How every trainops HTTP server (`serve`, `ui`) takes its port and runs cpp-httplib's
// accept loop, so both refuse a port in use the same way and both can be stopped right
// after they start. Thread-safety: call from the server's owner thread.
#pragma once

#include <httplib.h>

#include <string>
#include <thread>

namespace trainops::serve {

// Binds host:port (0 = any free port) without SO_REUSEPORT, so a second server on the port
// fails instead of sharing it, and returns the port bound. Throws InputError naming
// the address ("port P is in use ... or the address is not this machine's") when it cannot.
// The socket already listens: connections made before the loop runs wait in the backlog.
int BindOrThrow(httplib::Server& http, const std::string& host, int port);

// Runs the accept loop of a bound server on a new thread and returns it once the loop
// runs (or has already ended): httplib's stop() does nothing before the loop has started,
// so a stop right after a start (a SIGTERM at start-up) would otherwise be lost and the
// join would hang.
std::thread RunAcceptLoop(httplib::Server& http);

// Stops accepting, lets the running requests finish (httplib's loop returns once its
// worker pool has drained) and joins the loop's thread.
void StopAcceptLoop(httplib::Server& http, std::thread& loop);

// "http://host:port", an IPv6 host in brackets.
std::string HttpUrl(const std::string& host, int port);

}  // namespace trainops::serve
