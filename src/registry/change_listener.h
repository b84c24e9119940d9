// Hearing about promotions and rollbacks as they commit, from another host: on a
// PostgreSQL registry, Promote and Rollback send NOTIFY trainops_production '<task>' inside
// their transaction (delivered at commit), and a ChangeListener LISTENs on a connection of
// its own and calls back. Serve replicas use it to swap within milliseconds instead of at
// their next poll; the poll stays as the fallback (a listener that lost its connection
// reconnects, and misses nothing the poll would not catch).
//
// Ownership: owns its connection and its thread; the callback must outlive the listener.
// Thread-safety: the callback runs on the listener's thread; Stop() (or the destructor)
// joins it and may be called from any other thread.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace trainops {

inline constexpr const char* kProductionChannel = "trainops_production";

class ChangeListener {
 public:
  // nullptr for a SQLite registry (one host: polling the file is enough).
  static std::unique_ptr<ChangeListener> Start(const std::filesystem::path& location,
                                               std::function<void(const std::string& task)> on_change,
                                               std::function<void(const std::string& message)> on_warning = {});
  ~ChangeListener();
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;
  void Stop();
  // True while the listener holds a connection with LISTEN in force (for tests and /healthz).
  bool listening() const { return listening_; }

 private:
  ChangeListener(std::string location, std::function<void(const std::string&)> on_change,
                 std::function<void(const std::string&)> on_warning);
  void Loop();

  std::string location_;
  std::function<void(const std::string&)> on_change_, on_warning_;
  std::atomic<bool> stop_{false}, listening_{false};
  std::thread thread_;
};

}  // namespace trainops
