#include "serve/http_listen.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops::serve {

int BindOrThrow(httplib::Server& http, const std::string& host, int port) {
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind the same
  // port and split the traffic (two models, two logs) without a word. SO_REUSEADDR alone
  // still allows a restart while old connections linger in TIME_WAIT.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  int bound = 0;
  if (port == 0) {
    bound = std::max(http.bind_to_any_port(host), 0);
  } else if (http.bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) {
    throw InputError(fmt::format("cannot listen on {}:{}: port {} is in use (another server?) or the address is "
                                 "not this machine's; stop the other server, or pick another --port or --host",
                                 host, port, port));
  }
  return bound;
}

std::thread RunAcceptLoop(httplib::Server& http) {
  auto returned = std::make_shared<std::atomic<bool>>(false);
  std::thread loop([&http, returned] {
    http.listen_after_bind();
    returned->store(true);
  });
  while (!http.is_running() && !returned->load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  return loop;
}

void StopAcceptLoop(httplib::Server& http, std::thread& loop) {
  http.stop();
  if (loop.joinable()) loop.join();
}

std::string HttpUrl(const std::string& host, int port) {
  return fmt::format("http://{}:{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, port);
}

}  // namespace trainops::serve
