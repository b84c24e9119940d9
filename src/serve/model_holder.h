// The model the server answers with, swapped atomically. Requests take a shared_ptr at
// their start and keep it to the end, so a swap never changes the model under a running
// request and the old model is freed when its last request finishes.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <trainops/classifier.h>

namespace trainops::serve {

struct ServedModel {
  std::shared_ptr<const Classifier> classifier;
  std::string id, task;
  std::string created;  // registry's created_at, or the file's modification time
  std::string status;   // registry status when loaded; "file" for --model
};

class ModelHolder {
 public:
  std::shared_ptr<const ServedModel> Get() const { return current_.load(std::memory_order_acquire); }
  void Set(std::shared_ptr<const ServedModel> model) { current_.store(std::move(model), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const ServedModel>> current_;
};

// Loads a model file, verifies it is the one expected (its content id equals
// `expected_id` when given, its task `expected_task` when given) and warms it up (the
// first Classify of each thread allocates its buffers; the loader thread pays that, and
// the pages of the weights are touched before the first request). Throws trainops errors.
std::shared_ptr<const ServedModel> LoadServedModel(const std::string& path, const std::string& expected_id,
                                                   const std::string& expected_task, std::string created,
                                                   std::string status);

}  // namespace trainops::serve
