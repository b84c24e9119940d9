#include "serve/registry_watcher.h"

#include <fmt/format.h>
#include <trainops/error.h>

#include "common/db_location.h"
#include "registry/change_listener.h"
#include "registry/registry.h"

namespace trainops::serve {
namespace {
void Say(const std::function<void(const std::string&)>& f, const std::string& message) {
  if (f) f(message);
}
}  // namespace

RegistryWatcher::RegistryWatcher(std::filesystem::path registry, std::string task, std::chrono::milliseconds poll,
                                 ModelHolder& holder, ServeMetrics& metrics, Messages messages)
    : registry_path_(std::move(registry)),
      task_(std::move(task)),
      poll_(poll),
      holder_(holder),
      metrics_(metrics),
      messages_(std::move(messages)) {
  if (!IsPostgresLocation(registry_path_.string()) && !std::filesystem::exists(registry_path_)) {
    throw InputError(fmt::format("{}: no registry here; train and promote a model first (`trainops release`), "
                                 "or pass --registry with the right path, or serve one file with --model",
                                 registry_path_.string()));
  }
  registry_ = std::make_unique<Registry>(Registry::OpenExisting(registry_path_));
}

RegistryWatcher::~RegistryWatcher() { Stop(); }

bool RegistryWatcher::CheckOnce(bool force) {
  std::lock_guard lock(check_mutex_);
  std::optional<ModelRecord> production;
  try {
    production = registry_->Production(task_);
  } catch (const std::exception& e) {
    Say(messages_.warn, fmt::format("registry {}: {}; keeping the current model", registry_path_.string(), e.what()));
    return false;
  }
  if (!production) {
    if (!warned_no_production_) {
      Say(messages_.warn, fmt::format("task \"{}\" has no production model in {} yet; not ready until one is promoted",
                                      task_, registry_path_.string()));
      warned_no_production_ = true;
    }
    return false;
  }
  warned_no_production_ = false;
  const auto current = holder_.Get();
  if (current && current->id == production->id) return false;
  if (!force && production->id == failed_id_) return false;
  try {
    auto model = LoadServedModel(production->path.string(), production->id, task_, production->created_at,
                                 ModelStatusName(production->status));
    holder_.Set(model);
    failed_id_.clear();
    if (current) metrics_.CountSwap();
    Say(current ? messages_.info : messages_.debug, fmt::format("serving model {} ({}){}", production->id, task_,
                                    current ? fmt::format(", replacing {}", current->id) : ""));
    return true;
  } catch (const std::exception& e) {
    failed_id_ = production->id;
    metrics_.CountLoadFailure();
    Say(messages_.warn, fmt::format("production model {} failed to load: {}; {}", production->id, e.what(),
                                    current ? "the previous model keeps serving" : "not ready"));
    return false;
  }
}

void RegistryWatcher::Start() {
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { Loop(); });
  }
  listener_ = ChangeListener::Start(
      registry_path_,
      [this](const std::string& task) {
        if (task.empty() || task == task_) Wake();
      },
      [this](const std::string& message) { Say(messages_.warn, message); });
}

void RegistryWatcher::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void RegistryWatcher::CheckNow() {
  {
    std::lock_guard lock(mutex_);
    force_ = true;
  }
  wake_.notify_all();
}

void RegistryWatcher::Stop() {
  if (listener_) listener_->Stop();  // its callback wakes this thread: stopped first
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RegistryWatcher::Loop() {
  for (;;) {
    bool force = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, poll_, [&] { return stop_ || force_ || woken_; });
      if (stop_) return;
      force = std::exchange(force_, false);
      woken_ = false;
    }
    try {
      CheckOnce(force);
    } catch (const std::exception& e) {
      Say(messages_.warn, fmt::format("registry check failed: {}", e.what()));
    }
  }
}

}  // namespace trainops::serve
