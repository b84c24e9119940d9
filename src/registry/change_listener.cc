#include "registry/change_listener.h"

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>

#include <fmt/format.h>

#include "common/db_location.h"
#include "registry/postgres_db.h"

namespace trainops {

std::unique_ptr<ChangeListener> ChangeListener::Start(const std::filesystem::path& location,
                                                      std::function<void(const std::string&)> on_change,
                                                      std::function<void(const std::string&)> on_warning) {
  if (!IsPostgresLocation(location.string())) return nullptr;
  std::unique_ptr<ChangeListener> listener(
      new ChangeListener(location.string(), std::move(on_change), std::move(on_warning)));
  listener->thread_ = std::thread([l = listener.get()] { l->Loop(); });
  return listener;
}

ChangeListener::ChangeListener(std::string location, std::function<void(const std::string&)> on_change,
                               std::function<void(const std::string&)> on_warning)
    : location_(std::move(location)), on_change_(std::move(on_change)), on_warning_(std::move(on_warning)) {}

ChangeListener::~ChangeListener() { Stop(); }

void ChangeListener::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ChangeListener::Loop() {
  // Short waits, so Stop() returns within a quarter second; reconnects back off to 5 s.
  constexpr int kWaitMs = 250;
  auto backoff = std::chrono::milliseconds(250);
  bool warned = false;
  while (!stop_) {
    std::unique_ptr<postgres::Database> db;
    try {
      db = std::make_unique<postgres::Database>(location_);
      db->Exec(fmt::format("LISTEN {}", kProductionChannel));
    } catch (const std::exception& e) {
      if (on_warning_ && !warned) on_warning_(fmt::format("not listening for promotions (polling instead): {}", e.what()));
      warned = true;
      const auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    listening_ = true;
    warned = false;
    backoff = std::chrono::milliseconds(250);
    // Whatever happened while not listening, the caller checks once now.
    if (on_change_) on_change_("");
    PGconn* conn = db->handle();
    while (!stop_) {
      pollfd fd{PQsocket(conn), POLLIN, 0};
      const int ready = ::poll(&fd, 1, kWaitMs);
      if (ready < 0) continue;  // EINTR
      if (ready == 0) continue;
      if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) break;  // lost: reconnect
      while (PGnotify* n = PQnotifies(conn)) {
        const std::string task = n->extra ? n->extra : "";
        PQfreemem(n);
        if (on_change_) on_change_(task);
      }
    }
    listening_ = false;
  }
}

}  // namespace trainops
