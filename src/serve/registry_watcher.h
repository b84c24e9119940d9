// Follows the registry's production model of one task: polls it (every second by
// default) or checks at once when asked (SIGHUP, POST /v1/admin/reload) or, on a
// PostgreSQL registry, when a promotion or rollback commits on any host (LISTEN/NOTIFY,
// registry/change_listener.h; the poll stays as the fallback). A new production
// model is loaded, verified and warmed up on the watcher's thread, then swapped in; the
// requests never wait for a load. A model that fails is counted and reported, the one
// serving keeps serving, and it is not retried until production changes again or a check
// is forced.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <trainops/workflows.h>

#include "serve/metrics.h"
#include "serve/model_holder.h"

namespace trainops {
class Registry;
class ChangeListener;
}

namespace trainops::serve {

class RegistryWatcher {
 public:
  // Opens the registry (InputError when the file does not exist: serving must not create
  // an empty registry).
  RegistryWatcher(std::filesystem::path registry, std::string task, std::chrono::milliseconds poll,
                  ModelHolder& holder, ServeMetrics& metrics, Messages messages);
  ~RegistryWatcher();

  // One check on the caller's thread; `force` retries a model that failed before.
  // Returns true when a model was swapped in.
  bool CheckOnce(bool force = false);
  void Start();
  void CheckNow();  // wakes the thread for a forced check
  void Stop();

 private:
  void Loop();
  void Wake();  // an unforced check now (a NOTIFY arrived)

  std::filesystem::path registry_path_;
  std::string task_;
  std::chrono::milliseconds poll_;
  ModelHolder& holder_;
  ServeMetrics& metrics_;
  Messages messages_;
  std::unique_ptr<Registry> registry_;
  std::mutex check_mutex_;  // CheckOnce from the thread and from Start's caller
  std::string failed_id_;   // the production model that failed to load last
  bool warned_no_production_ = false;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false, force_ = false, woken_ = false;
  std::thread thread_;
  std::unique_ptr<ChangeListener> listener_;
};

}  // namespace trainops::serve
