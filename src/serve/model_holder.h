// The model the server answers with, swapped atomically. Requests take a shared_ptr at
// their start and keep it to the end, so a swap never changes the model under a running
// request and the old model is freed when its last request finishes.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <string>

#include <trainops/classifier.h>

namespace trainops::serve {

struct ServedModel {
  std::shared_ptr<const Classifier> classifier;
  std::string id, task;
  std::string created;  // registry's created_at, or the file's modification time
  std::string status;   // registry status when loaded; "file" for --model
};

// Thread-safe. A mutex rather than std::atomic<std::shared_ptr>: the copy under it is a
// reference-count increment (tens of ns, nothing next to a prediction), and libstdc++ 12's
// atomic shared_ptr guards itself with a lock bit ThreadSanitizer cannot see, which would
// leave the one swap that matters unverifiable in the TSan build.
class ModelHolder {
 public:
  std::shared_ptr<const ServedModel> Get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void Set(std::shared_ptr<const ServedModel> model) {
    std::shared_ptr<const ServedModel> previous;
    {
      std::lock_guard lock(mutex_);
      previous = std::exchange(current_, std::move(model));
    }
    // `previous` is released here, outside the lock: when it was the last reference,
    // freeing a large model must not hold up requests taking the new one.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ServedModel> current_;
};

// Loads a model file, verifies it is the one expected (its content id equals
// `expected_id` when given, its task `expected_task` when given) and warms it up (the
// first Classify of each thread allocates its buffers; the loader thread pays that, and
// the pages of the weights are touched before the first request). Throws trainops errors.
std::shared_ptr<const ServedModel> LoadServedModel(const std::string& path, const std::string& expected_id,
                                                   const std::string& expected_task, std::string created,
                                                   std::string status);

}  // namespace trainops::serve
